"""One hand-built capture per rule: each finding fires with its evidence, and stays quiet otherwise."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pytest

from analyzer.analysis.analyze import Analysis, analyze
from analyzer.analysis.rules import burst_of, group_bursts
from analyzer.har import load_bytes
from analyzer.summary import Finding
from tests.factories import GET_URL, LIST_URL, document, har_bytes, request

PAGE = "https://console.example.com/console/microservices/asm-cal3"
KEY = "calico3/asm.alauda.io/v1beta3/testhl/microservices/asm-cal3"


def run(entries: list[dict[str, Any]], **log: Any) -> Analysis:
    return analyze(load_bytes(har_bytes(entries, **log), "t.har"))


def fired(result: Analysis, rule: str) -> list[Finding]:
    return [f for f in result.findings if f.id == rule]


def watch(
    version: str | None, start: float, time_ms: float = 59_000.0, events: str = "", **fields: Any
) -> dict[str, Any]:
    url = f"{LIST_URL}&watch=true&timeoutSeconds=59" + (f"&resourceVersion={version}" if version is not None else "")
    return request(url, start, time_ms, **{"response.content.text": events, **fields})


def read(url: str, version: int) -> dict[str, Any]:
    """A get at 0 s that returned the object at `version`."""
    returned: dict[str, Any] = {"response.content.text": obj(version)}
    return request(url, 0.0, **returned)


def event(kind: str, version: int | None = None, code: int | None = None) -> str:
    obj: dict[str, Any] = {"kind": "Status", "code": code} if code else {"metadata": {"resourceVersion": str(version)}}
    return json.dumps({"type": kind, "object": obj}) + "\n"


def obj(version: int) -> str:
    return json.dumps({"metadata": {"name": "asm-cal3", "resourceVersion": str(version)}})


def test_watch_chain_handover_and_events() -> None:
    result = run([read(GET_URL, 100),
                  watch("100", 0.1, events=event("MODIFIED", 105) + event("BOOKMARK", 110)),
                  watch("110", 59.3, events=event("ADDED", 111))])  # fmt: skip
    (chain,) = result.chains
    assert chain.started_from_read is True and chain.read_resource_version == "100"
    first, second = chain.watches
    assert first.events is not None and first.events["MODIFIED"] == 1 and first.events["BOOKMARK"] == 1
    assert first.last_resource_version == "110" and second.resumed is True and second.gap_s == 0.2
    assert [f.id for f in result.findings if f.severity != "info"] == []


def test_watch_expired_with_and_without_relist() -> None:
    expired = watch("100", 0.1, time_ms=50.0, events=event("ERROR", code=410))
    relisted = run([request(LIST_URL, 0.0), expired, request(LIST_URL, 0.5), watch("200", 0.6)])
    (finding,) = fired(relisted, "watch-expired")
    assert finding.severity == "info" and finding.evidence == (1, 2)
    gone: dict[str, Any] = {"response.status": 410}
    http_410 = run([request(LIST_URL, 0.0), watch("100", 0.1, time_ms=20.0, **gone)])
    (finding,) = fired(http_410, "watch-expired")
    assert finding.severity == "warning" and finding.evidence == (1,)


def test_relist_storm() -> None:
    entries = []
    for n in range(4):
        entries += [
            request(LIST_URL, 10.0 * n),
            watch("1", 10.0 * n + 0.1, time_ms=30.0, events=event("ERROR", code=410)),
        ]
    entries.append(request(LIST_URL, 40.0))
    (finding,) = fired(run(entries), "relist-storm")
    assert finding.severity == "error" and len(finding.evidence) >= 3


def test_watch_without_resource_version_after_a_read() -> None:
    result = run([read(GET_URL, 100), watch(None, 0.1), watch("0", 60.0)])
    (finding,) = fired(result, "watch-without-resource-version")  # one per load, both watches inside
    assert finding.evidence == (0, 1, 2) and "returned 100" in finding.summary


def test_watch_reconnect_storm() -> None:
    result = run([request(LIST_URL, 0.0), *(watch(str(n), 1.0 + 3 * n, time_ms=800.0) for n in range(6))])
    (finding,) = fired(result, "watch-reconnect-storm")
    assert finding.evidence == (1, 2, 3, 4, 5, 6)


def test_watch_ended_early() -> None:
    result = run([request(LIST_URL, 0.0), watch("1", 0.1, time_ms=20_000.0), watch("1", 20.2, time_ms=58_000.0)])
    (finding,) = fired(result, "watch-ended-early")
    assert finding.evidence == (1,) and "20 s of the 59 s" in finding.summary


def test_watch_aborted_by_navigation_unless_its_connection_is_reused() -> None:
    aborted_fields: dict[str, Any] = {"response.status": 0, "response._error": "net::ERR_ABORTED"}
    aborted = watch("1", 0.5, time_ms=19_400.0, _connectionId="7", **aborted_fields)
    result = run([document(PAGE, 0.0, _connectionId="6"), aborted, document(PAGE, 20.0, _connectionId="6")])
    (finding,) = fired(result, "watch-aborted-by-navigation")
    assert finding.navigation == 0 and finding.evidence == (1,)
    reused = run([document(PAGE, 0.0, _connectionId="6"), aborted, document(PAGE, 20.0, _connectionId="7")])
    assert fired(reused, "watch-aborted-by-navigation") == []


def test_duplicate_requests() -> None:
    result = run([request(GET_URL, 0.0), request(GET_URL, 0.3), request(GET_URL, 5.0)])
    (finding,) = fired(result, "duplicate-requests")
    assert finding.evidence == (0, 1) and finding.resource == KEY


def test_capture_omits_unfinished_only_for_writers_that_omit() -> None:
    entries = [document(PAGE, 0.0), request(GET_URL, 0.2), watch("1", 0.3)]
    (finding,) = fired(run(entries), "capture-omits-unfinished")
    assert finding.evidence == (2,) and finding.severity == "info"
    assert fired(run(entries, creator={"name": "Playwright", "version": "1.65"}), "capture-omits-unfinished") == []


def test_http1_saturation_finding() -> None:
    watches = [watch(str(n), 1.0, _connectionId=str(20 + n)) for n in range(7)]
    queued = request(GET_URL, 2.0, timings={"blocked": 3_000.0, "send": 0.1, "wait": 30.0, "receive": 1.0})
    (finding,) = fired(run([document(PAGE, 0.0), *watches, queued]), "http1-connection-saturation")
    assert finding.resource == "console.example.com" and 8 in finding.evidence and "7 long-lived" in finding.summary


def test_polling_instead_of_watch() -> None:
    (finding,) = fired(run([request(LIST_URL, 5.0 * n) for n in range(5)]), "polling-instead-of-watch")
    assert finding.severity == "warning" and finding.evidence == (0, 1, 2, 3, 4)


@pytest.mark.parametrize(
    ("socket_url", "sent", "list_url", "key"),
    [
        pytest.param(
            "wss://headlamp.example/wsMultiplexer",
            {"clusterId": "main", "path": "/api/v1/namespaces/a/pods", "query": "watch=1&resourceVersion=5",
             "userId": "u", "type": "REQUEST"},
            "https://headlamp.example/clusters/main/api/v1/namespaces/a/pods",
            "main/core/v1/a/pods",
            id="headlamp-wsMultiplexer",
        ),
        pytest.param(
            "wss://rancher.example/k8s/clusters/c-m-1/v1/subscribe?sockId=1",
            {"resourceType": "pod", "namespace": "a", "resourceVersion": "5"},
            "https://rancher.example/k8s/clusters/c-m-1/api/v1/namespaces/a/pods",
            "c-m-1/core/v1/a/pods",
            id="rancher-steve-subscribe",
        ),
    ],
)  # fmt: skip
def test_multiplexed_websocket_watches_are_decoded(
    socket_url: str, sent: dict[str, str], list_url: str, key: str
) -> None:
    frames = [{"type": "send", "time": 1793527201.0, "opcode": 1, "data": json.dumps(sent)}]
    upgraded: dict[str, Any] = {"response.status": 101}
    socket = request(socket_url, 1.0, _resourceType="websocket", _webSocketMessages=frames, **upgraded)
    result = run([request(list_url, 0.5), socket])
    (verdict,) = result.verdicts
    assert verdict.key == key and verdict.mode == "watch" and verdict.watches == (1,)
    # the socket's request is named by the resource its subscription watches
    assert {r.index: r.resource for r in result.summary.requests}[1] == key


def test_a_relist_storm_is_one_finding_and_still_watching() -> None:
    """Re-lists after expired watches are part of watching: regular as they are, they are not polling, and the
    storm is not also `watch-and-poll` or `duplicate-requests`."""
    gone: dict[str, Any] = {"response.status": 410}
    entries = [document(PAGE, 0.0), request(LIST_URL, 0.5)]
    for round_ in range(4):  # a list every 3 s, each followed by a watch that expires at once
        start = 0.6 + 3 * round_
        entries += [watch(str(100 + round_), start, 50.0, **gone), request(LIST_URL, start + 2.9)]
    entries.append(watch("200", 12.6))
    result = run(entries)
    (verdict,) = result.verdicts
    assert verdict.mode == "watch" and verdict.poll_interval_s is None
    assert fired(result, "relist-storm")
    assert not fired(result, "watch-and-poll") and not fired(result, "duplicate-requests")


def test_regular_reads_beside_a_healthy_watch_are_still_polling() -> None:
    entries = [document(PAGE, 0.0), watch("100", 0.5)]
    entries += [request(LIST_URL, 1.0 + 3 * n) for n in range(5)]
    result = run(entries)
    (verdict,) = result.verdicts
    assert verdict.mode == "watch+poll" and fired(result, "watch-and-poll")


@pytest.mark.parametrize(
    "window_s",
    [
        pytest.param(1.0, id="default"),
        pytest.param(0.3, id="not-exact-in-binary"),
        pytest.param(0.0, id="zero"),
        pytest.param(float("inf"), id="unbounded"),
    ],
)
def test_group_bursts_are_each_groups_burst_of(window_s: float) -> None:
    """All groups at once find what `burst_of` finds group by group: the first largest window, with ties in time
    broken by index, a missing start left out, and gaps right at the window's edge (a microsecond either side)."""
    rng = np.random.default_rng(3)
    size = 2_000
    groups = rng.integers(0, 40, size)
    edge = round(window_s * 1e6) if window_s != float("inf") else 0
    steps = rng.choice([0, 1, 100_000, edge - 1, edge, edge + 1], size)
    times = (np.cumsum(steps) % 5_000_000 + 1_700_000_000_000_000).astype("datetime64[us]")
    times[rng.random(size) < 0.05] = np.datetime64("NaT")
    indices = rng.permutation(size).astype("int64")
    found = group_bursts(groups, times, indices, 2, window_s)
    one_by_one = {g: burst_of(times[groups == g], indices[groups == g], 2, window_s) for g in range(40)}
    assert found == {g: burst for g, burst in one_by_one.items() if burst}
