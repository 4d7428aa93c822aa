"""The JSON documents of `check --format json` (`har-analyzer/check/v1`) and `diff --format json`
(`har-analyzer/diff/v1`), as typed documents encoded by msgspec. Absent values are null; keys are stable (the
field order below is the key order); URLs have their secrets redacted unless `show_secrets`."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from analyzer.gate.check import CheckResult, RuleResult, Status
from analyzer.gate.diff import Change, Diff, LoadPair
from analyzer.gate.expectations import Violation
from analyzer.gate.fail_on import Condition
from analyzer.render.gate_text import shown_url, violation_text
from analyzer.summary import AccessVerb, Finding, Generator, Mode, Navigation, ResourceVerdict, Severity
from analyzer.version import __version__

CHECK_SCHEMA = "har-analyzer/check/v1"
DIFF_SCHEMA = "har-analyzer/diff/v1"


class Failure(msgspec.Struct):
    expectation: str
    message: str
    navigation: int | None
    page: str | None
    resource: str | None
    evidence: tuple[int, ...]


class RuleOutcome(msgspec.Struct):
    rule: str
    description: str | None
    status: Status
    examined: int
    failures: list[Failure]
    reasons: list[str]  # why an inconclusive rule could not judge


class CaptureOutcome(msgspec.Struct):
    capture: str
    passed: bool
    rules: list[RuleOutcome]


class CheckTotals(msgspec.Struct):
    captures: int
    checks: int
    # one count per status; the names are the statuses
    passed: int = msgspec.field(name="pass")
    failed: int = msgspec.field(name="fail")
    skipped: int = msgspec.field(name="skip")
    doubtful: int = msgspec.field(name="inconclusive")


class CheckDocument(msgspec.Struct):
    schema: str
    generator: Generator
    policy: str
    on_inconclusive: str  # "fail": an inconclusive rule fails the capture; "pass": it does not
    passed: bool
    totals: CheckTotals
    captures: list[CaptureOutcome]


def check_document(result: CheckResult, *, show_secrets: bool = False) -> CheckDocument:
    checks = [r for c in result.captures for r in c.results]

    def count(status: Status) -> int:
        return sum(r.status == status for r in checks)

    return CheckDocument(
        schema=CHECK_SCHEMA,
        generator=Generator(version=__version__),
        policy=result.policy.source,
        on_inconclusive=result.policy.on_inconclusive,
        passed=result.passed,
        totals=CheckTotals(
            len(result.captures), len(checks), count("pass"), count("fail"), count("skip"), count("inconclusive")
        ),
        captures=[
            CaptureOutcome(c.source, c.passed, [_rule(r, show_secrets) for r in c.results]) for c in result.captures
        ],
    )


def _rule(r: RuleResult, show_secrets: bool) -> RuleOutcome:
    failures = [_failure(v, show_secrets) for v in r.violations]
    reasons = [violation_text(d, show_secrets) for d in r.doubts]
    return RuleOutcome(r.rule.name, r.rule.description, r.status, r.examined, failures, reasons)


def _failure(violation: Violation, show_secrets: bool) -> Failure:
    return Failure(
        expectation=violation.expectation,
        message=violation_text(violation, show_secrets),
        navigation=violation.navigation,
        page=shown_url(violation.page, show_secrets),
        resource=violation.resource,
        evidence=tuple(violation.evidence),
    )


class ModeChange(msgspec.Struct):
    page: str | None
    navigation_before: int | None
    navigation_after: int | None
    resource: str
    before: Mode | None
    after: Mode | None
    regression: bool


class IntervalChange(msgspec.Struct):
    page: str | None
    navigation_before: int | None
    navigation_after: int | None
    resource: str
    before_s: float | None
    after_s: float | None


class LoadChange(msgspec.Struct):
    page: str | None
    navigation_before: int | None
    navigation_after: int | None
    url_before: str | None
    url_after: str | None
    requests_per_min_before: float | None
    requests_per_min_after: float | None


class ResourceState(msgspec.Struct):
    mode: Mode
    counts: dict[AccessVerb, int]
    poll_interval_s: float | None
    requests_per_min: float | None


class ResourceChange(msgspec.Struct):
    page: str | None
    navigation_before: int | None
    navigation_after: int | None
    resource: str
    before: ResourceState | None
    after: ResourceState | None


class FindingBrief(msgspec.Struct):
    id: str
    severity: Severity
    navigation: int | None
    resource: str | None
    summary: str
    evidence: tuple[int, ...]


class FindingChanges(msgspec.Struct):
    new: list[FindingBrief]
    gone: list[FindingBrief]


class BeforeAfter(msgspec.Struct):
    before: float | None
    after: float | None


class Percentiles(msgspec.Struct):
    p50: dict[str, BeforeAfter]
    p95: dict[str, BeforeAfter]


class ConditionOutcome(msgspec.Struct):
    condition: str
    holds: bool
    details: list[str]
    inconclusive: list[str]  # what it could not judge (an unmatched page load, a rate under a minute)


class DiffDocument(msgspec.Struct):
    schema: str
    generator: Generator
    baseline: str
    current: str
    failed: bool
    mode_changes: list[ModeChange]
    poll_interval_changes: list[IntervalChange]
    loads: list[LoadChange]
    resources: list[ResourceChange]
    requests_per_verb: dict[str, BeforeAfter]
    findings: FindingChanges
    long_lived_connections: dict[str, BeforeAfter]
    http1_long_lived_peak: dict[str, BeforeAfter]
    latency_ms: Percentiles
    fail_on: list[ConditionOutcome]


def diff_document(
    diff: Diff,
    conditions: Sequence[Condition] = (),
    tripped: Sequence[tuple[Condition, str]] = (),
    *,
    show_secrets: bool = False,
    doubts: Sequence[tuple[Condition, str]] = (),
    failed: bool | None = None,
) -> DiffDocument:
    held = {c.spec for c, _ in tripped}
    return DiffDocument(
        schema=DIFF_SCHEMA,
        generator=Generator(version=__version__),
        baseline=diff.baseline.source,
        current=diff.current.source,
        failed=bool(held) if failed is None else failed,
        mode_changes=[
            ModeChange(*_where(r.pair, show_secrets), r.key, r.mode_before, r.mode_after, r.is_regression)
            for r in diff.mode_changes
        ],
        poll_interval_changes=[
            IntervalChange(*_where(r.pair, show_secrets), r.key, _interval(r.before), _interval(r.after))
            for r in diff.interval_changes
        ],
        loads=[_load_change(p, show_secrets) for p in diff.pairs],
        resources=[
            ResourceChange(*_where(r.pair, show_secrets), r.key, _state(r.before), _state(r.after))
            for r in diff.resources
        ],
        requests_per_verb=_before_after(diff.verbs),
        findings=FindingChanges([_brief(f) for f in diff.new_findings], [_brief(f) for f in diff.gone_findings]),
        long_lived_connections=_before_after(diff.long_lived_connections),
        http1_long_lived_peak=_before_after(diff.http1_peaks),
        latency_ms=Percentiles(_before_after(diff.latency_p50), _before_after(diff.latency_p95)),
        fail_on=[
            ConditionOutcome(
                c.spec,
                c.spec in held,
                [text for other, text in tripped if other.spec == c.spec],
                [text for other, text in doubts if other.spec == c.spec],
            )
            for c in conditions
        ],
    )


def _where(pair: LoadPair, show_secrets: bool) -> tuple[str | None, int | None, int | None]:
    """The page and the indices of the paired loads (the first three fields of every change)."""
    return (
        shown_url(pair.page, show_secrets),
        pair.before.index if pair.before else None,
        pair.after.index if pair.after else None,
    )


def _interval(verdict: ResourceVerdict | None) -> float | None:
    return verdict.poll_interval_s if verdict else None


def _load_change(p: LoadPair, show_secrets: bool) -> LoadChange:
    def url(load: Navigation | None) -> str | None:
        return shown_url(load.url, show_secrets) if load else None

    return LoadChange(
        *_where(p, show_secrets),
        url_before=url(p.before),
        url_after=url(p.after),
        requests_per_min_before=p.before.requests_per_min if p.before else None,
        requests_per_min_after=p.after.requests_per_min if p.after else None,
    )


def _state(verdict: ResourceVerdict | None) -> ResourceState | None:
    if verdict is None:
        return None
    return ResourceState(verdict.mode, dict(verdict.counts), verdict.poll_interval_s, verdict.requests_per_min)


def _brief(f: Finding) -> FindingBrief:
    return FindingBrief(f.id, f.severity, f.navigation, f.resource, f.summary, f.evidence)


def _before_after(changes: Sequence[Change]) -> dict[str, BeforeAfter]:
    return {c.name: BeforeAfter(c.before, c.after) for c in changes}
