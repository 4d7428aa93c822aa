"""Long-lived requests: kinds, true duration, and how they ended, per writer."""

from __future__ import annotations

from typing import Any

from analyzer.analysis.pipeline import derive
from analyzer.har import load_bytes
from analyzer.summary import Stream
from tests.factories import LIST_URL, WATCH_URL, document, har_bytes, request

PAGE = "https://console.example.com/console/microservices/asm-cal3"


def streams(entries: list[dict[str, object]], **log: object) -> list[Stream]:
    return derive(load_bytes(har_bytes(entries, **log), "t.har")).streams


def test_a_finished_watch_is_complete_with_its_duration_and_timeout() -> None:
    (watch,) = streams([document(PAGE, 0.0), request(WATCH_URL, 0.5, time_ms=59_400.0)])
    assert (watch.kind, watch.transport, watch.ended_by, watch.timeout_seconds) == ("watch", "http", "complete", 59)
    assert watch.duration_ms == 59_400.0 and not watch.aborted_by_navigation


def test_playwright_unfinished_watch_is_open() -> None:
    never_answered: dict[str, Any] = {"response.status": -1, "timings": {"send": -1, "wait": -1, "receive": -1}}
    unfinished = request(WATCH_URL, 0.5, time=-1, **never_answered)
    (watch,) = streams([document(PAGE, 0.0), unfinished], creator={"name": "Playwright", "version": "1.65"})
    assert watch.ended_by == "open" and watch.ended is None and watch.duration_ms is None


def test_old_chrome_open_watch_has_receive_zero() -> None:
    open_watch = request(WATCH_URL, 0.5, time_ms=40.0, **{"timings": {"blocked": 1, "send": 0.1, "wait": 38,
                         "receive": 0}})  # fmt: skip
    (watch,) = streams([document(PAGE, 0.0), open_watch])
    assert watch.ended_by == "open"


def test_a_watch_aborted_by_a_reload() -> None:
    aborted = request(WATCH_URL, 0.5, time_ms=19_500.0, **{"response.status": 0, "response._error": "net::ERR_ABORTED"})
    failed = request(WATCH_URL + "&x=1", 1.0, time_ms=100.0,
                     **{"response.status": 0, "response._error": "net::ERR_CONNECTION_RESET"})  # fmt: skip
    result = streams([document(PAGE, 0.0), aborted, failed, document(PAGE, 20.0)])
    assert [(s.ended_by, s.aborted_by_navigation) for s in result] == [("aborted", True), ("error", False)]


def test_websocket_frames_give_its_lifetime() -> None:
    frames = [{"type": "send", "time": 1793527201.0, "opcode": 1, "data": "{}"},
              {"type": "receive", "time": 1793527231.0, "opcode": 1, "data": "{}"},
              {"type": "receive", "time": 1793527232.0, "opcode": 8, "data": ""}]  # fmt: skip
    socket = request("wss://console.example.com/api/kubernetes/api/v1/namespaces/a/pods?watch=true", 1.0,
                     _resourceType="websocket", _webSocketMessages=frames, **{"response.status": 101})  # fmt: skip
    (stream,) = streams([socket])
    assert (stream.kind, stream.transport, stream.ended_by, stream.frames) == ("watch", "websocket", "complete", 3)
    assert stream.duration_ms == 31_000.0


def test_sse_follow_logs_and_long_polls() -> None:
    sse = request("https://h/events", 0.0, time_ms=5_000.0, **{"response.content.mimeType": "text/event-stream"})
    logs = request("https://h/api/v1/namespaces/a/pods/p/log?follow=true", 1.0, time_ms=30_000.0)
    poll = request("https://h/poll", 2.0, time_ms=25_000.0)
    quick = [request(f"https://h/poll?x={i}", 3.0 + i, time_ms=30.0) for i in range(3)]
    kinds = [(s.index, s.kind) for s in streams([sse, logs, poll, *quick])]
    assert kinds == [(0, "sse"), (1, "follow-logs"), (2, "long-poll")]


def test_ordinary_requests_are_no_streams() -> None:
    assert streams([document(PAGE, 0.0), request(LIST_URL, 0.5, time_ms=900.0), request(LIST_URL, 1.0)]) == []


PLAYWRIGHT = {"name": "Playwright", "version": "1.65"}
FIREFOX = {"name": "Firefox", "version": "153.0"}
HEADERS_ONLY = {"timings": {"send": 0, "wait": 2.0, "receive": -1}}  # Playwright: the body's end not kept


def test_playwright_watch_aborted_with_its_headers_time_only_is_bounded_by_the_next_load() -> None:
    cut = request(WATCH_URL, 0.5, time_ms=2.0, **HEADERS_ONLY, **{"response._failureText": "net::ERR_ABORTED"})
    (watch,) = streams([document(PAGE, 0.0), cut, document(PAGE, 6.0)], creator=PLAYWRIGHT)
    assert (watch.ended_by, watch.aborted_by_navigation, watch.duration_bound) == ("aborted", True, "at_most")
    assert watch.duration_ms == 5_500.0  # not the 2 ms the writer kept


def test_an_aborted_watch_the_page_renewed_in_its_own_load_may_not_be_the_reloads() -> None:
    cut = request(WATCH_URL, 0.5, time_ms=2.0, **HEADERS_ONLY, **{"response._failureText": "net::ERR_ABORTED"})
    renewed = request(WATCH_URL.replace("timeoutSeconds=59", "timeoutSeconds=58"), 3.0, time_ms=1_000.0)
    first, _ = streams([document(PAGE, 0.0), cut, renewed, document(PAGE, 6.0)], creator=PLAYWRIGHT)
    assert (first.ended_by, first.aborted_by_navigation, first.duration_bound) == ("aborted", None, "at_most")


def test_firefox_status_zero_alone_is_no_abort() -> None:
    waiting = request(LIST_URL, 0.5, time_ms=0.0, **{"response.status": 0, "timings": {}})
    derived = derive(load_bytes(har_bytes([document(PAGE, 0.0), waiting], creator=FIREFOX), "t.har"))
    assert derived.frame.set_index("index").loc[1, "ended_by"] == "unknown"


def test_firefox_http2_watch_lived_until_the_watch_that_renewed_it() -> None:
    h2 = {"response.httpVersion": "HTTP/2", "timings": {"send": 0, "wait": 30, "receive": 0}}
    first = request(WATCH_URL, 0.5, time_ms=30.0, **h2)
    second = request(WATCH_URL.replace("timeoutSeconds=59", "timeoutSeconds=58"), 60.0, time_ms=30.0, **h2)
    one, two = streams([document(PAGE, 0.0), first, second], creator=FIREFOX)
    assert (one.ended_by, one.duration_bound, one.duration_ms) == ("complete", "at_most", 59_500.0)
    assert (two.ended_by, two.duration_bound, two.ended) == ("complete", "at_least", None)  # nothing renewed it


def test_firefox_websockets_without_frames_are_bounded_or_unknown() -> None:
    socket: dict[str, Any] = {"response.status": 101, "_resourceType": "websocket", "time": 4.0}
    url = "wss://console.example.com/api/v1/namespaces/x/pods?watch=true"
    first, last = streams([document(PAGE, 0.0), request(url, 1.0, **socket), request(url, 7.0, **socket)],
                          creator=FIREFOX)  # fmt: skip
    assert (first.ended_by, first.duration_bound, first.duration_ms) == ("complete", "at_most", 6_000.0)
    assert (last.ended_by, last.aborted_by_navigation, last.ended) == ("unknown", None, None)


def test_an_open_stream_lived_at_least_until_the_capture_ended() -> None:
    never_ends = {"response.status": 200, "timings": {"send": 0, "wait": 2.0, "receive": -1}}
    (watch,) = streams([document(PAGE, 0.0), request(WATCH_URL, 0.5, time_ms=2.0, **never_ends),
                        request(LIST_URL, 9.5, time_ms=500.0)], creator=PLAYWRIGHT)  # fmt: skip
    assert (watch.ended_by, watch.ended, watch.duration_bound, watch.duration_ms) == ("open", None, "at_least", 9_500.0)


def test_an_aborted_watch_without_a_later_load_lived_at_most_its_timeout() -> None:
    cut = request(WATCH_URL, 0.5, time_ms=2.0, **HEADERS_ONLY, **{"response._failureText": "net::ERR_ABORTED"})
    (watch,) = streams([document(PAGE, 0.0), cut, request(LIST_URL, 70.0)], creator=PLAYWRIGHT)
    assert (watch.ended_by, watch.aborted_by_navigation, watch.duration_bound) == ("aborted", False, "at_most")
    assert watch.duration_ms == 59_000.0  # timeoutSeconds=59: the page, not a reload, cut it before then
