"""`check` on the recorded samples: each expectation passes, fails with evidence, or skips, as the scenario says.

What each scenario did comes from its `samples/<name>.expected.json` (the page's and the simulator's logs), so
these tests hold across re-recordings.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

import analyzer
from analyzer import check_capture
from analyzer.gate.check import FAIL, INCONCLUSIVE, PASS, SKIP, RuleResult, Status, check_rule
from analyzer.gate.metrics import http1_long_lived_peaks
from analyzer.gate.policy import default_policy, parse_policy
from analyzer.summary import Summary
from tests.gate.support import SAMPLES, expected, expected_modes, sample_summary

ASM_CAL3 = "calico3/asm.alauda.io/v1beta3/testhl/microservices/asm-cal3"
MICROSERVICES = "calico3/asm.alauda.io/v1beta3/testhl/microservices"
DETAIL_WATCHES = """
name = "detail-watches"
required = true
select = { page = "*/console/detail*", resource = "microservices", name = "?*" }
expect = { modes = ["watch"] }
"""


def judge(sample: str, rule_toml: str) -> RuleResult:
    policy = parse_policy({"rule": [tomllib.loads(rule_toml)]}, "test")
    return check_rule(sample_summary(sample), policy.rules[0])


def violated(result: RuleResult) -> set[tuple[str, int | None, str | None]]:
    return {(v.expectation, v.navigation, v.resource) for v in result.violations}


def expected_watch_urls(sample: str) -> list[dict[str, Any]]:
    return [r for r in expected(sample)["requests"] if r["verb"] == "watch"]


def test_the_detail_page_sample_fails_watch_not_poll_with_the_polled_load_as_evidence() -> None:
    result = judge("detail-watch-then-poll", DETAIL_WATCHES)
    polled = {(n, key) for (n, key), mode in expected_modes("detail-watch-then-poll").items()
              if key == ASM_CAL3 and mode != "watch"}  # fmt: skip
    assert polled == {(1, ASM_CAL3)}
    assert result.status == FAIL and violated(result) == {("modes", n, key) for n, key in polled}
    (violation,) = result.violations
    summary = sample_summary("detail-watch-then-poll")
    verdict = next(r for r in summary.navigations[1].resources if r.key == ASM_CAL3)
    assert violation.evidence == verdict.reads and len(verdict.reads) == 4  # the four GETs of load 1
    assert violation.message.startswith(f"load 1 (reload) {ASM_CAL3}: polled every 5")
    assert violation.message.endswith(" s, expected watch")


@pytest.mark.parametrize("sample", ["detail-reload-mid-watch"])
def test_a_detail_page_that_watches_in_every_load_passes(sample: str) -> None:
    result = judge(sample, DETAIL_WATCHES)
    assert result.status == PASS and result.examined == len(expected(sample)["navigations"])


@pytest.mark.parametrize("sample", ["list-watch-healthy", "http2-multiplexed", "detail-reload-mid-watch",
                                    "websocket-watch", "watch-expired-relist"])  # fmt: skip
def test_healthy_samples_pass_the_default_policy(sample: str) -> None:
    summary = sample_summary(sample)
    assert all(r.status == PASS for r in check_rule_all(summary)), sample


@pytest.mark.parametrize(("sample", "failing"), [
    ("detail-watch-then-poll", {"no-error-findings", "watch-not-replaced-by-polling"}),
    ("http1-saturation", {"no-error-findings"}),
])  # fmt: skip
def test_regressed_samples_fail_the_default_policy(sample: str, failing: set[str]) -> None:
    assert {r.rule.name for r in check_rule_all(sample_summary(sample)) if r.status == FAIL} == failing


def check_rule_all(summary: Summary) -> list[RuleResult]:
    return [check_rule(summary, rule) for rule in default_policy().rules]


CASES = [
    # modes
    pytest.param("list-watch-healthy", 'name = "x"\nrequired = true\nselect = { resource = "microservices" }\n'
                 'expect = { modes = ["watch"] }', PASS, set(), id="modes-healthy-list-watches"),
    pytest.param("poll-list", 'name = "x"\nexpect = { modes = ["watch"] }', FAIL,
                 {("modes", 0, MICROSERVICES)}, id="modes-polled-list"),
    pytest.param("poll-list", 'name = "x"\nexpect = { modes = ["poll", "watch"] }', PASS, set(),
                 id="modes-poll-allowed"),
    pytest.param("poll-list", 'name = "x"\nselect = { page = "*/console/detail*" }\nexpect = { modes = ["watch"] }',
                 SKIP, set(), id="modes-other-page-skips"),
    pytest.param("list-watch-healthy", 'name = "x"\nrequired = true\nselect = { resource = "pods" }\n'
                 'expect = { modes = ["watch"] }', FAIL, {("required", 0, None), ("required", 1, None)},
                 id="required-resource-missing-in-every-load"),
    # poll interval
    pytest.param("poll-list", 'name = "x"\nexpect = { min_poll_interval_s = 10 }', FAIL,
                 {("min_poll_interval_s", 0, MICROSERVICES)}, id="poll-faster-than-10s"),
    pytest.param("poll-list", 'name = "x"\nexpect = { min_poll_interval_s = 4 }', PASS, set(),
                 id="poll-slower-than-4s"),
    pytest.param("list-watch-healthy", 'name = "x"\nexpect = { min_poll_interval_s = 10 }', PASS, set(),
                 id="poll-nothing-polled-passes"),
    # requests a minute
    # requests a minute need a load of a minute: the samples' loads are shorter, so neither budget is judged
    pytest.param("list-watch-healthy", 'name = "x"\nexpect = { max_requests_per_min = 1 }', INCONCLUSIVE, set(),
                 id="rate-over-budget-under-a-minute"),
    pytest.param("list-watch-healthy", 'name = "x"\nexpect = { max_requests_per_min = 10000 }', INCONCLUSIVE,
                 set(), id="rate-within-budget-under-a-minute"),
    # findings
    pytest.param("poll-list", 'name = "x"\nexpect = { forbid_findings = ["polling-instead-of-watch"] }', FAIL,
                 {("forbid_findings", 0, MICROSERVICES)}, id="forbidden-finding"),
    pytest.param("list-watch-healthy", 'name = "x"\nexpect = { forbid_findings = ["polling-instead-of-watch"] }',
                 PASS, set(), id="forbidden-finding-absent"),
    pytest.param("poll-list", 'name = "x"\nexpect = { forbid_severity = "warning" }', FAIL,
                 {("forbid_severity", 0, MICROSERVICES)}, id="warning-or-worse"),
    pytest.param("poll-list", 'name = "x"\nselect = { resource = "pods" }\nexpect = { forbid_severity = "warning" }',
                 PASS, set(), id="finding-on-another-resource"),
    pytest.param("http1-saturation", 'name = "x"\nselect = { host = "127.0.0.1" }\n'
                 'expect = { forbid_severity = "error" }', FAIL,
                 {("forbid_severity", 0, "127.0.0.1")}, id="connection-finding-by-host"),
    pytest.param("http1-saturation", 'name = "x"\nselect = { host = "api.example" }\n'
                 'expect = { forbid_severity = "error" }', PASS, set(), id="connection-finding-other-host"),
    pytest.param("poll-list", 'name = "x"\nselect = { page = "*/console/detail*" }\n'
                 'expect = { forbid_severity = "info" }', SKIP, set(), id="findings-of-another-page-skip"),
    # HTTP/1.x connections held by long-lived requests
    pytest.param("http1-saturation", 'name = "x"\nexpect = { max_http1_long_lived_per_host = 4 }', FAIL,
                 {("max_http1_long_lived_per_host", 0, "127.0.0.1")}, id="http1-six-connections-held"),
    pytest.param("http1-saturation", 'name = "x"\nexpect = { max_http1_long_lived_per_host = 6 }', PASS, set(),
                 id="http1-six-allowed"),
    pytest.param("http2-multiplexed", 'name = "x"\nexpect = { max_http1_long_lived_per_host = 0 }', PASS, set(),
                 id="http2-holds-no-http1-connection"),
    # watch lifetimes: the samples' watches ask for 5-10 s
    pytest.param("http2-multiplexed", 'name = "x"\nexpect = { min_watch_lifetime_s = 5 }', PASS, set(),
                 id="lifetime-10s-watches-pass-5s"),
    pytest.param("poll-list", 'name = "x"\nexpect = { min_watch_lifetime_s = 30 }', SKIP, set(),
                 id="lifetime-no-watch-skips"),
]  # fmt: skip


@pytest.mark.parametrize(("sample", "rule", "status", "violations"), CASES)
def test_expectations_on_samples(
    sample: str, rule: str, status: Status, violations: set[tuple[str, int | None, str | None]]
) -> None:
    result = judge(sample, rule)
    assert (result.status, violated(result)) == (status, violations)
    assert all(v.evidence for v in result.violations if v.expectation != "required")


@pytest.mark.parametrize("sample", ["watch-expired-relist", "list-watch-healthy", "websocket-watch"])
def test_watch_bookmarks_and_resource_versions_match_the_watch_urls(sample: str) -> None:
    watches = expected_watch_urls(sample)
    without = [w for w in watches if "allowWatchBookmarks=true" not in w["url"]]
    result = judge(sample, 'name = "x"\nexpect = { watch_bookmarks = true }')
    assert len(result.violations) == len(without) and result.examined == len(watches)
    assert result.status == (FAIL if without else PASS)
    versions = judge(sample, 'name = "x"\nexpect = { watch_resource_version = true }')
    assert versions.status == PASS and all("resourceVersion=" in w["url"] for w in watches)


def test_watch_lifetime_leaves_out_expired_aborted_and_open_watches() -> None:
    result = judge("watch-expired-relist", 'name = "x"\nexpect = { min_watch_lifetime_s = 30 }')
    summary = sample_summary("watch-expired-relist")
    expired = {s.index for s in summary.streams} & summary.expired_watches
    assert len(expected("watch-expired-relist")["streams"]["expired"]) == len(expired) == 1
    assert result.status == FAIL and not {i for v in result.violations for i in v.evidence} & expired
    healthy = judge("list-watch-healthy", 'name = "x"\nexpect = { min_watch_lifetime_s = 30 }')
    aborted = {s.index for s in sample_summary("list-watch-healthy").streams if s.aborted_by_navigation}
    assert aborted and not {i for v in healthy.violations for i in v.evidence} & aborted
    assert all("lived 5." in v.message or "lived 4." in v.message for v in healthy.violations)


@pytest.mark.parametrize("sample", ["http1-saturation", "list-watch-healthy", "watch-expired-relist",
                                    "detail-reload-mid-watch", "http2-multiplexed"])  # fmt: skip
def test_http1_peak_agrees_with_the_simulators_count(sample: str) -> None:
    summary = sample_summary(sample)
    peaks = http1_long_lived_peaks(summary.streams, summary.capture.ended)
    assert max((p.connections for p in peaks.values()), default=0) == expected(sample)["streams"]["max_open_watches"]


def test_check_capture_raises_a_readable_assertion_error() -> None:
    with pytest.raises(AssertionError) as caught:
        analyzer.check_capture(SAMPLES / "detail-watch-then-poll.har")
    message = str(caught.value)
    assert message.splitlines()[0] == (f"{SAMPLES / 'detail-watch-then-poll.har'}: FAILED, 2 of 2 rules failed "
                                       "(built-in default policy)")  # fmt: skip
    assert "  FAIL  watch-not-replaced-by-polling" in message and "error watch-replaced-by-polling" in message
    assert "PASS" not in message and "requests #" in message


def test_check_capture_passes_and_takes_a_policy_file(tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text(f"[[rule]]\n{DETAIL_WATCHES}", encoding="utf-8")
    assert check_capture(SAMPLES / "list-watch-healthy.har").passed
    assert check_capture(str(SAMPLES / "detail-reload-mid-watch.har"), policy).passed
    with pytest.raises(AssertionError, match=r"modes: load 1 \(reload\) .*asm-cal3: polled every"):
        check_capture(SAMPLES / "detail-watch-then-poll.har", str(policy))


LONG = "https://console.example.com/console/microservices/asm-cal3"


def _long_load(reads: int, every_s: float) -> Summary:
    """A load of over a minute that gets the object `reads` times, every `every_s` seconds."""
    from analyzer.analysis.analyze import analyze
    from analyzer.har import load_bytes
    from tests.factories import GET_URL, document, har_bytes, request

    entries = [document(LONG, 0.0), *(request(GET_URL, 1.0 + every_s * n) for n in range(reads))]
    entries.append(request("https://console.example.com/static/app.js", 90.0))  # the load lasts 90 s
    return analyze(load_bytes(har_bytes(entries), "long.har")).summary


@pytest.mark.parametrize(
    ("reads", "every_s", "limit", "status"),
    # 10 reads every 8 s: at most 8 of them within any 60 s
    [(30, 2.0, 20, FAIL), (30, 2.0, 40, PASS), (10, 8.0, 7, FAIL), (10, 8.0, 8, PASS)],
)
def test_requests_a_minute_are_the_busiest_minute_of_a_long_load(
    reads: int, every_s: float, limit: int, status: Status
) -> None:
    rule = parse_policy(tomllib.loads(f'[[rule]]\nname = "x"\nexpect = {{ max_requests_per_min = {limit} }}'), "t")
    result = check_rule(_long_load(reads, every_s), rule.rules[0])
    assert result.status == status
