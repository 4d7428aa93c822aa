"""`trend DATASET [--by LABEL] [-o DIR]`: how each page's use of each resource changed across a fleet dataset's
captures, and the first capture or label value where it did (docs/queries.md)."""

from __future__ import annotations

from pathlib import Path

import click

from analyzer.cli.options import command_settings, emit, settings_from, shared_options, width_option


# `-o` names a folder, as for `report`: it always holds every file, and `--format` chooses what is printed.
@click.command(
    context_settings=command_settings(),
    epilog="""\b
Examples:
  har-analyzer trend fleet/
  har-analyzer trend fleet/ --by run -o reports/trend/
  har-analyzer trend fleet/ --by release --format markdown >> "$GITHUB_STEP_SUMMARY"
  har-analyzer trend fleet/ --by run --rate-change 0.2 --rate-floor 5 --format json""",
)
@click.argument("dataset", type=click.Path(path_type=Path))
@click.option("--by", metavar="LABEL",
              help="The axis: a label's values (numeric order when all are integers, else by their first capture's "
              "start); default: each capture's start.")  # fmt: skip
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), default=None, metavar="DIR",
              help="Also write trend.html, trend.md and trend.json into DIR (created if missing).")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["table", "markdown", "json", "none"]), default="table",
              show_default=True, help="What to print on standard output.")  # fmt: skip
@click.option("--all", "everything", is_flag=True,
              help="Show every page and resource, not only those that changed (JSON holds them all).")  # fmt: skip
@click.option("--rate-change", type=click.FloatRange(min=0, min_open=True), default=0.5, show_default=True,
              metavar="RATIO", help="Requests a minute changed when they moved by this share of the earlier value "
              "(0.5: ±50 %) ...")  # fmt: skip
@click.option("--rate-floor", type=click.FloatRange(min=0), default=1.0, show_default=True, metavar="N",
              help="... and by at least N requests a minute.")  # fmt: skip
@width_option
@shared_options
@click.pass_context
def trend(
    ctx: click.Context,
    dataset: Path,
    by: str | None,
    output: Path | None,
    fmt: str,
    everything: bool,
    rate_change: float,
    rate_floor: float,
) -> None:
    """For each page (URL path and load trigger) and resource of the dataset DATASET written by `batch`, its
    mode, requests a minute and findings over time: by capture start, or by the values of a label such as a CI
    run (--by). Names the first value where each changed, the pages that went from watch to poll first.

    Where several captures share a value, the mode is the most frequent (a tie goes to the costlier: poll,
    watch+poll, watch, once), requests a minute the median. An empty dataset prints "no captures" (exit 0);
    a label no capture has is an error (exit 2).
    """
    from analyzer.fleet.observations import read_trend
    from analyzer.fleet.trend import Thresholds
    from analyzer.fleet.views import open_views
    from analyzer.render import TREND_FILES, TREND_RENDERERS

    connection = open_views(dataset)
    try:
        result = read_trend(connection, dataset, by, Thresholds(rate_change, rate_floor))
    finally:
        connection.close()
    limit = settings_from(ctx).max_text_length
    if output is not None:
        from analyzer.cli.report import write_folder

        files = {name: render(result, everything=everything, max_text=limit) for name, render in TREND_FILES.items()}
        write_folder(output, {name: data for name, data in files.items() if isinstance(data, bytes)})
    if fmt != "none":
        emit(ctx, None, TREND_RENDERERS[fmt](result, everything=everything, max_text=limit))
    if output is not None:
        click.echo(f"wrote {output}/ ({', '.join(TREND_FILES)})", err=True)
