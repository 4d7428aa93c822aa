"""The page data: sampling within limits, lanes, redaction of headers."""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import msgspec
import numpy as np
import pandas as pd
import pytest

from analyzer.analysis.analyze import analyze
from analyzer.analysis.values import moments_of
from analyzer.har.loader import load_bytes, load_capture
from analyzer.redact import redact_header, redacted
from analyzer.render.page import Limits, _histograms, _pick, _seconds, page_data
from analyzer.render.page_data import PageData, RequestColumns, RequestRow, Sampling
from analyzer.render.page_rows import K8S_TARGET_COLUMNS, k8s_targets, rounded, seconds_of
from analyzer.render.request_view import TARGET_COLUMNS, target
from tests.factories import document, make_har, request
from tests.hostile import GATEWAY, SAMPLES, hostile_har


def busy_har(count: int) -> dict[str, Any]:
    """A page that polls one object every 0.5 s, fetches assets, and watches a collection now and then."""
    entries = [document("https://console.example.com/console/detail", 0.0)]
    for i in range(1, count):
        if i % 50 == 0:
            entries.append(request(f"{GATEWAY}/api/v1/namespaces/a/pods?watch=1&timeoutSeconds=20", i * 0.5, 20_000))
        elif i % 3 == 0:
            entries.append(request(f"https://console.example.com/static/chunk-{i}.js", i * 0.5))
        else:
            entries.append(request(f"{GATEWAY}/api/v1/namespaces/a/pods/p-{i % 7}", i * 0.5))
    return make_har(entries)


def _page(har: dict[str, Any], limits: Limits | None = None, redact: bool = True) -> PageData:
    analysis = analyze(load_bytes(json.dumps(har).encode(), "busy.har"))
    summary = redacted(analysis.summary) if redact else analysis.summary
    return page_data(analysis, summary, redact=redact, limits=limits)


@pytest.mark.parametrize(
    ("ranks", "limit", "kept"),
    [
        pytest.param([2, 2, 2], 5, [0, 1, 2], id="all-fit"),
        pytest.param([2, 0, 1, 2, 0], 3, [1, 2, 4], id="best-ranks-first"),
        pytest.param([1] * 10, 5, [0, 2, 4, 6, 8], id="evenly-spaced-within-a-rank"),
        pytest.param([0, 0, 0], 2, [0, 1], id="even-must-haves-are-cut"),
    ],
)
def test_pick(ranks: list[int], limit: int, kept: list[int]) -> None:
    assert _pick(np.array(ranks), limit).tolist() == kept


def _pick_one_by_one(ranks: list[int], limit: int) -> list[int]:
    """`_pick` a Python step per position, as it was written before it took whole arrays."""
    if len(ranks) <= limit:
        return list(range(len(ranks)))
    kept: list[int] = []
    for rank in sorted(set(ranks)):
        members = [i for i, r in enumerate(ranks) if r == rank]
        room = limit - len(kept)
        if len(members) > room:
            members = [members[int(k * len(members) / room)] for k in range(room)] if room > 0 else []
        kept += members
    return sorted(kept)


@pytest.mark.parametrize(("size", "limit"), [(10, 3), (1_000, 7), (20_001, 20_000), (80_000, 20_000), (99_991, 2_000)])
def test_pick_is_the_one_by_one_pick(size: int, limit: int) -> None:
    ranks = random.Random(size).choices([0, 1, 2], weights=[1, 5, 20], k=size)
    assert _pick(np.array(ranks), limit).tolist() == _pick_one_by_one(ranks, limit)


def test_small_capture_is_drawn_whole() -> None:
    page = _page(busy_har(40))
    assert page.sampling == Sampling(total=40, rows=40, drawn=40, notes=[])
    assert all(page.requests.drawn) and page.overview is None


def test_big_capture_keeps_streams_and_documents_and_counts_everything() -> None:
    page = _page(busy_har(600), Limits(bars=100, rows=300, details=20))
    requests = page.requests
    assert page.sampling.drawn == sum(requests.drawn) == 100
    assert len(requests.index) == 300
    drawn = {i for i, d in zip(requests.index, requests.drawn, strict=True) if d}
    streams = {i for i, long in zip(requests.index, requests.long, strict=True) if long}
    assert streams and streams <= drawn and 0 in drawn  # every watch, and the document
    assert page.overview is not None
    assert sum(sum(counts) for counts in page.overview.counts.values()) == 600
    assert len(page.details) == 20 and len(page.sampling.notes) == 3


def test_lanes_by_connection_and_by_resource() -> None:
    page = _page(busy_har(40))
    assert page.lanes.resource[:2] == ["web · console.example.com", "calico3/core/v1/a/pods/p-1"]
    assert page.lanes.connection == ["inferred:console.example.com:443#1 · HTTP/1.1"]


def test_open_watch_spans_to_the_end_of_the_capture() -> None:
    analysis = analyze(load_capture(SAMPLES / "detail-reload-mid-watch.har"))
    page = page_data(analysis, redacted(analysis.summary))
    requests = page.requests
    last_watch = max(i for i, verb in enumerate(requests.verb) if verb == "watch")
    assert requests.open[last_watch] and requests.end[last_watch] == page.end_s
    aborted = [i for i, a in enumerate(requests.aborted) if a]
    assert [requests.verb[i] for i in aborted] == ["watch"]


@pytest.mark.parametrize(
    ("name", "value", "shown"),
    [
        pytest.param("Authorization", "Bearer abc.def", "Bearer REDACTED", id="authorization-keeps-scheme"),
        pytest.param("Cookie", "a=1; b=2", "REDACTED", id="cookie"),
        pytest.param("Set-Cookie", "sid=1; HttpOnly", "REDACTED", id="set-cookie"),
        pytest.param("X-Forwarded-Authorization", "Bearer abc", "Bearer REDACTED", id="bearer-in-any-header"),
        pytest.param(
            "Referer", "https://h/p?access_token=abc&x=1", "https://h/p?access_token=REDACTED&x=1", id="token-in-a-url"
        ),
        pytest.param("Accept", "application/json", "application/json", id="plain"),
    ],
)
def test_redact_value(name: str, value: str, shown: str) -> None:
    assert redact_header(name, value) == shown


def test_headers_are_redacted_unless_asked(tmp_path: Path) -> None:
    shown = msgspec.json.encode(_page(hostile_har())).decode()
    assert "SECRET" not in shown
    assert "SECRET-BEARER-2" in msgspec.json.encode(_page(hostile_har(), redact=False)).decode()


def test_request_columns_are_the_row_fields_then_drawn_and_lane() -> None:
    # RequestColumns.of fills the columns by position from the rows' fields.
    assert RequestColumns.__struct_fields__ == (*RequestRow.__struct_fields__, "drawn", "lane")


def test_columns_of_no_rows_are_empty() -> None:
    columns = RequestColumns.of([], drawn=[], lanes=[])
    assert all(getattr(columns, name) == [] for name in RequestColumns.__struct_fields__)


def test_page_json_decodes_back_into_the_page_data() -> None:
    page = _page(busy_har(600), Limits(bars=100, rows=300, details=20), redact=False)
    data = msgspec.json.encode(page)
    assert msgspec.json.decode(data, type=PageData) == page
    assert data.startswith(b'{"end_s":') and b'"details":{"0":{"request":[[' in data  # keys as the script reads them


# Halves that a float holds a little above or below, halves it holds exactly, signs, sizes and missing values.
ROUNDING_EDGES = [0.0, -0.0, 0.5, 1.5, 2.5, -2.5, 0.125, 0.375, -0.125, 1.005, 2.675, -2.675, 0.285, 1.255, 0.045,
                  0.015, 1.115, 554.255, 1e-300, 5e-324, -0.001, -0.00004, -0.00005, 0.00005, 0.00015, 123.456785,
                  59000.005, 1e15 + 0.5, 2.0**50 / 100 + 0.5, 2.0**52 + 1, 2.0**53, 1e300, -1e300, 1.7e308, math.inf,
                  -math.inf, math.nan]  # fmt: skip


def _same(a: float, b: float) -> bool:
    """Equal as floats, minus zero told from zero, NaN equal to NaN."""
    return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))


@pytest.mark.parametrize("digits", [2, 3, 4])
@pytest.mark.parametrize("value", ROUNDING_EDGES, ids=repr)
def test_rounded_is_pythons_round(value: float, digits: int) -> None:
    found = rounded(np.array([value]), digits)[0]
    assert _same(float(found), round(value, digits))


@pytest.mark.parametrize(
    ("values", "digits"),
    [
        pytest.param([k / 1000 for k in range(-20_000, 200_000)], 2, id="milliseconds-to-microseconds"),
        pytest.param([k / 1e6 for k in range(0, 3_000_000, 11)], 4, id="seconds-to-microseconds"),
        pytest.param([k / 1e6 + 1_700_000 for k in range(0, 1_000_000, 13)], 4, id="seconds-far-from-zero"),
        pytest.param([random.Random(1).uniform(-1e4, 1e6) for _ in range(100_000)], 2, id="random"),
    ],
)
def test_rounded_is_pythons_round_on_many_values(values: list[float], digits: int) -> None:
    found = rounded(np.array(values), digits).tolist()
    assert [v for v, f in zip(values, found, strict=True) if not _same(f, round(v, digits))] == []


def test_seconds_of_is_seconds_of_each() -> None:
    origin = datetime(2026, 11, 1, 10, tzinfo=UTC)
    offsets = [0, 1, 50, 150, 250, 1_234_550, -50, -1_234_550, 3_600_000_050, 86_400_000_000 * 400 + 12_345_650]
    moments = [None, *(origin + timedelta(microseconds=us) for us in offsets)]
    found = seconds_of(moments_of(moments), origin).tolist()
    assert [None if math.isnan(f) else f for f in found] == [_seconds(m, origin) for m in moments]
    assert np.isnan(seconds_of(moments_of(moments), None)).all()


def _target_rows(**columns: list[Any]) -> pd.DataFrame:
    size = len(next(iter(columns.values())))
    filled = {name: columns.get(name, [None] * size) for name in K8S_TARGET_COLUMNS}
    return pd.DataFrame(filled).astype({"timeout_seconds": "Int64", "limit": "Int64", "is_resource_request": "boolean"})


@pytest.mark.parametrize(
    "rows",
    [
        pytest.param(_target_rows(is_resource_request=[True] * 4, cluster=["c", "c", None, "c"], version=["v1"] * 4,
                                  resource=["pods"] * 4, name=["p", None, "p", ""],
                                  resource_version=["1", "2", None, ""], timeout_seconds=[59, None, 59, 0],
                                  label_selector=[None, "app=x", None, None], limit=[None, 500, None, None]),
                     id="versions-timeouts-labels-limits"),
        pytest.param(_target_rows(is_resource_request=[False, False], path=["/version", "/healthz"],
                                  resource_version=["3", None]), id="not-a-resource"),
        pytest.param(_target_rows(is_resource_request=[True, True], resource=["pods\x00resource_version\x00", "pods"],
                                  namespace=["\x00resource_version\x00", None], resource_version=["4", "5"]),
                     id="the-mark-in-a-value"),
        pytest.param(_target_rows(is_resource_request=[], resource=[]), id="none"),
    ],
)  # fmt: skip
def test_k8s_targets_are_terminal_targets(rows: pd.DataFrame) -> None:
    one_by_one = [
        target({"k8s": True, **{str(name): None if pd.isna(value) else value for name, value in row.items()}})
        for _, row in rows.iterrows()
    ]
    assert k8s_targets(rows) == one_by_one


def test_page_targets_are_terminal_targets() -> None:
    urls = ["/api/v1/namespaces/a/pods?watch=1&resourceVersion=7&timeoutSeconds=30", "/api/v1/pods?limit=500",
            "/api/v1/namespaces/a/pods?labelSelector=app%3Dx&resourceVersion=", "/version",
            "/apis/apps/v1/namespaces/a/deployments/d/scale?resourceVersion=8"]  # fmt: skip
    har = make_har([request(GATEWAY + url, i * 0.5) for i, url in enumerate(urls * 3)])
    analysis = analyze(load_bytes(json.dumps(har).encode(), "targets.har"))
    page = page_data(analysis, analysis.summary, redact=False)
    frame = analysis.traffic.frame.set_index("index", drop=False)
    rows = frame.loc[page.requests.index, list(TARGET_COLUMNS)].astype(object)
    expected = [
        target(row) if row["k8s"] else row["path"] or row["url"]
        for row in ({str(k): v for k, v in r.items()} for r in rows.where(rows.notna(), None).to_dict("records"))
    ]
    assert page.requests.target == expected and len(set(expected)) == len(urls)


@pytest.mark.parametrize(
    ("values", "edges"),
    [
        pytest.param([0.0, 0.25, 0.5, 0.75, 1.0], [0.0, 0.25, 0.5, 0.75, 1.0], id="on-the-edges"),
        pytest.param([-1e-9, -5.0, 1.0 + 1e-9, 7.0, 1.0], [0.0, 0.5, 1.0], id="outside-and-the-last-edge"),
        pytest.param([0.1, 0.1, 0.2, 0.2], [0.0, 0.1, 0.1, 0.3], id="an-empty-bin"),
        pytest.param([], [0.0, 1.0], id="nothing"),
        pytest.param([random.Random(2).uniform(-10, 4010) for _ in range(50_000)],
                     np.linspace(0.0, 4000.0, 241).tolist(), id="many"),
    ],
)  # fmt: skip
def test_histograms_are_numpys_histograms(values: list[float], edges: list[float]) -> None:
    starts, bins = np.array(values, dtype=np.float64), np.array(edges)
    groups = np.array([i % 3 for i in range(len(values))], dtype=np.intp)
    found = _histograms(starts, groups, 4, bins).tolist()
    assert found == [np.histogram(starts[groups == g], bins=bins)[0].tolist() for g in range(4)]
