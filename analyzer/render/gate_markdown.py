"""Markdown for `check --markdown` and `diff --format markdown`: for `$GITHUB_STEP_SUMMARY` or a PR comment.

URLs are shown with their secrets redacted unless `show_secrets`.
"""

from __future__ import annotations

from collections.abc import Sequence

from analyzer.gate.check import FAIL, INCONCLUSIVE, PASS, SKIP, CheckResult, Status
from analyzer.gate.diff import Change, Diff
from analyzer.gate.fail_on import Condition
from analyzer.render.gate_text import evidence_text, shown_url, violation_text
from analyzer.render.text_safety import cut_text, safe_text
from analyzer.wording import plural

_MARK: dict[Status, str] = {PASS: "✅ pass", FAIL: "❌ fail", SKIP: "⏭️ skip", INCONCLUSIVE: "❔ INCONCLUSIVE"}


def render_check_markdown(result: CheckResult, *, show_secrets: bool = False) -> str:
    checks = [(c, r) for c in result.captures for r in c.results]
    failed = sum(r.counts_as_failure(c.on_inconclusive) for c, r in checks)
    doubtful = sum(r.status == INCONCLUSIVE for _, r in checks)
    also = f" ({doubtful} inconclusive)" if doubtful else ""
    checked = plural(len(checks), "rule check")
    head = f"❌ {failed} of {checked} failed{also}" if failed else f"✅ all {checked} passed{also}"
    lines = [
        f"### har-analyzer check: {head}",
        "",
        f"Policy: {_code(result.policy.source)}",
        "",
        "| capture | rule | result | details |",
        "|---|---|---|---|",
    ]
    for capture in result.captures:
        for r in capture.results:
            doubts = "<br>".join(_escape(violation_text(d, show_secrets)) for d in r.doubts)
            details = (
                plural(len(r.violations), "failure")
                if r.violations
                else doubts or (f"{r.examined} judged" if r.examined else "")
            )
            lines.append(f"| {_code(capture.source)} | {_code(r.rule.name)} | {_MARK[r.status]} | {details} |")
    for capture in result.captures:
        for r in capture.results:
            if r.status != FAIL:
                continue
            lines += ["", f"#### ❌ {_code(r.rule.name)} in {_code(capture.source)}", ""]
            if r.rule.description:
                lines += [_escape(r.rule.description), ""]
            for v in r.violations:
                evidence = evidence_text(v.evidence)
                message = _escape(violation_text(v, show_secrets))
                lines.append(f"- **{v.expectation}**: {message}" + (f" ({evidence})" if evidence else ""))
    return "\n".join(lines) + "\n"


def render_diff_markdown(
    diff: Diff,
    conditions: Sequence[Condition] = (),
    tripped: Sequence[tuple[Condition, str]] = (),
    *,
    show_secrets: bool = False,
    doubts: Sequence[tuple[Condition, str]] = (),
) -> str:
    held = {c.spec for c, _ in tripped}
    title = (
        "❌ fail-on condition holds"
        if held
        else "mode regression"
        if any(r.is_regression for r in diff.mode_changes)
        else "no mode regression"
    )
    lines = [f"### har-analyzer diff: {title}", "", f"{_code(diff.baseline.source)} → {_code(diff.current.source)}", ""]
    if diff.mode_changes:
        lines += ["| page load | resource | before | after |", "|---|---|---|---|"]
        lines += [
            f"| {r.pair.label} {_escape(shown_url(r.pair.page, show_secrets) or '')} | {_code(r.key)} | "
            f"{r.mode_before} | {'**' if r.is_regression else ''}{r.mode_after}{'**' if r.is_regression else ''} |"
            for r in diff.mode_changes
        ]
    else:
        lines.append("No mode changes.")
    lines += ["", f"Findings: {len(diff.new_findings)} new, {len(diff.gone_findings)} gone."]
    lines += [f"- new {f.severity} {_code(f.id)}: {_escape(f.summary)}" for f in diff.new_findings]
    lines += [f"- gone {f.severity} {_code(f.id)}: {_escape(f.summary)}" for f in diff.gone_findings]
    lines += _table("Kubernetes requests per verb", diff.verbs)
    lines += _table("Kubernetes requests a minute per page load", [c for _, c in diff.rates])
    lines += _table("HTTP/1.x connections held by long-lived requests at once, per host", diff.http1_peaks)
    lines += _table("Latency p50 (ms)", diff.latency_p50)
    lines += _table("Latency p95 (ms)", diff.latency_p95)
    if conditions:
        lines += ["", "| fail-on | result |", "|---|---|"]
        for c in conditions:
            unsure = [_escape(f"could not judge: {text}") for other, text in doubts if other.spec == c.spec]
            details = "<br>".join([*(_escape(text) for other, text in tripped if other.spec == c.spec), *unsure])
            status = "❌ holds" if c.spec in held else "❔ INCONCLUSIVE" if unsure else "✅ ok"
            lines.append(f"| {_code(c.spec)} | {status}{'<br>' + details if details else ''} |")
    return "\n".join(lines) + "\n"


def _table(title: str, changes: Sequence[Change]) -> list[str]:
    if not changes:
        return []
    rows = [f"| {_escape(c.name)} | {_number(c.before)} | {_number(c.after)} |" for c in changes]
    return ["", f"**{title}**", "", "| | before | after |", "|---|---:|---:|", *rows]


def _number(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def _escape(text: str) -> str:
    # escaped first: the doubled backslashes of `safe_text` must not touch the `\\|` of the table
    return safe_text(cut_text(text.replace("\n", " "))).replace("|", "\\|")


def _code(text: str) -> str:
    return "`" + safe_text(cut_text(text.replace("\n", " "))).replace("`", "'").replace("|", "\\|") + "`"
