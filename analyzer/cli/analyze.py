"""`analyze`: watch or poll, per page load and resource, with findings; the `--fail-on` gate."""

from __future__ import annotations

from pathlib import Path

import click

from analyzer.cli.options import (
    command_settings,
    emit,
    judge_fail_on,
    on_inconclusive_option,
    output_options,
    read_for_analysis,
    settings_from,
    shared_options,
)


@click.command(
    context_settings=command_settings(),
    epilog="""\b
Examples:
  har-analyzer analyze capture.har
  har-analyzer analyze capture.har --format json -o analysis.json
  har-analyzer analyze capture.har --format markdown >> "$GITHUB_STEP_SUMMARY"
  har-analyzer analyze capture.har --fail-on error --users 200""",
)
@click.argument("capture", type=str)
@click.option(
    "--fail-on",
    type=click.Choice(["error", "warning", "info"]),
    default=None,
    help="Exit 1 when a finding of this severity or worse is found.",
)
@click.option(
    "--users",
    type=click.IntRange(min=1),
    default=None,
    metavar="N",
    help="Also show the request rate N open pages would put on the API server, watch versus poll.",
)
@on_inconclusive_option()
@output_options(["table", "json", "markdown"])
@shared_options
@click.pass_context
def analyze(
    ctx: click.Context,
    capture: str,
    fail_on: str | None,
    users: int | None,
    on_inconclusive: str,
    fmt: str,
    output: Path | None,
) -> None:
    """Watch or poll? For every page load and Kubernetes object or collection of CAPTURE: the mode (watch, poll,
    watch+poll, once) and poll interval, and findings with the requests that prove them."""
    from analyzer.analysis.analyze import analyze as run_analysis
    from analyzer.redact import redacted
    from analyzer.render import ANALYSIS_RENDERERS

    loaded = read_for_analysis(capture)
    settings = settings_from(ctx)
    summary = run_analysis(loaded, settings, users=users).summary
    shown = summary if ctx.meta.get("show_secrets") else redacted(summary)
    emit(ctx, output, ANALYSIS_RENDERERS[fmt](shown, max_text=settings.max_text_length))
    judge_fail_on(ctx, summary, fail_on, on_inconclusive)
