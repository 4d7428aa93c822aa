"""The request table: its columns are the documented ones, and its Kubernetes columns agree row by row with
classifying each request on its own (the table classifies distinct requests once, with shortcuts)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.har import load_bytes, load_capture
from analyzer.k8s import classify_request
from analyzer.table import COLUMNS, request_frame, request_table
from tests.conftest import CORPUS
from tests.factories import LIST_URL, WATCH_URL, har_bytes, make_entry

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "detail-page-refresh.har"
TRICKY = [
    f"{LIST_URL}&watch=true&resourceVersion=11",
    f"{LIST_URL}&watch=true&resourceVersion=12",
    f"{LIST_URL}&watch=true&resourceVersion=7&resourceVersion=8",  # Go: the first value counts
    f"{LIST_URL}&watch=true&resourceVersion=abc",
    f"{LIST_URL}&watch=true&resourceVersionMatch=NotOlderThan&resourceVersion=5",
    "https://h/%61pi/v1/namespaces/a/pods",  # Go decodes the path before splitting it
    "https://h/static/app.js?resourceVersion=3",
    "https://h/clusters/c1/version",
    WATCH_URL,
]


def _agrees(table_rows: list[dict[str, object]]) -> None:
    for row in table_rows:
        info = classify_request(str(row["method"] or "GET"), str(row["url"] or ""), is_websocket=bool(row["websocket"]))
        expected = info.to_json()
        for key in ("k8s", "is_resource_request", "verb", "group", "version", "namespace", "resource", "subresource",
                    "name", "cluster", "console", "field_selector", "label_selector", "resource_version",
                    "timeout_seconds", "allow_watch_bookmarks"):  # fmt: skip
            assert row[key] == expected[key], (row["url"], key)


def test_columns_are_the_documented_ones() -> None:
    table = request_table(load_capture(SAMPLE))
    assert table.column_names == list(COLUMNS)


def test_tricky_urls_agree_with_the_classifier() -> None:
    capture = load_bytes(har_bytes([make_entry(**{"request.url": url}) for url in TRICKY]), "t.har")
    rows = request_table(capture).to_pylist()
    _agrees(rows)
    assert [r["resource_version"] for r in rows[:5]] == ["11", "12", "7", "abc", "5"]


@pytest.mark.parametrize("name", ["detail-page-refresh.har"])
def test_sample_agrees_with_the_classifier(name: str) -> None:
    _agrees(request_table(load_capture(SAMPLE.with_name(name))).to_pylist())


def test_corpus_file_with_kubernetes_traffic_agrees() -> None:
    candidates = sorted(CORPUS.glob("*.har")) if CORPUS.exists() else []
    if not candidates:
        pytest.skip(f"{CORPUS} is not here (a user's clone has no ../shared)")
    checked = 0
    for path in candidates:
        try:
            capture = load_capture(path)
        except Exception:
            continue
        _agrees(request_table(capture).to_pylist())
        checked += 1
    assert checked > 200


def test_frame_has_nullable_dtypes() -> None:
    frame = request_frame(load_capture(SAMPLE))
    assert len(frame) == 13 and str(frame["status"].dtype) == "Int32" and str(frame["k8s"].dtype) == "boolean"
    assert str(frame["started"].dtype).startswith("datetime64") and "UTC" in str(frame["started"].dtype)
