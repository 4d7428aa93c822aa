"""Connections: identity (writer's or inferred), reuse across page loads, concurrency, HTTP/1.x saturation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import numpy as np
import pytest

from analyzer.analysis.pipeline import Traffic, derive
from analyzer.analysis.saturations import timedelta_us
from analyzer.har import load_bytes
from tests.factories import GET_URL, LIST_URL, document, har_bytes, request

PAGE = "https://console.example.com/console/microservices/asm-cal3"
H2: dict[str, Any] = {"response.httpVersion": "h2"}
FRESH = {"blocked": 0.5, "dns": 2.0, "connect": 8.0, "ssl": 5.0, "send": 0.1, "wait": 30.0, "receive": 1.0}


def traffic(entries: list[dict[str, Any]], **log: Any) -> Traffic:
    return derive(load_bytes(har_bytes(entries, **log), "t.har"))


def test_a_connection_reused_across_a_reload() -> None:
    result = traffic([
        document(PAGE, 0.0, _connectionId="11", timings=FRESH),
        request(GET_URL, 0.5, _connectionId="11"),
        document(PAGE, 30.0, _connectionId="11"),
        request(GET_URL, 30.5, _connectionId="12", timings=FRESH),
    ])  # fmt: skip
    first, second = result.connections
    assert (first.id, first.inferred, first.requests, first.navigation, first.reused_by) == (
        "11",
        False,
        (0, 1, 2),
        0,
        (1,),
    )
    assert (second.id, second.navigation, second.reused_by) == ("12", 1, ())
    by_load = {r.navigation: r for r in result.reuse_by_navigation}
    assert (by_load[0].new_connections, by_load[0].handshake_ms, by_load[0].ssl_ms) == (1, 10.0, 5.0)
    assert (by_load[1].reused_share, by_load[1].new_connections) == (0.5, 1)


def test_connections_are_inferred_without_ids() -> None:
    result = traffic(
        [request(GET_URL, 0.0, timings=FRESH), request(GET_URL, 1.0), request(GET_URL, 1.01, timings=FRESH),
         request(LIST_URL, 2.0, **H2), request(LIST_URL, 2.001, **H2)],
        creator={"name": "mitmproxy", "version": "11"},
    )  # fmt: skip
    assert all(c.inferred for c in result.connections)
    http1 = sorted(c.requests for c in result.connections if c.protocol == "HTTP/1.1")
    assert http1 == [(0, 1), (2,)]  # request 1 reused the idle connection, request 2 paid a new connect
    assert [c.requests for c in result.connections if c.protocol == "HTTP/2"] == [(3, 4)]  # multiplexed


def _eight_watches(version: str, creator: str = "WebInspector") -> Traffic:
    watches = [request(f"{LIST_URL}&watch=true&resourceVersion={n}", 1.0 + n * 0.01, time_ms=59_000.0,
                       _connectionId=str(20 + n), **{"response.httpVersion": version}) for n in range(8)]  # fmt: skip
    queued_fields: dict[str, Any] = {
        "response.httpVersion": version,
        "timings": {"blocked": 4_500.0, "send": 0.1, "wait": 30.0, "receive": 1.0},
    }
    queued = request(GET_URL, 2.0, _connectionId="20", **queued_fields)
    return traffic(
        [document(PAGE, 0.0, _connectionId="19"), *watches, queued], creator={"name": creator, "version": "1"}
    )


def test_http1_saturation_names_the_streams_and_the_queued_requests() -> None:
    (saturation,) = _eight_watches("HTTP/1.1").saturations
    assert saturation.host == "console.example.com" and saturation.protocol == "HTTP/1.1"
    assert saturation.open_streams == 8 and saturation.streams == tuple(range(1, 9)) and saturation.queued == (9,)
    assert (saturation.ended - saturation.started).total_seconds() > 55


def test_http2_does_not_saturate() -> None:
    result = _eight_watches("h2")
    assert result.saturations == [] and "HTTP/2" in result.reuse_by_host[0].protocols


def test_playwright_still_queued_requests_count_as_queued() -> None:
    watches = [request(f"{LIST_URL}&watch=true&resourceVersion={n}", 1.0, time_ms=30_000.0) for n in range(6)]
    still_waiting: dict[str, Any] = {"response.status": -1, "timings": {"send": -1, "wait": -1, "receive": -1}}
    waiting = request(GET_URL, 2.0, time=-1, **still_waiting)
    (saturation,) = traffic([*watches, waiting], creator={"name": "Playwright", "version": "1.65"}).saturations
    assert saturation.queued == (6,)


def test_concurrency_peak_per_host() -> None:
    result = traffic([request(GET_URL, 0.0, time_ms=1_000.0), request(GET_URL, 0.5, time_ms=1_000.0),
                      request(GET_URL, 2.0, time_ms=10.0)])  # fmt: skip
    (host,) = result.concurrency
    assert host.max_open_requests == 2 and host.at is not None
    assert host.at.isoformat() == "2026-11-01T10:00:00.500000+00:00"


def test_facts_are_dataframes_for_notebooks() -> None:
    result = _eight_watches("HTTP/1.1")
    assert list(result.navigations_frame()["trigger"]) == ["initial"]
    assert len(result.streams_frame()) == 8 and set(result.streams_frame()["kind"]) == {"watch"}
    assert result.connections_frame()["id"].tolist()[0] == "19"
    assert result.saturations_frame()["open_streams"].tolist() == [8]


@pytest.mark.parametrize(
    "milliseconds",
    [
        pytest.param(0.0, id="zero"),
        pytest.param(1500.0, id="whole"),
        pytest.param(0.0005, id="half-a-microsecond-to-even-0"),
        pytest.param(0.0015, id="half-a-microsecond-to-even-2"),
        pytest.param(0.0025, id="half-a-microsecond-to-even-2-again"),
        pytest.param(123.4565, id="fraction-not-exact-in-binary"),
        pytest.param(0.4999999999999, id="just-below-half"),
        pytest.param(-2.5005, id="negative"),
        pytest.param(86_400_000.0000005, id="a-day-and-a-half-microsecond"),
    ],
)
def test_timedelta_us_rounds_as_timedelta_does(milliseconds: float) -> None:
    expected = timedelta(milliseconds=milliseconds) // timedelta(microseconds=1)
    assert timedelta_us(np.array([milliseconds])).tolist() == [expected]


def test_timedelta_us_agrees_with_timedelta_on_many_values() -> None:
    drawn = np.random.default_rng(7).uniform(0, 10_000, 20_000).tolist()
    values = np.array([round(v, digits % 8) for digits, v in enumerate(drawn)])  # as written: 0 to 7 decimals
    expected = [timedelta(milliseconds=v) // timedelta(microseconds=1) for v in values.tolist()]
    assert timedelta_us(values).tolist() == expected
