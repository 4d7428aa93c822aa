"""`check`: judge analysed captures against a policy, rule by rule, with the requests that prove each failure."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from analyzer.gate.expectations import EVALUATORS, Violation, required_violations, select_scope
from analyzer.gate.policy import Policy, Rule, default_policy, load_policy
from analyzer.gate.reading import Subject, read_subject
from analyzer.summary import Summary

Status = Literal["pass", "fail", "skip"]  # skip: the rule selected nothing it could judge
PASS: Final = "pass"
FAIL: Final = "fail"
SKIP: Final = "skip"
STATUSES: tuple[Status, ...] = (PASS, FAIL, SKIP)


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    status: Status
    examined: int  # resources, loads, watches... the rule judged
    violations: tuple[Violation, ...]


@dataclass(frozen=True)
class CaptureResult:
    source: str  # the path given on the command line
    summary: Summary  # unredacted: outputs redact what they show
    results: tuple[RuleResult, ...]

    @property
    def passed(self) -> bool:
        return all(r.status != FAIL for r in self.results)

    def count(self, status: Status) -> int:
        return sum(r.status == status for r in self.results)


@dataclass(frozen=True)
class CheckResult:
    policy: Policy
    captures: tuple[CaptureResult, ...]

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.captures)


def check_subject(subject: Subject, policy: Policy) -> CaptureResult:
    results = tuple(check_rule(subject.summary, rule) for rule in policy.rules)
    return CaptureResult(subject.source, subject.summary, results)


def check_rule(summary: Summary, rule: Rule) -> RuleResult:
    scope = select_scope(summary, rule.select)
    violations: list[Violation] = []
    examined = 0
    for key, value in rule.expect.items():
        found, judged = EVALUATORS[key](scope, value)
        violations += found
        examined += judged
    if rule.required:
        violations += required_violations(scope)
    status: Status = FAIL if violations else PASS if examined else SKIP
    return RuleResult(rule=rule, status=status, examined=examined, violations=tuple(violations))


def check_capture(
    path: str | os.PathLike[str],
    policy: str | os.PathLike[str] | Policy | None = None,
    prefixes: Sequence[str] = (),
    *,
    failure_text: Callable[[CheckResult], str],
) -> CheckResult:
    """Check one capture (a HAR or a saved analysis.json) against a policy, for a Python test suite.

    `analyzer.check_capture` is this with the terminal view's failure text (the gate renders nothing itself).

    Args:
        path: the capture.
        policy: a policy file, a `Policy`, or None for the built-in default policy.
        prefixes: extra console prefixes, like `--prefix`.
        failure_text: the message of the AssertionError, from the failed result.

    Returns:
        The result, when every rule passed (or selected nothing).

    Raises:
        AssertionError: a rule failed; the message lists each failure with its evidence.
        AnalyzerError: an unreadable capture or an invalid policy.
    """
    from analyzer.k8s import parse_prefix
    from analyzer.settings import Settings

    chosen = policy if isinstance(policy, Policy) else default_policy() if policy is None else load_policy(policy)
    settings = Settings(prefixes=tuple(parse_prefix(p) for p in prefixes))
    subject = read_subject(os.fspath(path), settings)
    result = CheckResult(chosen, (check_subject(subject, chosen),))
    if not result.passed:
        raise AssertionError(failure_text(result))
    return result


def read_and_check(
    paths: Iterable[str | Path], policy: Policy, read: Callable[[str], Subject] = read_subject
) -> CheckResult:
    return CheckResult(policy, tuple(check_subject(read(str(p)), policy) for p in paths))
