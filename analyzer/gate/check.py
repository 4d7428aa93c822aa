"""`check`: judge analysed captures against a policy, rule by rule, with the requests that prove each failure."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from analyzer.gate.expectations import EVALUATORS, Violation, required_violations, select_scope
from analyzer.gate.policy import OnInconclusive, Policy, Rule, default_policy, load_policy
from analyzer.gate.reading import Subject, read_subject
from analyzer.summary import Summary

# skip: the rule selected nothing in a capture that could be judged; inconclusive: it could not judge (an
# unknown console path, a writer's gap, a load too short to measure), with the reasons
Status = Literal["pass", "fail", "skip", "inconclusive"]
PASS: Final = "pass"
FAIL: Final = "fail"
SKIP: Final = "skip"
INCONCLUSIVE: Final = "inconclusive"
STATUSES: tuple[Status, ...] = (PASS, FAIL, SKIP, INCONCLUSIVE)


@dataclass(frozen=True)
class RuleResult:
    rule: Rule
    status: Status
    examined: int  # resources, loads, watches... the rule judged
    violations: tuple[Violation, ...]  # what failed (an inconclusive rule's doubts are in `doubts`)
    doubts: tuple[Violation, ...] = ()  # why it could not judge

    @property
    def reasons(self) -> tuple[str, ...]:
        """The doubts' messages, unredacted (outputs use `gate_text.violation_text`)."""
        return tuple(d.message for d in self.doubts)

    def counts_as_failure(self, on_inconclusive: OnInconclusive) -> bool:
        return self.status == FAIL or (self.status == INCONCLUSIVE and on_inconclusive == "fail")


@dataclass(frozen=True)
class CaptureResult:
    source: str  # the path given on the command line
    summary: Summary  # unredacted: outputs redact what they show
    results: tuple[RuleResult, ...]
    on_inconclusive: OnInconclusive = "fail"

    @property
    def passed(self) -> bool:
        return not any(r.counts_as_failure(self.on_inconclusive) for r in self.results)

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
    return CaptureResult(subject.source, subject.summary, results, policy.on_inconclusive)


def check_rule(summary: Summary, rule: Rule) -> RuleResult:
    scope = select_scope(summary, rule.select)
    found: list[Violation] = []
    examined = 0
    for key, value in rule.expect.items():
        violations, judged = EVALUATORS[key](scope, value)
        found += violations
        examined += judged
    if rule.required:
        found += required_violations(scope)
    failures = tuple(v for v in found if not v.inconclusive)
    doubts = (*capture_doubts(summary), *(v for v in found if v.inconclusive))
    status: Status = FAIL if failures else INCONCLUSIVE if doubts else PASS if examined else SKIP
    return RuleResult(rule=rule, status=status, examined=examined, violations=failures, doubts=doubts)


def capture_doubts(summary: Summary) -> tuple[Violation, ...]:
    """What keeps any rule from judging this capture: requests that look like the Kubernetes API under a path
    the tool does not know (what they did is not in the verdicts)."""
    doubts = []
    for u in summary.unknown_prefixes:
        many = "s look" if u.requests != 1 else " looks"
        message = (f"{u.requests} request{many} like the Kubernetes API under an unknown path ({u.example}): "
                   f"rerun with --prefix '{u.prefix}' or --prefix auto")  # fmt: skip
        doubts.append(Violation("unknown-prefix", message, None, None, (), inconclusive=True))
    return tuple(doubts)


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
