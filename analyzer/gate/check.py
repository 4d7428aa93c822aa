"""`check`: judge analysed captures against a policy, rule by rule, with the requests that prove each failure."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from analyzer.gate.expectations import EVALUATORS, Violation, required_violations, select_scope
from analyzer.gate.facts import Report, read_report
from analyzer.gate.policy import Policy, Rule, default_policy, load_policy

PASS, FAIL, SKIP = "pass", "fail", "skip"


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    status: str  # pass, fail or skip (the rule selected nothing it could judge)
    examined: int  # resources, loads, watches... the rule judged
    violations: tuple[Violation, ...]


@dataclass(frozen=True)
class CaptureResult:
    source: str
    report: Report
    results: tuple[RuleResult, ...]

    @property
    def passed(self) -> bool:
        return all(r.status != FAIL for r in self.results)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)


@dataclass(frozen=True)
class CheckResult:
    policy: Policy
    captures: tuple[CaptureResult, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.captures)


def check_report(report: Report, policy: Policy) -> CaptureResult:
    return CaptureResult(report.source, report, tuple(check_rule(report, rule) for rule in policy.rules))


def check_rule(report: Report, rule: Rule) -> RuleResult:
    scope = select_scope(report, rule.select)
    violations: list[Violation] = []
    examined = 0
    for key, value in rule.expect.items():
        found, judged = EVALUATORS[key](scope, value)
        violations += found
        examined += judged
    if rule.required:
        violations += required_violations(scope)
    status = FAIL if violations else PASS if examined else SKIP
    return RuleResult(rule=rule, status=status, examined=examined, violations=tuple(violations))


def check_capture(
    path: str | os.PathLike[str], policy: str | os.PathLike[str] | Policy | None = None, prefixes: Sequence[str] = ()
) -> CheckResult:
    """Check one capture (a HAR or a saved analysis.json) against a policy, for a Python test suite.

    Args:
        path: the capture.
        policy: a policy file, a `Policy`, or None for the built-in default policy.
        prefixes: extra console prefixes, like `--prefix`.

    Returns:
        The result, when every rule passed (or selected nothing).

    Raises:
        AssertionError: a rule failed; the message lists each failure with its evidence.
        AnalyzerError: an unreadable capture or an invalid policy.
    """
    from analyzer.gate.text import failure_text
    from analyzer.k8s import parse_prefix

    chosen = policy if isinstance(policy, Policy) else default_policy() if policy is None else load_policy(policy)
    report = read_report(os.fspath(path), tuple(parse_prefix(p) for p in prefixes))
    result = CheckResult(chosen, (check_report(report, chosen),))
    if not result.passed:
        raise AssertionError(failure_text(result))
    return result


def read_and_check(
    paths: Iterable[str | Path], policy: Policy, read: Callable[[str], Report] = read_report
) -> CheckResult:
    return CheckResult(policy, tuple(check_report(read(str(p)), policy) for p in paths))
