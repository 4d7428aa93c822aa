"""The page data: sampling within limits, lanes, redaction of headers."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from analyzer.analysis.analyze import analyze
from analyzer.har.loader import load_bytes, load_capture
from analyzer.redact import redact_header, redacted
from analyzer.render.page import Limits, _pick, page_data
from analyzer.render.page_data import PageData, RequestColumns, RequestRow, Sampling
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
    assert _pick(ranks, limit) == kept


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
