"""The request table: its columns are the documented ones, and its Kubernetes columns agree row by row with
classifying each request on its own (the table classifies distinct requests once, with shortcuts)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from analyzer.errors import InputError
from analyzer.har import load_bytes, load_capture
from analyzer.k8s import classify_request
from analyzer.k8s.request_table import COLUMNS, _placeholder_versions, request_frame, request_table
from tests.conftest import CORPUS, require_shared
from tests.factories import LIST_URL, WATCH_URL, har_bytes, make_entry

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "detail-page-refresh.har"
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
    checked = 0
    for path in sorted(require_shared(CORPUS).glob("*.har")):
        try:
            capture = load_capture(path)
        except InputError:
            continue  # the corpus's broken files (not JSON, no log.entries): tests/analysis/test_corpus_traffic.py
        _agrees(request_table(capture).to_pylist())
        checked += 1
    assert checked > 200


def test_frame_has_nullable_dtypes() -> None:
    frame = request_frame(load_capture(SAMPLE))
    assert len(frame) == 13 and str(frame["status"].dtype) == "Int32" and str(frame["k8s"].dtype) == "boolean"
    assert str(frame["started"].dtype).startswith("datetime64") and "UTC" in str(frame["started"].dtype)


# The resourceVersion placeholder as the regex kernels defined it (`_placeholder_versions` must agree).
_REFERENCE_RV = r"[?&]resourceVersion=(?P<rv>[0-9]+)(?:[&#]|$)"
_REFERENCE_RV_VALUE = r"([?&]resourceVersion=)[0-9]+"


def _reference_versions(urls: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    single = pc.equal(pc.count_substring(urls, "resourceVersion="), 1)
    written = pc.struct_field(pc.extract_regex(urls, _REFERENCE_RV), "rv")
    canonical = pc.fill_null(pc.and_(single, pc.is_valid(written)), False)
    keyed = pc.if_else(canonical, pc.replace_substring_regex(urls, _REFERENCE_RV_VALUE, r"\1" + "0"), urls)
    return canonical, pc.if_else(canonical, written, None), keyed


RESOURCE_VERSION_CASES = [
    pytest.param("/p?resourceVersion=123", id="only-parameter"),
    pytest.param("/p?a=1&resourceVersion=123&b=2", id="between-parameters"),
    pytest.param("/p?resourceVersion=123#frag", id="before-fragment"),
    pytest.param("/p?resourceVersion=123&", id="before-trailing-ampersand"),
    pytest.param("/p?resourceVersion=007", id="leading-zeros"),
    pytest.param("/p?resourceVersion=99999999999999999999999", id="beyond-int64"),
    pytest.param("/p?resourceVersionMatch=NotOlderThan&resourceVersion=5", id="after-resourceVersionMatch"),
    pytest.param("/p?resourceVersion=5&resourceVersionMatch=Exact", id="before-resourceVersionMatch"),
    pytest.param("/p?resourceVersion=", id="empty-value"),
    pytest.param("/p?resourceVersion=abc", id="not-a-number"),
    pytest.param("/p?resourceVersion=12abc", id="digits-then-letters"),
    pytest.param("/p?resourceVersion=12;x", id="digits-then-semicolon"),
    pytest.param("/p?resourceVersion=-5", id="negative"),
    pytest.param("/p?resourceVersion=\u0663", id="arabic-indic-digit"),
    pytest.param("/p?resourceVersion=5 ", id="trailing-space"),
    pytest.param("/p?resourceVersion=5&resourceVersion=6", id="twice"),
    pytest.param("/p?resourceVersion=resourceVersion=5", id="name-as-value"),
    pytest.param("/resourceVersion=5/x?resourceVersion=6", id="also-in-path"),
    pytest.param("/p?resourceVersion=5#x&resourceVersion=6", id="also-in-fragment"),
    pytest.param("/p?xresourceVersion=5", id="longer-name"),
    pytest.param("/p?fieldSelector=resourceVersion=5", id="inside-a-value"),
    pytest.param("/p#resourceVersion=5", id="in-fragment-only"),
    pytest.param("resourceVersion=5", id="at-the-start"),
    pytest.param("/p;resourceVersion=5", id="after-semicolon"),
]


@pytest.mark.parametrize("url", RESOURCE_VERSION_CASES)
def test_resource_version_placeholder_matches_the_regex_kernels(url: str) -> None:
    urls = pa.array([url, f"{WATCH_URL}&x={url}"], type=pa.string())
    canonical, written, keyed = _placeholder_versions(urls)
    expected = _reference_versions(urls)
    assert canonical.equals(expected[0])
    assert pc.if_else(canonical, written, None).equals(expected[1])
    assert keyed.equals(expected[2])


def test_resource_version_placeholder_of_no_url() -> None:
    canonical, written, keyed = _placeholder_versions(pa.array([], type=pa.string()))
    assert len(canonical) == len(written) == len(keyed) == 0


def test_non_candidate_rows_are_not_kubernetes_and_keep_their_resource_version_null() -> None:
    urls = ["https://h/static/app.js?resourceVersion=3", f"{WATCH_URL}", "https://h/x?resourceVersion=4"]
    rows = request_table(load_bytes(har_bytes([make_entry(**{"request.url": u}) for u in urls]), "t.har")).to_pylist()
    assert [(r["k8s"], r["is_resource_request"], r["resource_version"]) for r in rows] == [
        (False, False, None),
        (True, True, "5937358"),
        (False, False, None),
    ]
