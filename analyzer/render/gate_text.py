"""The terminal views of `check` and `diff`, and the message of `check_capture`'s AssertionError.

Each view is a list of (text, rich style) lines: the CLI prints them with colour on a terminal, the
AssertionError and the tests take the text alone. The gate judges unredacted summaries; every view of its results
(this one, Markdown, JUnit, JSON) shows URLs with their secrets redacted unless asked to show them, through
`shown_url` and `violation_text`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from analyzer.gate.check import FAIL, INCONCLUSIVE, PASS, SKIP, CheckResult, RuleResult, Status
from analyzer.gate.diff import Change, Diff, ResourceDiff
from analyzer.gate.expectations import Violation
from analyzer.gate.fail_on import Condition
from analyzer.redact import redact_url
from analyzer.render.text_safety import cut_text, safe_text
from analyzer.settings import DEFAULT_MAX_TEXT_LENGTH
from analyzer.summary import Finding, ResourceVerdict
from analyzer.wording import plural

if TYPE_CHECKING:
    from rich.console import Console

Line = tuple[str, str]  # text, rich style ("" for none)


def draw_lines(lines: Sequence[Line], *, max_text: int = DEFAULT_MAX_TEXT_LENGTH) -> Callable[[Console], None]:
    """The lines as a drawing on a console, each in its style, never cut to the console's width (a pipe or a CI
    log gets them whole), but each cut to `max_text` characters (`cut_text`: a capture's 500 MB URL)."""

    def draw(console: Console) -> None:
        from rich.text import Text

        for text, style in lines:
            console.print(Text(safe_text(cut_text(text, max_text)), style=style), soft_wrap=True)

    return draw


_STATUS: dict[Status, tuple[str, str]] = {
    PASS: ("PASS", "green"), FAIL: ("FAIL", "bold red"), SKIP: ("SKIP", "yellow"),
    INCONCLUSIVE: ("INCONCLUSIVE", "bold magenta"),
}  # fmt: skip
EVIDENCE_SHOWN = 12


def shown_url(url: str | None, show_secrets: bool) -> str | None:
    """A URL as the outputs show it: secrets redacted unless `show_secrets`."""
    return url if show_secrets or url is None else redact_url(url)


def violation_text(violation: Violation, show_secrets: bool) -> str:
    """A violation's message as the outputs show it: the page's URL it may name redacted unless `show_secrets`."""
    page = violation.page
    if show_secrets or not page:
        return violation.message
    return violation.message.replace(page, redact_url(page))


def evidence_text(indices: Sequence[int], limit: int = EVIDENCE_SHOWN) -> str:
    """`requests #4, #5 … (17)`, or "" when there is none."""
    if not indices:
        return ""
    shown = ", ".join(f"#{i}" for i in indices[:limit])
    more = f" … ({len(indices)})" if len(indices) > limit else ""
    return f"requests {shown}{more}"


def check_lines(result: CheckResult, *, failures_only: bool = False, show_secrets: bool = False) -> list[Line]:
    lines: list[Line] = []
    for capture in result.captures:
        failed, doubtful = capture.count(FAIL), capture.count(INCONCLUSIVE)
        total = plural(len(capture.results), "rule")
        unsure = f"{doubtful} inconclusive, counted as {'failed' if capture.on_inconclusive == 'fail' else 'passed'}"
        if failed:
            verdict = f"FAILED, {failed} of {total} failed" + (f", {unsure}" if doubtful else "")
        elif doubtful and capture.on_inconclusive == "fail":
            verdict = f"FAILED, {doubtful} of {total} inconclusive (counted as failed)"
        else:
            verdict = "passed" + (f" ({unsure})" if doubtful else "")
        lines.append((f"{capture.source}: {verdict} ({result.policy.source})", "bold"))
        for rule_result in capture.results:
            if not failures_only or rule_result.counts_as_failure(capture.on_inconclusive):
                lines += _rule_lines(rule_result, show_secrets)
    checks = [r for c in result.captures for r in c.results]
    counts = {status: sum(r.status == status for r in checks) for status in _STATUS}
    lines.append(
        (
            f"{plural(len(result.captures), 'capture')}, {plural(len(checks), 'rule check')}: {counts[PASS]} passed, "
            f"{counts[FAIL]} failed, {counts[INCONCLUSIVE]} inconclusive, {counts[SKIP]} skipped",
            "bold green" if result.passed else "bold red",
        )
    )
    return lines


def _rule_lines(result: RuleResult, show_secrets: bool) -> list[Line]:
    word, style = _STATUS[result.status]
    description = f"  {result.rule.description}" if result.rule.description else ""
    lines: list[Line] = [(f"  {word}  {result.rule.name}{description}", style)]
    if result.status == SKIP:
        lines.append(("        selected nothing to judge", "dim"))
    lines += [(f"        could not judge: {violation_text(d, show_secrets)}", "") for d in result.doubts]
    for violation in result.violations:
        evidence = evidence_text(violation.evidence)
        message = violation_text(violation, show_secrets)
        lines.append((f"        {violation.expectation}: {message}" + (f"; {evidence}" if evidence else ""), ""))
    return lines


def failure_text(result: CheckResult) -> str:
    """The failed rules, secrets redacted: the message of `analyzer.check_capture`'s AssertionError."""
    return "\n".join(safe_text(cut_text(text)) for text, _ in check_lines(result, failures_only=True))


def diff_lines(
    diff: Diff,
    tripped: Sequence[tuple[Condition, str]] = (),
    conditions: Sequence[Condition] = (),
    *,
    show_secrets: bool = False,
    doubts: Sequence[tuple[Condition, str]] = (),
) -> list[Line]:
    lines: list[Line] = [(f"{diff.baseline.source} -> {diff.current.source}", "bold")]
    lines += _mode_lines(diff, show_secrets)
    lines += _load_lines(diff, show_secrets)
    lines += _section(
        "poll intervals",
        [
            f"{r.pair.label} {r.key}: every {r.before.poll_interval_s:.1f} s -> {r.after.poll_interval_s:.1f} s"
            for r in diff.interval_changes
            if r.before and r.after and r.before.poll_interval_s is not None and r.after.poll_interval_s is not None
        ],
    )
    lines += _section("Kubernetes requests per verb", _changes(diff.verbs))
    lines += _section("Kubernetes requests a minute per page load", _changes([c for _, c in diff.rates]))
    lines += _finding_lines(diff)
    lines += _section(
        "long-lived connections per host (all / HTTP/1.x peak at once)",
        [
            f"{a.name}: {_number(a.before)} -> {_number(a.after)} / {_number(b.before)} -> {_number(b.after)}"
            for a, b in _by_name(diff.long_lived_connections, diff.http1_peaks)
        ],
    )
    lines += _section(
        "latency ms, long-lived requests left out (p50 / p95)",
        [
            f"{a.name}: {_number(a.before)} -> {_number(a.after)}{_percent(a)} / {_number(b.before)} -> "
            f"{_number(b.after)}{_percent(b)}"
            for a, b in _by_name(diff.latency_p50, diff.latency_p95)
        ],
    )
    if conditions:
        lines.append(("fail-on:", "bold"))
        held = {c.spec for c, _ in tripped}
        unsure = {c.spec for c, _ in doubts}
        for condition in conditions:
            state = "HOLDS" if condition.spec in held else "INCONCLUSIVE" if condition.spec in unsure else "ok"
            lines.append((f"  {state:5}  {condition.spec}", "green" if state == "ok" else "bold red"))
            lines += [(f"         {text}", "") for c, text in tripped if c.spec == condition.spec]
            lines += [(f"         could not judge: {text}", "") for c, text in doubts if c.spec == condition.spec]
    return lines


def _mode_lines(diff: Diff, show_secrets: bool) -> list[Line]:
    changes = diff.mode_changes
    if not changes:
        return [("no mode changes", "green")]
    lines: list[Line] = [(f"mode changes ({len(changes)}):", "bold")]
    for r in changes:
        every = f" (every {r.after.poll_interval_s:.1f} s)" if r.after and r.after.poll_interval_s is not None else ""
        page = shown_url(r.pair.page, show_secrets) or ""
        lines.append(
            (
                f"  {r.mode_before} -> {r.mode_after}{every}  {r.pair.label} {page}  {r.key}",
                "bold red" if r.is_regression else "green",
            )
        )
    return lines


def _load_lines(diff: Diff, show_secrets: bool) -> list[Line]:
    before = len(diff.baseline.summary.navigations)
    after = len(diff.current.summary.navigations)
    matched = sum(1 for p in diff.pairs if p.before and p.after)
    lines: list[Line] = [(f"page loads: {before} -> {after} ({matched} matched)", "bold")]
    lines += [
        (f"  {'new' if p.before is None else 'gone'}: {p.label} {shown_url(p.page, show_secrets) or ''}", "")
        for p in diff.pairs
        if p.before is None or p.after is None
    ]
    resources = [r for r in diff.resources if r.is_changed]
    return lines + _section(
        "resources that changed (mode get/list/watch req/min)", [_resource_text(r) for r in resources]
    )


def _resource_text(r: ResourceDiff) -> str:
    def side(resource: ResourceVerdict | None) -> str:
        if resource is None:
            return "(none)"
        counts = resource.counts
        return f"{resource.mode} {counts.get('get', 0)}/{counts.get('list', 0)}/{counts.get('watch', 0)} " + (
            f"{resource.requests_per_min:g}/min"
            if resource.requests_per_min is not None
            else f"{resource.count} in {resource.span_s or 0:.0f} s"
        )

    return f"{r.pair.label} {r.key}: {side(r.before)} -> {side(r.after)}"


def _finding_lines(diff: Diff) -> list[Line]:
    lines: list[Line] = [(f"findings: {len(diff.new_findings)} new, {len(diff.gone_findings)} gone", "bold")]
    lines += [(f"  + {_finding_text(f)}", "red" if f.severity == "error" else "") for f in diff.new_findings]
    lines += [(f"  - {_finding_text(f)}", "green") for f in diff.gone_findings]
    return lines


def _finding_text(f: Finding) -> str:
    where = " ".join(part for part in (f"load {f.navigation}" if f.navigation is not None else "", f.resource) if part)
    return f"{f.severity} {f.id} {where}: {f.summary}"


def _section(title: str, rows: Sequence[str]) -> list[Line]:
    return [(f"{title}:", "bold"), *((f"  {row}", "") for row in rows)] if rows else []


def _changes(changes: Sequence[Change]) -> list[str]:
    return [f"{c.name}: {_number(c.before)} -> {_number(c.after)}{_percent(c)}" for c in changes]


def _by_name(first: Sequence[Change], second: Sequence[Change]) -> list[tuple[Change, Change]]:
    other = {c.name: c for c in second}
    return [(c, other.get(c.name, Change(c.name, None, None))) for c in first]


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _percent(change: Change) -> str:
    if not change.before or not change.delta:
        return ""
    return f" ({change.delta / change.before * 100:+.0f}%)"
