"""`diff --fail-on NAME[=THRESHOLD]`: the conditions that make a diff fail the build.

A numeric threshold is a relative part (`20%`), an absolute part (`5`, `100ms`, `2s`) or both (`20%,5`): the
value must get worse by more than the relative part *and* by at least the absolute part. Durations without
a unit are in the metric's unit (ms for latency, s for poll intervals).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from analyzer.errors import ConfigError
from analyzer.gate.diff import Diff
from analyzer.gate.policy import OnInconclusive
from analyzer.redact import redact_url
from analyzer.summary import SEVERITIES, SEVERITY_ORDER, Finding, Severity, Summary, one_of

# name -> (what it means, the unit of a bare absolute threshold, or None when it takes no number)
FAIL_ON: dict[str, tuple[str, str | None]] = {
    "mode-regression": ("a resource watched in the baseline is polled, read once, or watched and polled now", None),
    "new-finding": ("a finding the baseline does not have (=SEVERITY: of that severity or worse)", None),
    "k8s-requests-per-min": ("a page load's Kubernetes requests a minute went up (=PCT%,N)", ""),
    "latency-p50": ("a verb's median latency went up (=PCT%,DURATION)", "ms"),
    "latency-p95": ("a verb's 95th-percentile latency went up (=PCT%,DURATION)", "ms"),
    "poll-interval": ("a resource is polled more often: its poll interval went down (=PCT%,DURATION)", "s"),
    "long-lived-connections": (
        "a host's peak of HTTP/1.x connections held by long-lived requests went up (=PCT%,N)",
        "",
    ),
}
_PART = re.compile(r"^(?P<number>\d+(?:\.\d+)?)(?P<unit>%|ms|s)?$")


@dataclass(frozen=True)
class Threshold:
    percent: float | None = None
    absolute: float | None = None  # in the metric's unit

    def holds(self, worse_by: float, base: float) -> bool:
        """Worse by `worse_by` from `base`: more than `percent` of it, and at least `absolute`."""
        if worse_by <= 0:
            return False
        if self.percent is not None and base > 0 and worse_by / base * 100 <= self.percent:
            return False
        return self.absolute is None or worse_by >= self.absolute


@dataclass(frozen=True)
class Condition:
    spec: str  # as given on the command line
    name: str
    threshold: Threshold | None = None
    severity: Severity | None = None  # new-finding's minimum severity


def parse_fail_on(spec: str) -> Condition:
    """Raises ConfigError naming the condition and what is wrong."""
    name, _, value = spec.partition("=")
    name = name.strip()
    if name not in FAIL_ON:
        raise ConfigError(f"--fail-on {spec}: unknown condition {name!r} (known: {', '.join(FAIL_ON)})")
    unit = FAIL_ON[name][1]
    if name == "mode-regression":
        if value:
            raise ConfigError(f"--fail-on {spec}: mode-regression takes no threshold")
        return Condition(spec, name)
    if name == "new-finding":
        if value and value not in SEVERITIES:
            raise ConfigError(f"--fail-on {spec}: severity must be one of {', '.join(SEVERITIES)}")
        return Condition(spec, name, severity=one_of(value or "info", SEVERITIES))
    if not value:
        example = "20%,5" if unit == "" else f"25%,100{unit}"
        raise ConfigError(f"--fail-on {spec}: needs a threshold, like {name}={example}")
    return Condition(spec, name, threshold=_threshold(spec, value, unit or ""))


def _threshold(spec: str, value: str, unit: str) -> Threshold:
    percent: float | None = None
    absolute: float | None = None
    for part in (p.strip() for p in value.split(",")):
        match = _PART.match(part)
        if match is None:
            raise ConfigError(f"--fail-on {spec}: {part!r} is not a threshold like 20% or 5{unit}")
        number, given = float(match["number"]), match["unit"]
        if given == "%":
            if percent is not None:
                raise ConfigError(f"--fail-on {spec}: more than one relative part")
            percent = number
            continue
        if absolute is not None:
            raise ConfigError(f"--fail-on {spec}: more than one absolute part")
        if given and not unit:
            raise ConfigError(f"--fail-on {spec}: {part!r}: this condition counts, it takes no unit")
        absolute = _in_unit(number, given or unit, unit)
    return Threshold(percent, absolute)


def _in_unit(number: float, given: str, unit: str) -> float:
    if given == unit:
        return number
    return number * 1000 if (given, unit) == ("s", "ms") else number / 1000


@dataclass(frozen=True)
class DiffOutcome:
    """A diff with the `--fail-on` conditions asked for and those that hold (each with its reason)."""

    diff: Diff
    conditions: tuple[Condition, ...]
    tripped: tuple[tuple[Condition, str], ...]
    # Conditions that could not be judged somewhere (a page load with no match, a rate under a minute), each
    # with why; they fail the diff unless `on_inconclusive` is "pass"
    doubts: tuple[tuple[Condition, str], ...] = ()
    on_inconclusive: OnInconclusive = "fail"

    @property
    def failed(self) -> bool:
        return bool(self.tripped) or (bool(self.doubts) and self.on_inconclusive == "fail")


def judge_diff(diff: Diff, conditions: Sequence[Condition], on_inconclusive: OnInconclusive = "fail") -> DiffOutcome:
    return DiffOutcome(
        diff, tuple(conditions), tuple(tripped(diff, conditions)), tuple(doubts(diff, conditions)), on_inconclusive
    )


# Conditions judged per pair of page loads: an unmatched load leaves them unjudged there.
_PER_LOAD = frozenset({"mode-regression", "poll-interval", "k8s-requests-per-min", "new-finding"})


def doubts(diff: Diff, conditions: Iterable[Condition]) -> list[tuple[Condition, str]]:
    """Each condition with what it could not judge: loads without a match on the other side, and rates of loads
    that lasted under a minute."""
    found = []
    for condition in conditions:
        if condition.name not in _PER_LOAD:
            continue
        for pair in diff.pairs:
            if pair.before is None or pair.after is None:
                side = "the baseline" if pair.before is None else "the current capture"
                page = redact_url(pair.page) if pair.page else "no URL"
                found.append((condition, f"{pair.label} ({page}) has no match in {side}: not judged"))
        if condition.name == "k8s-requests-per-min":
            found += [(condition, f"{c.name}: a rate needs loads of a minute or more: not judged")
                      for _, c in diff.rates if c.before is None or c.after is None]  # fmt: skip
    return found


def unmatched_reason(diff: Diff) -> str | None:
    """Why two captures cannot be compared at all (no page load or resource in common), or None."""
    if not diff.pairs:
        return None
    if not any(p.before is not None and p.after is not None for p in diff.pairs):
        before = ", ".join(sorted({_path(p.before.url) for p in diff.pairs if p.before}))
        after = ", ".join(sorted({_path(p.after.url) for p in diff.pairs if p.after}))
        return f"no page load in common (baseline: {before or 'none'}; current: {after or 'none'})"
    keys_before = {r.key for p in diff.pairs if p.before for r in p.before.resources}
    keys_after = {r.key for p in diff.pairs if p.after for r in p.after.resources}
    if keys_before and keys_after and not keys_before & keys_after:
        return "no Kubernetes resource in common"
    return None


def _path(url: str | None) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url or "").path or "/"


def tripped(diff: Diff, conditions: Iterable[Condition]) -> list[tuple[Condition, str]]:
    """Each condition that holds, with one line per thing that made it hold."""
    return [(condition, line) for condition in conditions for line in _lines(diff, condition)]


def _lines(diff: Diff, condition: Condition) -> list[str]:
    name = condition.name
    if name == "mode-regression":
        return [
            f"{r.pair.label} {r.key}: {r.mode_before} -> {r.mode_after}" for r in diff.mode_changes if r.is_regression
        ]
    if name == "new-finding":
        worst = SEVERITY_ORDER[condition.severity or "info"]
        return [
            f"new {f.severity} {f.id}: {f.summary}" for f in diff.new_findings if SEVERITY_ORDER[f.severity] <= worst
        ]
    assert condition.threshold is not None
    if name == "poll-interval":
        return [
            f"{r.pair.label} {r.key}: polled every {r.before.poll_interval_s:g} s -> {r.after.poll_interval_s:g} s"
            for r in diff.interval_changes
            if r.before
            and r.after
            and r.before.poll_interval_s
            and r.after.poll_interval_s is not None
            and condition.threshold.holds(r.before.poll_interval_s - r.after.poll_interval_s, r.before.poll_interval_s)
        ]
    changes, what = {
        "k8s-requests-per-min": ([c for _, c in diff.rates], "Kubernetes requests a minute"),
        "latency-p50": (diff.latency_p50, "latency p50 ms"),
        "latency-p95": (diff.latency_p95, "latency p95 ms"),
        "long-lived-connections": (diff.http1_peaks, "HTTP/1.x connections held by long-lived requests"),
    }[name]
    # A host new in the current capture starts from 0 connections; a verb new in it has no latency to compare.
    from_zero = name == "long-lived-connections"
    return [
        f"{c.name}: {what} {c.before or 0:g} -> {c.after:g}"
        for c in changes
        if c.after is not None
        and (c.before is not None or from_zero)
        and condition.threshold.holds(c.after - (c.before or 0.0), c.before or 0.0)
    ]


@dataclass(frozen=True)
class FindingsOutcome:
    """`analyze --fail-on SEVERITY`: the findings that hold it, and what keeps the capture from being judged."""

    findings: tuple[Finding, ...]  # at that severity or worse
    doubts: tuple[str, ...]  # requests the analysis could not read (an unknown console path)
    on_inconclusive: OnInconclusive

    @property
    def failed(self) -> bool:
        return bool(self.findings) or (bool(self.doubts) and self.on_inconclusive == "fail")


def judge_findings(summary: Summary, severity: Severity, on_inconclusive: OnInconclusive = "fail") -> FindingsOutcome:
    """Findings of `severity` or worse; a capture with Kubernetes-looking requests under an unknown path is not
    judged whole: inconclusive, which fails unless `on_inconclusive` is "pass"."""
    worst = SEVERITY_ORDER[severity]
    found = tuple(f for f in summary.findings if SEVERITY_ORDER[f.severity] <= worst)
    doubts = tuple(
        f"{u.requests} request{'s' if u.requests != 1 else ''} under an unknown path ({u.example}) were not "
        f"judged: rerun with --prefix '{u.prefix}' or --prefix auto"
        for u in summary.unknown_prefixes
    )
    return FindingsOutcome(found, doubts, on_inconclusive)
