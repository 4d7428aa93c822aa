"""The traffic views of a summary: what `--k8s-only` keeps, where a stream's URL comes from, the CSV rows.

The rendering of every sample is pinned by the golden files (tests/golden/test_traffic_views.py)."""

from __future__ import annotations

import csv
import io
import json
from functools import cache
from typing import Any

import pytest

from analyzer.analysis.analyze import analyze
from analyzer.har import load_bytes
from analyzer.redact import redacted
from analyzer.render.traffic import (
    VIEWS,
    connections_view,
    navigations_view,
    render_csv,
    render_json,
    streams_view,
)
from analyzer.summary import Summary
from tests.factories import GET_URL, WATCH_URL, document, har_bytes, request

PAGE = "https://console.example.com/console/x?access_token=abc123&a=1"
OTHER = "https://cdn.example.com/app.js"


@cache
def summary() -> Summary:
    """A page load with a watch carrying a token, a Kubernetes OPTIONS, and server-sent events from another host."""
    events: dict[str, Any] = {"response.content.mimeType": "text/event-stream"}
    options: dict[str, Any] = {"request.method": "OPTIONS"}
    entries = [
        document(PAGE, 0.0, _connectionId="1"),
        request(f"{WATCH_URL}&token=s3cret", 1.0, time_ms=30_000.0, _connectionId="2"),
        request(GET_URL, 2.0, _connectionId="3", **options),
        request(OTHER, 2.5, _connectionId="4"),
        request(f"{OTHER}?stream=1", 3.0, time_ms=30_000.0, _connectionId="5", **events),
    ]
    return analyze(load_bytes(har_bytes(entries), "t.har")).summary


def test_a_kubernetes_request_without_a_verb_is_still_kubernetes() -> None:
    options = summary().request(2)
    assert options is not None and options.method == "OPTIONS"
    assert (options.verb, options.is_kubernetes) == ("", True)


@pytest.mark.parametrize(
    ("k8s_only", "connections"),
    [pytest.param(False, ["1", "2", "3", "4", "5"], id="all"), pytest.param(True, ["2", "3"], id="k8s-only")],
)
def test_k8s_only_keeps_the_connections_that_carried_kubernetes_requests(
    k8s_only: bool, connections: list[str]
) -> None:
    assert [c.id for c in connections_view(summary(), k8s_only=k8s_only).connections] == connections


@pytest.mark.parametrize(
    ("k8s_only", "streams"),
    [pytest.param(False, [1, 4], id="all"), pytest.param(True, [1], id="k8s-only")],
)
def test_k8s_only_keeps_the_kubernetes_streams(k8s_only: bool, streams: list[int]) -> None:
    assert [s.index for s in streams_view(summary(), k8s_only=k8s_only).streams] == streams


def test_navigations_ignore_k8s_only() -> None:
    assert navigations_view(summary(), k8s_only=True) == navigations_view(summary())


def test_a_stream_shows_its_requests_url_redacted_unless_asked() -> None:
    (watch, _events) = streams_view(redacted(summary())).streams
    assert watch.url == f"{WATCH_URL}&token=REDACTED"
    assert streams_view(summary()).streams[0].url == f"{WATCH_URL}&token=s3cret"
    assert navigations_view(redacted(summary())).navigations[0].url == PAGE.replace("abc123", "REDACTED")


@pytest.mark.parametrize("what", VIEWS)
def test_csv_rows_are_the_json_rows(what: str) -> None:
    view = VIEWS[what](summary())
    main = json.loads(render_json(view))[what]
    rows = list(csv.DictReader(io.StringIO(render_csv(view))))
    assert len(rows) == len(main) > 0
    assert [list(r) for r in rows] == [list(r) for r in main]
    assert [r["index" if "index" in r else "id"] for r in rows] == [str(r.get("index", r.get("id"))) for r in main]


def test_an_empty_list_is_an_empty_csv() -> None:
    without_streams = analyze(load_bytes(har_bytes([document(PAGE, 0.0)]), "t.har")).summary
    assert render_csv(streams_view(without_streams)) == ""
