"""The expected-file builder: modes, stream facts and findings from the page's and the simulator's logs alone."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import pytest

from samples.simulator.expected import build_expected, page_events
from samples.simulator.log import ApiRecord
from samples.simulator.scenarios import BY_NAME

ORIGIN = "http://127.0.0.1:18080"
KEY = "calico3/asm.alauda.io/v1beta3/testhl/microservices/asm-cal3"
GET = "/api-gateway/kubernetes/calico3/apis/asm.alauda.io/v1beta3/namespaces/testhl/microservices/asm-cal3"
WATCH = "/api-gateway/kubernetes/calico3/apis/asm.alauda.io/v1beta3/namespaces/testhl/microservices?watch=true&rv="


def _page(nav: int, t: float, ev: str, **data: Any) -> dict[str, Any]:
    return {"ev": ev, "nav": nav, "t": t * 1000, **data}


def _served(target: str, arrived: float, ended: float, end: str, verb: str = "get", port: int = 1) -> ApiRecord:
    return ApiRecord(0, "GET", target, "http", "1.1", f"127.0.0.1:{port}", arrived, {}, ended=ended, verb=verb,
                     status=200, end_reason=end, events=Counter())  # fmt: skip


def test_watch_then_poll_after_a_reload() -> None:
    events = [
        _page(0, 100.0, "load", trigger="initial", href=ORIGIN + "/console/detail"),
        _page(0, 100.0, "mode", key=KEY, mode="watch", interval_s=None),
        _page(0, 100.0, "request", verb="get", key=KEY, url=GET),
        _page(0, 100.1, "request", verb="watch", key=KEY, url=WATCH + "1"),
        _page(1, 110.1, "load", trigger="reload", href=ORIGIN + "/console/detail"),
        _page(1, 110.1, "mode", key=KEY, mode="poll", interval_s=5),
        *[_page(1, 110.1 + 5 * i, "request", verb="get", key=KEY, url=GET) for i in range(3)],
    ]
    records = [_served(GET, 100.0, 100.05, "complete"), _served(WATCH + "1", 100.1, 110.2, "client-closed", "watch"),
               *[_served(GET, 110.1 + 5 * i, 110.15 + 5 * i, "complete") for i in range(3)]]  # fmt: skip
    expected = build_expected(BY_NAME["detail-watch-then-poll"], events, records, ORIGIN, [100.0, 110.0], 121.0, "x")
    modes = [(n["index"], r["mode"], r["poll_interval_s"], r["counts"]) for n in expected["navigations"]
             for r in n["resources"]]  # fmt: skip
    assert modes == [
        (0, "watch", None, {"get": 1, "list": 0, "watch": 1}),
        (1, "poll", 5, {"get": 3, "list": 0, "watch": 0}),
    ]
    assert [f["id"] for f in expected["findings"]] == ["watch-replaced-by-polling", "watch-aborted-by-navigation"]
    (aborted,) = expected["streams"]["aborted_by_navigation"]
    assert aborted == {
        "method": "GET",
        "url": ORIGIN + WATCH + "1",
        "occurrence": 0,
        "navigation": 0,
        "by_navigation": 1,
    }
    assert [r["occurrence"] for r in expected["requests"] if r["url"] == ORIGIN + GET] == [0, 1, 2, 3]


def test_queued_requests_behind_six_open_watches_and_an_expired_watch() -> None:
    events = [_page(0, 100.0, "load", trigger="initial", href=ORIGIN + "/console/dashboard")]
    records = []
    for i in range(6):
        events.append(_page(0, 100.0, "request", verb="watch", key=KEY, url=WATCH + str(i)))
        records.append(_served(WATCH + str(i), 100.0, 110.0, "timeout", "watch", port=i))
    events.append(_page(0, 101.0, "request", verb="get", key=KEY, url=GET))
    records.append(_served(GET, 110.0, 110.1, "complete", port=0))
    events += [_page(0, 110.0, "request", verb="watch", key=KEY, url=WATCH + "9"),
               _page(0, 110.1, "relist", key=KEY, after=WATCH + "9"),
               _page(0, 110.1, "request", verb="list", key=KEY, url=GET + "?x")]  # fmt: skip
    records += [_served(WATCH + "9", 110.0, 110.01, "expired", "watch"), _served(GET + "?x", 110.1, 110.2, "complete")]
    expected = build_expected(BY_NAME["http1-saturation"], events, records, ORIGIN, [100.0], 112.0, "x")
    streams = expected["streams"]
    assert streams["max_open_watches"] == 6 and streams["queued"][0]["queued_ms"] == 9000
    assert streams["expired"][0]["relist"] == {"method": "GET", "url": ORIGIN + GET + "?x", "occurrence": 0}
    assert [f["id"] for f in expected["findings"]] == ["http1-connection-saturation", "watch-expired"]


def test_page_events_are_the_tagged_console_lines() -> None:
    lines = ['[sim-console] {"ev": "load"}', "unrelated", '[sim-console]{"ev": "untagged"}']
    assert page_events(lines) == [{"ev": "load"}]  # the tag ends with a space: without it, a line is not the page's
    with pytest.raises(json.JSONDecodeError):
        page_events([*lines, "[sim-console] x"])  # a malformed tagged line is a broken page log: never skipped
