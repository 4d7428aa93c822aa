"""CDP events into CdpRequests and CdpWebSockets; their HAR timings and initiators as DevTools' export writes them."""

from __future__ import annotations

from typing import Any

import pytest

from analyzer.record.network import (
    CdpRequest,
    CdpWebSocket,
    NetworkLog,
    devtools_initiator,
    devtools_timings,
    total_time,
)

# Network.ResourceTiming of a fresh HTTP/1.1 connection, as Chromium 156 reported it (ms after requestTime)
FRESH = {"requestTime": 100.0, "proxyStart": -1, "proxyEnd": -1, "dnsStart": 0.139, "dnsEnd": 0.154,
         "connectStart": 0.154, "connectEnd": 0.446, "sslStart": -1, "sslEnd": -1, "sendStart": 0.52,
         "sendEnd": 0.554, "receiveHeadersEnd": 37.204}  # fmt: skip
# a request that waited 8.6 s for a free connection (six watches held the host's six)
STALLED = {"requestTime": 100.0, "proxyStart": -1, "proxyEnd": -1, "dnsStart": -1, "dnsEnd": -1,
           "connectStart": -1, "connectEnd": -1, "sslStart": -1, "sslEnd": -1, "sendStart": 8610.0,
           "sendEnd": 8610.2, "receiveHeadersEnd": 8650.0}  # fmt: skip


def _request(timing: dict[str, float] | None, issued: float = 99.998) -> CdpRequest:
    return CdpRequest("1", "GET", "http://h/x", issued, 1.7e9, "fetch", False, timing=timing)


def test_fresh_connection() -> None:
    timings = devtools_timings(_request(FRESH), end=100.040)
    assert timings == {"blocked": 2.139, "dns": 0.015, "connect": 0.292, "ssl": -1.0, "send": 0.034,
                       "wait": 36.65, "receive": 2.796, "_blocked_queueing": 2.0}  # fmt: skip
    assert total_time(timings) == pytest.approx(2.139 + 0.015 + 0.292 + 0.034 + 36.65 + 2.796, abs=0.002)


def test_the_wait_for_a_connection_is_in_blocked_not_in_queueing() -> None:
    timings = devtools_timings(_request(STALLED, issued=100.0), end=None)
    assert timings["blocked"] == 8610.0 and timings["_blocked_queueing"] == -1.0
    assert timings["receive"] == -1.0  # still open


def test_no_response_no_timings() -> None:
    assert devtools_timings(_request(None), end=101.0) == {}


class _Session:
    def __init__(self) -> None:
        self.handlers: dict[str, Any] = {}

    def on(self, event: str, handler: Any) -> None:
        self.handlers[event] = handler


def test_network_log_follows_a_request_to_its_end() -> None:
    session, log = _Session(), NetworkLog()
    log.attach(session)
    session.handlers["Network.requestWillBeSent"]({"requestId": "7", "loaderId": "7", "type": "Document",
        "timestamp": 5.0, "wallTime": 1.7e9, "request": {"method": "GET", "url": "http://h/"}})  # fmt: skip
    session.handlers["Network.responseReceived"]({"requestId": "7", "timestamp": 5.1, "response": {
        "connectionId": 65, "connectionReused": True, "protocol": "h2", "remoteIPAddress": "127.0.0.1",
        "remotePort": 18443, "timing": FRESH}})  # fmt: skip
    session.handlers["Network.loadingFailed"]({"requestId": "7", "timestamp": 6.0, "errorText": "net::ERR_ABORTED",
                                               "canceled": True})  # fmt: skip
    (request,) = log.requests
    assert request.is_navigation and request.connection_id == 65 and request.protocol == "h2"
    assert (request.finished, request.error, request.canceled) == (6.0, "net::ERR_ABORTED", True)


# Call frames and initiators as Chromium 156 sent them for the simulator's console page (0-based line/column)
JS = "http://h/static/console.js"
REQUEST, GET_RESOURCE = ("request", 63, 25), ("getResource", 71, 9)
POLL, WATCH_RESOURCE, DETAIL = ("poll", 160, 2), ("watchResource", 182, 6), ("detail", 201, 4)


def _frames(*frames: tuple[str, int, int]) -> list[dict[str, Any]]:
    return [{"functionName": name, "scriptId": "7", "url": JS, "lineNumber": line, "columnNumber": column}
            for name, line, column in frames]  # fmt: skip


PARSER = {"type": "parser", "url": "http://h/console/detail", "lineNumber": 10, "columnNumber": 33}
# a poll after the first: the setInterval callback, whose async parent is the code that called setInterval
TIMER = {"description": "setInterval", "callFrames": _frames(POLL, WATCH_RESOURCE, DETAIL)}
POLL_BY_TIMER = {
    "type": "script",
    "stack": {"callFrames": _frames(REQUEST, GET_RESOURCE, ("", 182, 17)), "parent": TIMER},
}
# a re-watch: two async parents deep
REWATCH = {"type": "script", "stack": {"callFrames": _frames(("streamFetch", 103, 25)),
           "parent": {"description": "await", "callFrames": _frames(("", 166, 11)),
                      "parent": {"description": "Promise.then", "callFrames": _frames(WATCH_RESOURCE)}}}}  # fmt: skip
PRELOAD = {"type": "preload", "url": "http://h/static/console.js", "requestId": "12.3"}


@pytest.mark.parametrize(
    ("initiator", "written"),
    [
        pytest.param({"type": "other"}, {"type": "other"}, id="document"),
        pytest.param(PARSER, {"type": "parser", "url": "http://h/console/detail", "lineNumber": 10},
                     id="parser-column-left-out"),
        pytest.param(POLL_BY_TIMER, POLL_BY_TIMER, id="script-with-async-parent"),
        pytest.param(REWATCH, REWATCH, id="script-with-nested-parents"),
        pytest.param(PRELOAD, PRELOAD, id="preload-with-request-id"),
        pytest.param(None, None, id="none"),
    ],
)  # fmt: skip
def test_devtools_initiator_keeps_what_devtools_export_keeps(initiator: dict[str, Any] | None,
                                                              written: dict[str, Any] | None) -> None:  # fmt: skip
    assert devtools_initiator(initiator) == written


def _will_be_sent(request_id: str, url: str, initiator: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"requestId": request_id, "loaderId": "L", "type": "Fetch", "timestamp": 5.0, "wallTime": 1.7e9,
            "request": {"method": "GET", "url": url}, "initiator": initiator, **extra}  # fmt: skip


@pytest.mark.parametrize(
    "initiator",
    [
        pytest.param({"type": "other"}, id="other"),
        pytest.param(PARSER, id="parser"),
        pytest.param(POLL_BY_TIMER, id="async-parent"),
        pytest.param(REWATCH, id="nested-parents"),
    ],
)
def test_network_log_keeps_the_initiator_as_chrome_sent_it(initiator: dict[str, Any]) -> None:
    session, log = _Session(), NetworkLog()
    log.attach(session)
    session.handlers["Network.requestWillBeSent"](_will_be_sent("9", "http://h/x", initiator))
    (request,) = log.requests
    assert request.initiator == initiator


def test_a_redirect_hop_keeps_the_first_hops_initiator() -> None:
    session, log = _Session(), NetworkLog()
    log.attach(session)
    session.handlers["Network.requestWillBeSent"](_will_be_sent("9", "http://h/a", POLL_BY_TIMER))
    redirect = {"status": 302, "timing": FRESH}
    session.handlers["Network.requestWillBeSent"](_will_be_sent("9", "http://h/b", {"type": "other"},
                                                                redirectResponse=redirect))  # fmt: skip
    assert [r.initiator for r in log.requests] == [POLL_BY_TIMER, POLL_BY_TIMER]  # as DevTools' appendRedirect


def test_network_log_keeps_each_websocket_and_its_initiator() -> None:
    session, log = _Session(), NetworkLog()
    log.attach(session)
    session.handlers["Network.webSocketCreated"]({"requestId": "3", "url": "ws://h/w?watch=1", "initiator": REWATCH})
    session.handlers["Network.webSocketCreated"]({"requestId": "4", "url": "ws://h/w?watch=1"})
    assert log.websockets == [
        CdpWebSocket("3", "ws://h/w?watch=1", REWATCH),
        CdpWebSocket("4", "ws://h/w?watch=1", None),
    ]
