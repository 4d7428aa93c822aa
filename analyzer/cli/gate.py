"""The `check` and `diff` click commands (registered on the `har-analyzer` group by `analyzer.cli`).

The shared options and output helpers come from `analyzer.cli.options`, which `analyzer.cli` uses too. The gate
judges unredacted summaries; the outputs redact URLs unless `--show-secrets`.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from analyzer.cli.options import (
    BadInput,
    ExitCode,
    command_settings,
    emit,
    on_inconclusive_option,
    output_options,
    read_capture,
    settings_from,
    shared_options,
)
from analyzer.errors import ConfigError

if TYPE_CHECKING:
    from analyzer.gate.fail_on import Condition


@click.command(
    context_settings=command_settings(),
    epilog="""\b
Examples:
  har-analyzer check e2e.har
  har-analyzer check e2e/*.har --policy policy.toml --junit check.xml --markdown "$GITHUB_STEP_SUMMARY"
  har-analyzer check analysis.json --policy policy.toml --format json -o check.json""",
)
@click.argument("captures", nargs=-1, required=True, metavar="CAPTURE...")
@click.option(
    "--policy",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Policy file (TOML; see docs/policy.example.toml). Default: no error finding, and no resource "
    "watched and then polled after a reload.",
)
@click.option(
    "--junit",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Also write JUnit XML here: a test case per rule and capture.",
)
@click.option(
    "--markdown",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    metavar="FILE",
    help="Also append Markdown here (for $GITHUB_STEP_SUMMARY or a PR comment).",
)
@click.option(
    "--on-inconclusive",
    type=click.Choice(["fail", "pass"]),
    default=None,
    help="What a rule that could not judge (an unknown console path, a writer's gap, a load under a minute for a "
    'rate) counts as. Default: the policy\'s on_inconclusive, itself "fail" unless set.',
)
@output_options(["table", "json", "markdown", "junit"])
@shared_options
@click.pass_context
def check(
    ctx: click.Context,
    captures: tuple[str, ...],
    policy: Path | None,
    junit: Path | None,
    markdown: Path | None,
    on_inconclusive: str | None,
    fmt: str,
    output: Path | None,
) -> None:
    """Check each CAPTURE (a HAR, or a saved `analyze --format json` report) against a policy: every rule passes,
    fails with the requests that prove it, is skipped when it selects nothing, or is inconclusive when the
    capture cannot show it. Exit 0 when all pass, 1 when a rule fails (or is inconclusive, counted as failing),
    2 for bad usage or an unreadable capture or policy."""
    import dataclasses

    from analyzer.gate.check import read_and_check
    from analyzer.gate.policy import default_policy, load_policy
    from analyzer.gate.reading import read_subject
    from analyzer.render import CHECK_RENDERERS
    from analyzer.render.gate_markdown import render_check_markdown

    chosen = default_policy() if policy is None else load_policy(policy)
    if on_inconclusive is not None:
        chosen = dataclasses.replace(chosen, on_inconclusive="pass" if on_inconclusive == "pass" else "fail")
    settings = settings_from(ctx)
    shown = bool(ctx.meta.get("show_secrets"))
    result = read_and_check(captures, chosen, lambda path: read_subject(path, settings, load=read_capture))
    if junit is not None:
        emit(ctx, junit, CHECK_RENDERERS["junit"](result, shown))
    if markdown is not None:
        _append(markdown, render_check_markdown(result, show_secrets=shown))
    emit(ctx, output, CHECK_RENDERERS[fmt](result, shown))
    if not result.passed:
        ctx.exit(ExitCode.GATE_FAILED)


def _fail_on(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]) -> list[Condition]:
    from analyzer.gate.fail_on import parse_fail_on

    try:
        return [parse_fail_on(value) for value in values]
    except ConfigError as exc:
        raise click.BadParameter(str(exc).removeprefix("--fail-on "), param_hint="--fail-on") from None


@click.command(
    context_settings=command_settings(),
    epilog="""\b
Examples:
  har-analyzer diff baseline/analysis.json e2e.har
  har-analyzer diff before.har after.har --fail-on mode-regression --fail-on new-finding=error
  har-analyzer diff baseline.json e2e.har --fail-on k8s-requests-per-min=20%,5 --fail-on latency-p95=25%,100ms
  har-analyzer diff baseline.json e2e.har --format markdown >> "$GITHUB_STEP_SUMMARY\"""",
)
@click.argument("baseline")
@click.argument("current")
@click.option(
    "--fail-on",
    "fail_on",
    multiple=True,
    callback=_fail_on,
    metavar="NAME[=THRESHOLD]",
    help="Exit 1 when this holds (repeatable): mode-regression, new-finding[=SEVERITY], "
    "k8s-requests-per-min=PCT%,N, latency-p50=PCT%,MS, latency-p95=PCT%,MS, poll-interval=PCT%,S, "
    "long-lived-connections=PCT%,N. With both parts, both must be exceeded.",
)
@click.option(
    "--allow-unmatched",
    is_flag=True,
    help="Compare captures with no page load or resource in common (by default that is exit 2): each --fail-on "
    "condition is then inconclusive on the loads without a match.",
)
@on_inconclusive_option(
    "What a --fail-on condition that could not be judged somewhere (an unmatched page load, a rate of a load "
    "under a minute) counts as."
)
@output_options(["table", "json", "markdown"])
@shared_options
@click.pass_context
def diff(
    ctx: click.Context,
    baseline: str,
    current: str,
    fail_on: list[Condition],
    allow_unmatched: bool,
    on_inconclusive: str,
    fmt: str,
    output: Path | None,
) -> None:
    """What changed from BASELINE to CURRENT (each a HAR or a saved `analyze --format json` report): mode
    changes (watch -> poll first), poll intervals, requests per verb, new and gone findings, long-lived
    connections and latency per verb. Page loads are matched by order and URL, resources by key."""
    from analyzer.gate.diff import diff_subjects
    from analyzer.gate.fail_on import judge_diff, unmatched_reason
    from analyzer.gate.reading import read_subject
    from analyzer.render import DIFF_RENDERERS

    settings = settings_from(ctx)
    shown = bool(ctx.meta.get("show_secrets"))
    changes = diff_subjects(read_subject(baseline, settings, load=read_capture),
                            read_subject(current, settings, load=read_capture))  # fmt: skip
    reason = unmatched_reason(changes)
    if reason is not None and not allow_unmatched:
        raise BadInput(f"cannot compare {current} with {baseline}: {reason} (--allow-unmatched compares them anyway)")
    outcome = judge_diff(changes, fail_on, "pass" if on_inconclusive == "pass" else "fail")
    emit(ctx, output, DIFF_RENDERERS[fmt](outcome, shown))
    if outcome.failed:
        ctx.exit(ExitCode.GATE_FAILED)


def _append(path: Path, text: str) -> None:
    """$GITHUB_STEP_SUMMARY is appended to, never replaced (other steps write there too)."""
    from analyzer.errors import AnalyzerError

    try:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(text)
    except OSError as exc:
        raise AnalyzerError(f"{path}: cannot write: {exc.strerror or exc}") from None
