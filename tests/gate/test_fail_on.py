"""`diff --fail-on`: parsing NAME[=THRESHOLD], relative and absolute thresholds, and the conditions on samples."""

from __future__ import annotations

import pytest

from analyzer.errors import ConfigError
from analyzer.gate.diff import diff_subjects
from analyzer.gate.fail_on import Condition, Threshold, doubts, judge_diff, parse_fail_on, tripped
from tests.gate.support import sample_subject

PARSED = [
    pytest.param("mode-regression", Condition("mode-regression", "mode-regression"), id="mode-regression"),
    pytest.param("new-finding", Condition("new-finding", "new-finding", severity="info"), id="new-finding-any"),
    pytest.param("new-finding=error", Condition("new-finding=error", "new-finding", severity="error"),
                 id="new-finding-error"),
    pytest.param("k8s-requests-per-min=20%,5", Condition("k8s-requests-per-min=20%,5", "k8s-requests-per-min",
                 Threshold(20, 5)), id="rate-relative-and-absolute"),
    pytest.param("k8s-requests-per-min=20%", Condition("k8s-requests-per-min=20%", "k8s-requests-per-min",
                 Threshold(20, None)), id="rate-relative-only"),
    pytest.param("latency-p95=25%,100ms", Condition("latency-p95=25%,100ms", "latency-p95", Threshold(25, 100)),
                 id="latency-ms"),
    pytest.param("latency-p50=1.5s", Condition("latency-p50=1.5s", "latency-p50", Threshold(None, 1500)),
                 id="latency-seconds-to-ms"),
    pytest.param("latency-p95=250", Condition("latency-p95=250", "latency-p95", Threshold(None, 250)),
                 id="latency-bare-number-is-ms"),
    pytest.param("poll-interval=50%,2s", Condition("poll-interval=50%,2s", "poll-interval", Threshold(50, 2)),
                 id="poll-interval-seconds"),
    pytest.param("poll-interval=500ms", Condition("poll-interval=500ms", "poll-interval", Threshold(None, 0.5)),
                 id="poll-interval-ms-to-s"),
    pytest.param("long-lived-connections=0%,1", Condition("long-lived-connections=0%,1", "long-lived-connections",
                 Threshold(0, 1)), id="connections"),
]  # fmt: skip


@pytest.mark.parametrize(("spec", "condition"), PARSED)
def test_parse_fail_on(spec: str, condition: Condition) -> None:
    assert parse_fail_on(spec) == condition


INVALID = [
    pytest.param("mode-regresion", "--fail-on mode-regresion: unknown condition 'mode-regresion' (known: "
                 "mode-regression, new-finding, k8s-requests-per-min, latency-p50, latency-p95, poll-interval, "
                 "long-lived-connections)", id="unknown"),
    pytest.param("mode-regression=1", "--fail-on mode-regression=1: mode-regression takes no threshold",
                 id="mode-regression-threshold"),
    pytest.param("new-finding=fatal", "--fail-on new-finding=fatal: severity must be one of error, warning, info",
                 id="severity"),
    pytest.param("latency-p95", "--fail-on latency-p95: needs a threshold, like latency-p95=25%,100ms",
                 id="latency-needs-threshold"),
    pytest.param("k8s-requests-per-min", "--fail-on k8s-requests-per-min: needs a threshold, like "
                 "k8s-requests-per-min=20%,5", id="rate-needs-threshold"),
    pytest.param("latency-p95=fast", "--fail-on latency-p95=fast: 'fast' is not a threshold like 20% or 5ms",
                 id="not-a-number"),
    pytest.param("latency-p95=5%,10%", "--fail-on latency-p95=5%,10%: more than one relative part", id="two-pct"),
    pytest.param("latency-p95=5,10", "--fail-on latency-p95=5,10: more than one absolute part", id="two-abs"),
    pytest.param("k8s-requests-per-min=5ms", "--fail-on k8s-requests-per-min=5ms: '5ms': this condition counts, "
                 "it takes no unit", id="unit-on-a-count"),
]  # fmt: skip


@pytest.mark.parametrize(("spec", "message"), INVALID)
def test_invalid_fail_on(spec: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_fail_on(spec)
    assert str(caught.value) == message


HOLDS = [
    pytest.param(Threshold(20, 5), 6, 10, True, id="up-60%-and-6"),
    pytest.param(Threshold(20, 5), 4, 10, False, id="up-40%-but-only-4"),
    pytest.param(Threshold(20, 5), 5, 100, False, id="up-5-but-only-5%"),
    pytest.param(Threshold(20, 5), 5, 0, True, id="from-zero-any-relative"),
    pytest.param(Threshold(20, None), 2.1, 10, True, id="relative-only"),
    pytest.param(Threshold(20, None), 2, 10, False, id="relative-is-more-than"),
    pytest.param(Threshold(None, 5), 5, 1000, True, id="absolute-is-at-least"),
    pytest.param(Threshold(0, 0), 0, 10, False, id="no-change-never-holds"),
    pytest.param(Threshold(0, 0), -3, 10, False, id="better-never-holds"),
]


@pytest.mark.parametrize(("threshold", "worse_by", "base", "holds"), HOLDS)
def test_threshold(threshold: Threshold, worse_by: float, base: float, holds: bool) -> None:
    assert threshold.holds(worse_by, base) is holds


def conditions(*specs: str) -> list[Condition]:
    return [parse_fail_on(s) for s in specs]


def held(baseline: str, current: str, *specs: str) -> dict[str, list[str]]:
    result: dict[str, list[str]] = {}
    for condition, line in tripped(
        diff_subjects(sample_subject(baseline), sample_subject(current)), conditions(*specs)
    ):
        result.setdefault(condition.spec, []).append(line)
    return result


def test_healthy_to_polling_trips_mode_regression_and_new_warning() -> None:
    result = held("list-watch-healthy", "poll-list", "mode-regression", "new-finding=warning", "new-finding=error")
    assert result == {
        "mode-regression": ["load 0→0 calico3/asm.alauda.io/v1beta3/testhl/microservices: watch -> poll"],
        "new-finding=warning": [result["new-finding=warning"][0]],
    }
    assert result["new-finding=warning"][0].startswith("new warning polling-instead-of-watch: polled every")


def test_polling_to_healthy_is_no_regression() -> None:
    assert held("poll-list", "list-watch-healthy", "mode-regression", "new-finding=warning") == {}


def test_http2_to_http1_trips_connections_and_latency() -> None:
    result = held("http2-multiplexed", "http1-saturation", "long-lived-connections=50%,2", "latency-p95=25%,100ms",
                  "mode-regression", "new-finding=error")  # fmt: skip
    assert result["long-lived-connections=50%,2"] == ["127.0.0.1: HTTP/1.x connections held by long-lived requests "
                                                      "0 -> 6"]  # fmt: skip
    # The queued GETs waited ~9 s for a connection: their p95 is far above HTTP/2's.
    assert any(line.startswith("get: latency p95 ms ") for line in result["latency-p95=25%,100ms"])
    assert "mode-regression" not in result and "new-finding=error" in result


def test_a_rate_condition_on_loads_under_a_minute_is_inconclusive_not_passed() -> None:
    """The samples' loads last under a minute: their rates were not measured, so the condition cannot hold, and
    says that it could not judge them."""
    diff = diff_subjects(sample_subject("poll-list"), sample_subject("list-watch-healthy"))
    (condition,) = conditions("k8s-requests-per-min=10%,1")
    assert tripped(diff, [condition]) == []
    unsure = doubts(diff, [condition])
    assert any("a minute or more" in text for _, text in unsure)
    assert judge_diff(diff, [condition]).failed and not judge_diff(diff, [condition], "pass").failed
