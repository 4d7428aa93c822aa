"""`navigations`, `connections` and `streams`: the traffic facts of a capture."""

from __future__ import annotations

from pathlib import Path

import click

from analyzer.cli.options import (
    command_settings,
    emit,
    output_options,
    read_for_analysis,
    settings_from,
    shared_options,
)


def _traffic_command(what: str, summary: str, examples: str) -> click.Command:
    """The `navigations`, `connections` or `streams` command: load, analyse, render the chosen view of the
    summary (secrets redacted unless `--show-secrets`)."""

    @click.command(name=what, help=summary, epilog=examples, context_settings=command_settings())
    @click.argument("capture", type=str)
    @click.option(
        "--k8s-only", is_flag=True, help="Only what carried Kubernetes API requests.", hidden=what == "navigations"
    )
    @output_options(["table", "json", "csv"])
    @shared_options
    @click.pass_context
    def command(ctx: click.Context, capture: str, k8s_only: bool, fmt: str, output: Path | None) -> None:
        from analyzer.analysis.analyze import analyze
        from analyzer.redact import redacted
        from analyzer.render import TRAFFIC_RENDERERS
        from analyzer.render.traffic import VIEWS

        summary = analyze(read_for_analysis(capture), settings_from(ctx)).summary
        shown = summary if ctx.meta.get("show_secrets") else redacted(summary)
        emit(ctx, output, TRAFFIC_RENDERERS[fmt](VIEWS[what](shown, k8s_only=k8s_only)))

    return command


navigations = _traffic_command(
    "navigations",
    "The page loads of CAPTURE: when each started, its URL, and whether it was the initial load, a reload or a "
    "navigation; requests are assigned to loads by start time.",
    """\b
Examples:
  har-analyzer navigations capture.har
  har-analyzer navigations capture.har --format json""",
)
connections = _traffic_command(
    "connections",
    "The connections of CAPTURE: which requests each carried, which page load opened it and which reused it, "
    "reuse and concurrency per host and per load, and HTTP/1.x saturation by long-lived requests.",
    """\b
Examples:
  har-analyzer connections capture.har
  har-analyzer connections capture.har --k8s-only --format json""",
)
streams = _traffic_command(
    "streams",
    "The long-lived requests of CAPTURE (watches, websockets, server-sent events, follow-logs, long polls): "
    "their true duration and how each ended (complete, open, aborted, error).",
    """\b
Examples:
  har-analyzer streams capture.har
  har-analyzer streams capture.har --k8s-only --format csv -o streams.csv""",
)
