"""CDP events into CdpRequests, and their HAR timings computed the way DevTools' export does."""

from __future__ import annotations

from typing import Any

import pytest

from analyzer.record.network import CdpRequest, NetworkLog, devtools_timings, total_time

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
