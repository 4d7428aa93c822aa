"""Chrome's fields added to Playwright's entries: matched by method, URL and start order (websockets by URL)."""

from __future__ import annotations

from typing import Any

import pytest

from analyzer.record.merge import CUT_BY_NAVIGATION, add_chrome_fields
from analyzer.record.network import CdpRequest, CdpWebSocket

TIMING = {"requestTime": 10.0, "dnsStart": -1, "dnsEnd": -1, "connectStart": -1, "connectEnd": -1, "sslStart": -1,
          "sslEnd": -1, "sendStart": 1.0, "sendEnd": 1.5, "receiveHeadersEnd": 5.0}  # fmt: skip
WATCH = "http://h/apis/g/v1/things?watch=true"


def _entry(url: str, started: str, **response: Any) -> dict[str, Any]:
    return {"startedDateTime": started, "time": 1.0, "request": {"method": "GET", "url": url},
            "response": {"status": 200, "httpVersion": "HTTP/1.1", **response}, "timings": {"wait": 1.0}}  # fmt: skip


def _cdp(url: str, issued: float, connection: int, finished: float | None, *, navigation: bool = False,
         protocol: str = "http/1.1", initiator: dict[str, Any] | None = None) -> CdpRequest:  # fmt: skip
    timing = {**TIMING, "requestTime": issued + 0.001}
    return CdpRequest(str(issued), "GET", url, issued, 1.7e9 + issued, "fetch", navigation, connection_id=connection,
                      protocol=protocol, remote_ip="127.0.0.1", remote_port=18080, timing=timing,
                      finished=finished, initiator=initiator)  # fmt: skip


def _stack(*functions: str, parent: dict[str, Any] | None = None) -> dict[str, Any]:
    frames = [{"functionName": f, "scriptId": "7", "url": "http://h/console.js", "lineNumber": 1, "columnNumber": 2}
              for f in functions]  # fmt: skip
    return {"callFrames": frames, **({"parent": parent} if parent else {})}


def test_same_url_twice_is_matched_in_start_order() -> None:
    har = {"log": {"entries": [_entry(WATCH, "2026-01-01T00:00:05.000Z"), _entry(WATCH, "2026-01-01T00:00:01.000Z")]}}
    stats = add_chrome_fields(har, [_cdp(WATCH, 5.0, 9, 6.0), _cdp(WATCH, 1.0, 8, 2.0)])
    later, earlier = har["log"]["entries"]
    assert (earlier["_connectionId"], later["_connectionId"]) == ("8", "9")
    assert earlier["_serverPort"] == 18080 and earlier["serverIPAddress"] == "127.0.0.1"
    # queueing 1 ms + a 1 ms stall before send; the body ended 999 ms after the request started
    assert earlier["timings"]["_blocked_queueing"] == 1.0 and earlier["timings"]["blocked"] == 2.0
    assert earlier["time"] == 1000.0
    assert stats.matched == 2 and stats.entries_without_cdp == 0 and stats.cdp_without_entry == 0


def test_cut_off_by_a_navigation_runs_to_the_next_document() -> None:
    har = {"log": {"entries": [_entry(WATCH, "2026-01-01T00:00:01.000Z", _failureText="net::ERR_ABORTED"),
                               _entry("http://h/", "2026-01-01T00:00:04.000Z")]}}  # fmt: skip
    add_chrome_fields(har, [_cdp(WATCH, 1.0, 8, None), _cdp("http://h/", 4.0, 8, 4.1, navigation=True)])
    watch = har["log"]["entries"][0]
    assert watch["timings"]["comment"] == CUT_BY_NAVIGATION
    assert watch["timings"]["receive"] == 2994.0  # from its headers (1.001 s + 5 ms) to the reload (4 s)


def test_open_at_the_end_keeps_receive_minus_one_and_gets_the_negotiated_protocol() -> None:
    har = {"log": {"entries": [_entry(WATCH, "2026-01-01T00:00:01.000Z")]}}
    add_chrome_fields(har, [_cdp(WATCH, 1.0, 3, None, protocol="h2")])
    (watch,) = har["log"]["entries"]
    assert watch["timings"]["receive"] == -1.0 and watch["response"]["httpVersion"] == "HTTP/2.0"
    assert watch["time"] == -1 and watch["timings"]["blocked"] == 2.0 and watch["timings"]["wait"] == 3.5


def test_websockets_and_unknown_requests_are_left_alone() -> None:
    socket = {**_entry("ws://h/x?watch=1", "2026-01-01T00:00:01.000Z"), "_resourceType": "websocket"}
    har = {"log": {"entries": [socket, _entry("http://h/other", "2026-01-01T00:00:02.000Z")]}}
    stats = add_chrome_fields(har, [])
    assert "_connectionId" not in socket and stats.entries_without_cdp == 1 and stats.matched == 0


TIMER = {"description": "setInterval", **_stack("poll", "watchResource")}  # who called setInterval
POLLED = {"type": "script", "stack": _stack("request", "getResource", "", parent=TIMER)}
WATCHED = {"type": "script", "stack": _stack("streamFetch", parent={"description": "Promise.then", **_stack("_watch")})}
GET_URL = "http://h/apis/g/v1/things/a"


@pytest.mark.parametrize(
    ("initiator", "written"),
    [
        pytest.param({"type": "other"}, {"type": "other"}, id="document"),
        pytest.param({"type": "parser", "url": "http://h/", "lineNumber": 10, "columnNumber": 33},
                     {"type": "parser", "url": "http://h/", "lineNumber": 10}, id="parser-as-devtools-writes-it"),
        pytest.param(POLLED, POLLED, id="async-parent-setInterval"),
        pytest.param(WATCHED, WATCHED, id="async-parent-promise"),
    ],
)  # fmt: skip
def test_the_initiator_is_written_as_devtools_writes_it(initiator: dict[str, Any], written: dict[str, Any]) -> None:
    har = {"log": {"entries": [_entry(GET_URL, "2026-01-01T00:00:01.000Z")]}}
    add_chrome_fields(har, [_cdp(GET_URL, 1.0, 8, 1.1, initiator=initiator)])
    assert har["log"]["entries"][0]["_initiator"] == written


def test_each_request_of_one_url_gets_its_own_initiator() -> None:
    har = {
        "log": {"entries": [_entry(GET_URL, "2026-01-01T00:00:06.000Z"), _entry(GET_URL, "2026-01-01T00:00:01.000Z")]}
    }
    first_poll = {"type": "script", "stack": _stack("request", "getResource", "", "poll", "watchResource")}
    add_chrome_fields(
        har, [_cdp(GET_URL, 6.0, 8, 6.1, initiator=POLLED), _cdp(GET_URL, 1.0, 8, 1.1, initiator=first_poll)]
    )
    later, earlier = har["log"]["entries"]
    assert (earlier["_initiator"], later["_initiator"]) == (first_poll, POLLED)


def test_websockets_get_the_initiator_of_the_socket_chrome_created_for_their_url() -> None:
    url = "ws://h/apis/g/v1/things?watch=1"
    sockets = [_entry(url, f"2026-01-01T00:00:0{s}.000Z") | {"_resourceType": "websocket"} for s in (5, 1, 9)]
    har = {"log": {"entries": sockets}}
    created = [CdpWebSocket("3", url, WATCHED), CdpWebSocket("4", url, POLLED)]  # the third one Chrome never reported
    stats = add_chrome_fields(har, [], created)
    assert [s.get("_initiator") for s in sockets] == [POLLED, WATCHED, None]
    assert "_connectionId" not in sockets[0] and stats.entries_without_cdp == 0


def test_an_entry_no_cdp_request_matched_gets_no_initiator() -> None:
    har = {"log": {"entries": [_entry(GET_URL, "2026-01-01T00:00:01.000Z")]}}
    add_chrome_fields(har, [_cdp("http://h/other", 1.0, 8, 1.1, initiator=POLLED)])
    assert "_initiator" not in har["log"]["entries"][0]
