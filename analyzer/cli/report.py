"""The `report` click command: load a capture, analyse it, write the report folder, print a summary."""

from __future__ import annotations

from pathlib import Path

import click

from analyzer.cli.options import (
    command_settings,
    emit,
    judge_fail_on,
    on_inconclusive_option,
    read_capture,
    settings_from,
    shared_options,
    width_option,
)

# Suffixes dropped from a capture's file name to name its default folder (reports/<name>/).
_CAPTURE_SUFFIXES = (".gz", ".zip", ".zhar", ".harp", ".har", ".json")


def default_folder(capture: str) -> Path:
    """`samples/poll-list.har` -> `reports/poll-list`; `-` (stdin) -> `reports/stdin`."""
    name = "stdin" if capture == "-" else Path(capture).name
    changed = True
    while changed:
        changed = False
        for suffix in _CAPTURE_SUFFIXES:
            if name.lower().endswith(suffix) and len(name) > len(suffix):
                name, changed = name[: -len(suffix)], True
    return Path("reports") / name


# `-o` names a folder here, so the shared `output_options` (`-o FILE`, `--format` choosing the one output)
# does not fit: the folder always holds every format, and `--format` chooses what is also printed.
@click.command(
    context_settings=command_settings(),
    epilog="""\b
Examples:
  har-analyzer report capture.har
  har-analyzer report capture.har -o reports/detail-page/
  har-analyzer report capture.har --format markdown >> "$GITHUB_STEP_SUMMARY"
  har-analyzer report capture.har.gz --fail-on error --format none""",
)
@click.argument("capture", type=str)
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write (created if missing; default: reports/<capture name>/).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json", "none"]), default="table",
              show_default=True, help="What to print on standard output once the folder is written.")  # fmt: skip
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default=None,
              help="Exit 1 when a finding of this severity or worse is found (after writing the folder).")  # fmt: skip
@click.option("--users", type=click.IntRange(min=1), default=None, metavar="N",
              help="Also show the load N open pages would put on the API server, watch versus poll.")  # fmt: skip
@on_inconclusive_option()
@width_option
@shared_options
@click.pass_context
def report(
    ctx: click.Context,
    capture: str,
    output: Path | None,
    fmt: str,
    fail_on: str | None,
    users: int | None,
    on_inconclusive: str,
) -> None:
    """Write a report folder for CAPTURE: index.html (a self-contained page with the verdicts, findings, a
    timeline and a filterable request table), summary.md, analysis.json, requests.csv and requests.parquet."""
    from analyzer.analysis.analyze import analyze
    from analyzer.render import ANALYSIS_RENDERERS
    from analyzer.render.folder import build_report

    folder = output or default_folder(capture)
    loaded = read_capture(capture)
    result = analyze(loaded, settings_from(ctx), users=users)
    built = build_report(result, redact=not ctx.meta.get("show_secrets"))
    write_folder(folder, built.files)
    if fmt != "none":
        emit(ctx, None, ANALYSIS_RENDERERS[fmt](built.summary))
    sizes = ", ".join(f"{name} {_size(len(data))}" for name, data in built.files.items())
    click.echo(f"wrote {folder}/ ({sizes})", err=True)
    judge_fail_on(ctx, result.summary, fail_on, on_inconclusive)


def write_folder(folder: Path, files: dict[str, bytes]) -> None:
    """Write each file into `folder` (made if missing); an unwritable folder is one AnalyzerError line."""
    from analyzer.errors import AnalyzerError

    try:
        folder.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (folder / name).write_bytes(data)
    except OSError as exc:
        raise AnalyzerError(f"{exc.filename or folder}: cannot write: {exc.strerror or exc}") from None


def _size(count: int) -> str:
    for unit in ("B", "kB", "MB"):
        if count < 1000 or unit == "MB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000  # type: ignore[assignment]
    return f"{count} B"
