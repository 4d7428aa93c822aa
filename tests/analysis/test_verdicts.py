"""Verdicts per page load and resource: watch, poll, watch+poll, once; a collection watch beside its objects;
paged lists;
and the case from the brief, end to end."""

from __future__ import annotations

import statistics
from typing import Any

import numpy as np
import pytest

from analyzer.analysis.analyze import Analysis, analyze
from analyzer.analysis.verdicts import pstdev
from analyzer.har import load_bytes
from tests.factories import BASE, GET_URL, LIST_URL, WATCH_URL, document, har_bytes, request

PAGE = "https://console.example.com/console/microservices/asm-cal3"
KEY = "calico3/asm.alauda.io/v1beta3/testhl/microservices/asm-cal3"
COLLECTION = "calico3/asm.alauda.io/v1beta3/testhl/microservices"


def run(entries: list[dict[str, Any]], **log: Any) -> Analysis:
    return analyze(load_bytes(har_bytes(entries, **log), "t.har"))


def modes(result: Analysis) -> dict[tuple[int, str], str]:
    return {(v.navigation, v.key): v.mode for v in result.verdicts}


def test_the_brief_watch_then_poll_after_a_reload() -> None:
    load_1 = [
        document(PAGE, 0.0),
        request(GET_URL, 0.4),
        request(WATCH_URL, 0.5, time_ms=59_400.0),
        request(WATCH_URL.replace("5937358", "5937460"), 60.0, 20_000.0),
    ]
    load_2 = [document(PAGE, 86.0), *(request(GET_URL, 86.4 + 5 * n) for n in range(6))]  # fmt: skip
    result = run(load_1 + load_2)
    assert modes(result) == {(0, KEY): "watch", (1, KEY): "poll"}
    polled = result.verdicts[1]
    assert (
        polled.poll_interval_s == 5.0
        and polled.poll_regularity == 0.0
        and polled.counts == {"get": 6, "list": 0, "watch": 0}
    )
    (finding,) = [f for f in result.findings if f.id == "watch-replaced-by-polling"]
    assert (finding.severity, finding.navigation, finding.resource) == ("error", 1, KEY)
    assert finding.evidence == (2, 3, 5, 6, 7, 8, 9, 10)


def test_get_list_by_name_and_watch_are_one_object() -> None:
    result = run([request(GET_URL, 0.0), request(LIST_URL, 0.1), request(WATCH_URL, 0.2, time_ms=5_000.0)])
    (verdict,) = result.verdicts
    assert verdict.key == KEY and verdict.counts == {"get": 1, "list": 1, "watch": 1} and verdict.mode == "watch"


def test_a_collection_watch_is_reported_beside_its_objects_in_the_namespace_and_across_namespaces() -> None:
    all_namespaces = (
        "https://console.example.com/api-gateway/kubernetes/calico3/apis/asm.alauda.io/v1beta3/microservices"
    )
    result = run([request(GET_URL, 0.0), request(f"{BASE}/microservices?watch=1", 0.1, time_ms=9_000.0),
                  request(f"{BASE.replace('testhl', 'other')}/microservices/x", 0.2),
                  request(f"{all_namespaces}?watch=1", 0.3, time_ms=9_000.0)])  # fmt: skip
    by_key = {v.key: v for v in result.verdicts}
    # a one-shot get of an object whose collection is watched is read once: the collection's watch is beside it
    assert by_key[KEY].mode == "once" and by_key[KEY].covered_by == (1, 3) and by_key[KEY].watches == ()
    other = by_key["calico3/asm.alauda.io/v1beta3/other/microservices/x"]
    assert other.mode == "once" and other.covered_by == (3,)
    assert by_key[COLLECTION].mode == "watch" and by_key[COLLECTION].covered_by == (3,)


def test_an_object_polled_beside_its_collection_watch_is_polled_and_its_regression_found() -> None:
    """The sidebar watches the collection in both loads; the detail panel watches its object, then polls it."""
    sidebar = f"{BASE}/microservices?watch=1&timeoutSeconds=60"
    load_1 = [document(PAGE, 0.0), request(sidebar, 0.2, time_ms=59_000.0), request(GET_URL, 0.4),
              request(WATCH_URL, 0.5, time_ms=59_000.0)]  # fmt: skip
    load_2 = [document(PAGE, 60.0), request(sidebar, 60.2, time_ms=30_000.0),
              *(request(GET_URL, 60.4 + 3 * n) for n in range(8))]  # fmt: skip
    result = run(load_1 + load_2)
    assert modes(result)[(1, KEY)] == "poll" and modes(result)[(1, COLLECTION)] == "watch"
    ids = [f.id for f in result.findings if f.severity != "info"]
    assert ids == ["watch-replaced-by-polling"], "not hidden as watch+poll, and no watch-and-poll"
    (finding,) = [f for f in result.findings if f.id == "watch-replaced-by-polling"]
    assert "while its collection was watched (#5)" in finding.summary


def test_watch_and_poll_and_irregular_repeats() -> None:
    regular = [request(GET_URL, 1.0 + 30 * n) for n in range(4)]
    result = run([request(WATCH_URL, 0.5, time_ms=200_000.0), *regular])
    assert modes(result) == {(0, KEY): "watch+poll"}
    assert [f.id for f in result.findings if f.severity != "info"] == ["watch-and-poll"]
    irregular = run([request(LIST_URL, t) for t in (0.0, 1.0, 9.0, 10.0)])
    assert modes(irregular) == {(0, KEY): "once"} and irregular.verdicts[0].poll_interval_s is None


def test_a_paged_list_is_one_read_and_a_streaming_list_is_a_watch() -> None:
    pods = "https://k/api/v1/namespaces/a/pods"
    streaming = f"{pods}?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan"
    result = run([request(f"{pods}?limit=500", 0.0), request(f"{pods}?limit=500&continue=abc", 0.2),
                  request(streaming, 1.0, 30_000.0)])  # fmt: skip
    (verdict,) = result.verdicts
    assert verdict.key == "-/core/v1/a/pods" and verdict.counts == {"get": 0, "list": 1, "watch": 1}


def test_namespace_object_key() -> None:
    result = run([request("https://k/api/v1/namespaces/testhl", 0.0)])
    assert [v.key for v in result.verdicts] == ["-/core/v1/-/namespaces/testhl"]


@pytest.mark.parametrize(
    "microseconds",
    [
        pytest.param([0, 5_000_000, 10_000_001, 14_999_999], id="near-regular"),
        pytest.param([0, 1, 1, 2, 1_000_000_000], id="tiny-and-huge-gaps"),
        pytest.param([0, 0, 0, 3], id="zero-gaps"),
        pytest.param([0, 7], id="one-gap"),
    ],
)
def test_pstdev_is_statistics_pstdev(microseconds: list[int]) -> None:
    gaps = np.diff(np.array(microseconds, dtype="int64")) / 1e6
    assert pstdev(gaps) == statistics.pstdev(gaps.tolist())


def test_pstdev_is_statistics_pstdev_bit_for_bit_on_many_gaps() -> None:
    rng = np.random.default_rng(5)
    for size in [*range(1, 40), 300, 2_000]:
        steps = rng.choice([0, 1, 999_999, 1_000_000, 5_000_001, int(rng.integers(0, 10**9))], size)
        gaps = np.diff(np.cumsum(np.concatenate([[0], steps]))) / 1e6
        assert pstdev(gaps) == statistics.pstdev(gaps.tolist())
