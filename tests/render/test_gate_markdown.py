"""Markdown for the step summary: check's table and failures, diff's mode table and fail-on results."""

from __future__ import annotations

from analyzer.gate.check import CheckResult, check_subject
from analyzer.gate.diff import diff_subjects
from analyzer.gate.fail_on import parse_fail_on, tripped
from analyzer.gate.policy import default_policy
from analyzer.render.gate_markdown import render_check_markdown, render_diff_markdown
from tests.gate.support import sample_subject

MICROSERVICES = "calico3/asm.alauda.io/v1beta3/testhl/microservices"


def test_check_markdown_lists_every_rule_and_details_failures() -> None:
    policy = default_policy()
    subjects = [sample_subject("list-watch-healthy"), sample_subject("detail-watch-then-poll")]
    text = render_check_markdown(CheckResult(policy, tuple(check_subject(s, policy) for s in subjects)))
    lines = text.splitlines()
    assert lines[0] == "### har-analyzer check: ❌ 2 of 4 rule checks failed"
    assert lines[2] == "Policy: `built-in default policy`"
    rows = [line for line in lines if line.startswith("| `")]
    assert [row.split(" | ")[2] for row in rows] == ["✅ pass", "✅ pass", "❌ fail", "❌ fail"]
    assert "#### ❌ `watch-not-replaced-by-polling` in `" in text
    assert any(line.startswith("- **forbid_findings**: load 1 (reload) ") and "(requests #" in line for line in lines)


def test_check_markdown_all_passed() -> None:
    policy = default_policy()
    text = render_check_markdown(CheckResult(policy, (check_subject(sample_subject("list-watch-healthy"), policy),)))
    assert text.startswith("### har-analyzer check: ✅ all 2 rule checks passed\n") and "####" not in text


def test_diff_markdown_marks_the_regression_and_the_conditions() -> None:
    changes = diff_subjects(sample_subject("list-watch-healthy"), sample_subject("poll-list"))
    conditions = [parse_fail_on("mode-regression"), parse_fail_on("new-finding=error")]
    text = render_diff_markdown(changes, conditions, tripped(changes, conditions))
    assert text.startswith("### har-analyzer diff: ❌ fail-on condition holds\n")
    assert f"| `{MICROSERVICES}` | watch | **poll** |" in text
    assert f"| `mode-regression` | ❌ holds<br>load 0→0 {MICROSERVICES}: watch -> poll |" in text
    assert "| `new-finding=error` | ✅ ok |" in text
    assert f"| watch | {changes.baseline.summary.summary.verbs['watch']} | 0 |" in text


def test_diff_markdown_without_changes() -> None:
    subject = sample_subject("list-watch-healthy")
    text = render_diff_markdown(diff_subjects(subject, subject))
    assert text.startswith("### har-analyzer diff: no mode regression\n") and "No mode changes." in text
    assert "| fail-on |" not in text
