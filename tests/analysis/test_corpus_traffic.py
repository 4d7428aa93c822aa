"""Navigations, connections and streams on every real capture of the corpus, and the facts of named files."""

from __future__ import annotations

import io
import json
from functools import cache
from typing import Any

import pytest

from analyzer.analysis.analyze import Analysis, analyze_traffic
from analyzer.analysis.pipeline import Traffic, derive
from analyzer.errors import InputError
from analyzer.har import load_capture
from analyzer.redact import redacted
from analyzer.render.terminal import make_console
from analyzer.render.traffic import VIEWS, render_csv, render_json, render_table
from analyzer.summary import ENDED_BY
from analyzer.wording import plural
from tests.conftest import CORPUS, require_shared

FILES = sorted(p.name for p in CORPUS.glob("*") if p.suffix != ".tsv") if CORPUS.exists() else []


@cache
def traffic(name: str) -> Traffic:
    return derive(load_capture(require_shared(CORPUS / name)))


@cache
def analysis(name: str) -> Analysis:
    return analyze_traffic(traffic(name))


@pytest.mark.parametrize("name", FILES, ids=[f[:80] for f in FILES])
def test_every_corpus_file_gives_traffic_facts_or_one_line(name: str) -> None:
    try:
        result = traffic(name)
    except InputError as exc:
        assert "\n" not in str(exc) and str(exc).startswith(str(CORPUS / name))
        return
    frame = result.frame
    assert len(result.navigations) >= 1
    assert set(frame["navigation"]) <= {n.index for n in result.navigations}
    assert sum(n.requests for n in result.navigations) == len(frame)
    assert frame["connection"].notna().all()
    assert sorted(i for c in result.connections for i in c.requests) == sorted(frame["index"])
    assert set(frame["ended_by"]) <= set(ENDED_BY) and all(s.ended_by in ENDED_BY for s in result.streams)
    summary = redacted(analysis(name).summary)
    for what, view in VIEWS.items():
        shown = view(summary)
        assert what in json.loads(render_json(shown))
        assert render_csv(shown).count("\n") == (len(shown.rows) + 1 if shown.rows else 0)
        out = io.StringIO()
        render_table(shown, make_console(out, width=100))
        assert f"\n{plural(len(shown.rows), what.removesuffix('s'))}\n" in out.getvalue()


def test_chrome_websocket_kept_open_with_its_frames() -> None:
    (socket,) = traffic("davorinm__rtl-ws__localhost.har").streams
    assert (socket.kind, socket.transport, socket.ended_by, socket.frames) == ("websocket", "websocket", "open", 109)
    assert socket.ended is None and 17_000 < (socket.duration_ms or 0) < 19_000  # observed lifetime, to its last frame


@pytest.mark.parametrize("name", ["mike-ai-lab__ConstructLM__localhost.har", "mike-ai-lab__ConstructLM__localhost2.har",
                                  "mike-ai-lab__ConstructLM__localhost3.har"])  # fmt: skip
def test_chrome_websockets_without_a_connection_id_get_their_own_connection(name: str) -> None:
    result = traffic(name)
    (socket,) = [s for s in result.streams if s.transport == "websocket"]
    owner = [c for c in result.connections if socket.index in c.requests]
    assert len(owner) == 1 and owner[0].inferred and owner[0].requests == (socket.index,)
    assert any(not c.inferred for c in result.connections)  # the others carry Chrome's _connectionId


def test_mitmproxy_websockets_and_sse_are_complete() -> None:
    sockets = traffic("mitmproxy__mitmproxy__test__mitmproxy__data__flows__websocket.har").streams
    expected = [("websocket", "complete", 1), ("websocket", "complete", 1), ("websocket", "complete", 3)]
    assert [(s.kind, s.ended_by, s.frames) for s in sockets] == expected
    events = traffic("mitmproxy__mitmproxy__test__mitmproxy__data__flows__event_stream.har").streams
    assert [(s.kind, s.ended_by) for s in events] == [("sse", "complete"), ("sse", "complete")]


def test_timed_out_capture_has_errors_and_inferred_connections() -> None:
    result = traffic("mitmproxy__mitmproxy__examples__contrib__import_har__har_files__timed_out.har")
    errors = result.frame[result.frame["ended_by"] == "error"]
    assert len(errors) == 21 and errors["error"].str.contains("ERR_INTERNET_DISCONNECTED").sum() == 20
    assert errors.loc[errors["index"] == 6, "error"].item() == "net::ERR_QUIC_PROTOCOL_ERROR"
    assert all(c.inferred for c in result.connections)  # this Chrome export carries no connection ids


def test_playwright_unfinished_entry_is_open() -> None:
    frame = traffic("microsoft__playwright__tests__assets__har-unstable-network.har").frame
    unfinished = frame[frame["ended_by"] == "open"]
    assert len(frame) == 2 and len(unfinished) == 1 and unfinished["status"].isna().all()


def test_protocols_per_host_on_http2_and_http3_captures() -> None:
    firefox = traffic("hari157__httpbin_hoppscotch_collection__amazon.har")
    protocols = {p for row in firefox.reuse_by_host for p in row.protocols}
    assert {"HTTP/2", "HTTP/3", "HTTP/1.1"} <= protocols
    assert all(c.inferred for c in firefox.connections)  # Firefox writes the server port, not a connection


@cache
def _validator() -> Any:
    import jsonschema

    from analyzer.render.json import schema_text

    return jsonschema.Draft202012Validator(json.loads(schema_text()))


@pytest.mark.parametrize("name", FILES, ids=[f[:80] for f in FILES])
def test_every_corpus_file_analyzes_to_a_valid_report(name: str) -> None:
    from analyzer.render.json import render_analysis_json
    from analyzer.summary import decode_summary

    try:
        result = analysis(name)
    except InputError:
        return  # the broken files: covered above
    document = render_analysis_json(result.summary)
    payload = json.loads(document)
    errors = [f"{list(e.path)}: {e.message}" for e in _validator().iter_errors(payload)]
    assert errors == []
    assert decode_summary(document) == result.summary, "analysis.json reads back into the same summary"
    if payload["summary"]["kubernetes_requests"] == 0:
        assert result.findings == [], "no finding fires on a capture without Kubernetes traffic"
    _assert_requests_kept_or_counted(result)


def _assert_requests_kept_or_counted(result: Analysis) -> None:
    """`requests[]` holds every Kubernetes, long-lived and page-load request and every one a finding, a stream, a
    saturation or a page load names; the others are counted by host and type, none lost."""
    summary = result.summary
    kept = {r.index for r in summary.requests}
    assert len(kept) + sum(o.requests for o in summary.other_requests) == summary.capture.entries
    named = {i for f in summary.findings for i in f.evidence} | {s.index for s in summary.streams}
    named |= {i for s in summary.traffic.saturations for i in (*s.streams, *s.queued)}
    named |= {n.document for n in summary.navigations if n.document is not None}
    assert named <= kept
    frame = result.traffic.frame
    assert set(frame.loc[frame["k8s"].fillna(False).astype(bool), "index"]) <= kept
    left_out = frame[~frame["index"].isin(list(kept))]
    assert not left_out["long_lived"].any() and not (left_out["resource_type"] == "document").any()
    pairs = [(o.host, o.type) for o in summary.other_requests]
    assert len(pairs) == len(set(pairs)), "one count per host and type"
