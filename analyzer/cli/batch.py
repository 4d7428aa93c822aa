"""`batch INPUT... -o DATASET`: analyse many captures into one Parquet dataset (docs/dataset.md)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from analyzer.cli.options import BadInput, command_settings, settings_from, shared_options

if TYPE_CHECKING:
    from rich.progress import Progress

    from analyzer.fleet.batch import Tally
    from analyzer.fleet.job import Outcome


@click.command(
    context_settings=command_settings(),
    epilog="""\b
Examples:
  har-analyzer batch captures/ -o fleet/
  har-analyzer batch 'runs/**/*.har' -o fleet/ --label-from-path '{branch}/{run}/{test}.har'
  har-analyzer batch a.har b.har.gz -o fleet/ --label team=console --workers 4
  har-analyzer batch s3://bucket/runs/ -o /shared/fleet --executor dask --scheduler tcp://10.0.0.5:8786""",
)
@click.argument("inputs", nargs=-1, required=True, metavar="INPUT...")
@click.option("-o", "--output", "dataset", type=click.Path(path_type=Path), required=True, metavar="DATASET",
              help="The dataset's folder: made when missing, added to when it is a dataset already.")  # fmt: skip
@click.option("--label", "labels", multiple=True, metavar="KEY=VALUE",
              help="A label of every capture (repeatable); over the sidecar's and the path's.")  # fmt: skip
@click.option("--label-from-path", "template", metavar="TEMPLATE",
              help="Labels from the end of each capture's path, e.g. '{branch}/{run}/{test}.har'.")  # fmt: skip
@click.option("--requests", "with_requests", is_flag=True,
              help="Also write the `requests` table (the Kubernetes, long-lived and page-load requests).")  # fmt: skip
@click.option("--rerun", is_flag=True, help="Analyse every capture again, even those already in the dataset.")
@click.option("--executor", type=click.Choice(["local", "dask"]), default="local", show_default=True,
              help="Where the captures are analysed: a local pool of processes, or a Dask cluster.")  # fmt: skip
@click.option("--workers", type=click.IntRange(min=1), default=None, metavar="N",
              help="Processes of the local pool (default: one per CPU).")  # fmt: skip
@click.option("--scheduler", metavar="ADDRESS", help="The Dask scheduler, e.g. tcp://HOST:8786 (--executor dask).")
@shared_options
@click.pass_context
def batch(
    ctx: click.Context,
    inputs: tuple[str, ...],
    dataset: Path,
    labels: tuple[str, ...],
    template: str | None,
    with_requests: bool,
    rerun: bool,
    executor: str,
    workers: int | None,
    scheduler: str | None,
) -> None:
    """Analyse every capture INPUT names (files, folders, glob patterns, fsspec URLs) as `analyze` does, in
    parallel, into the Parquet dataset DATASET: tables captures, loads, resources, streams, findings (and
    requests), one row per capture in `captures` (docs/dataset.md).

    A capture already in the dataset (the same content, analysed by this version) is skipped, so an interrupted
    batch is finished by running it again. A capture that cannot be read gets a `captures` row with its error
    and the batch goes on; the exit code is then 2. Labels: from the path (--label-from-path), a sidecar
    `<capture>.labels.json` (a JSON object of strings), and --label, each over the one before.
    """
    from analyzer.fleet.batch import Batch, plan_batch, run_batch
    from analyzer.fleet.job import Options
    from analyzer.fleet.labels import PathTemplate, parse_labels
    from analyzer.har.platform import PORTABLE, loader_platform
    from analyzer.version import __version__

    if workers is not None and executor != "local":
        raise BadInput("--workers is for the local pool: a Dask cluster has its workers")
    options = Options(
        dataset="",
        version=__version__,
        settings=settings_from(ctx),
        labels=tuple(parse_labels(labels).items()),
        show_secrets=bool(ctx.meta.get("show_secrets")),
        strict=bool(ctx.meta.get("strict")),
        with_requests=with_requests,
        rerun=rerun,
        portable=True if loader_platform() == PORTABLE else None,
    )
    path_template = PathTemplate.parse(template) if template is not None else None
    job = Batch(inputs, dataset, options, path_template, executor, workers, scheduler)
    plan = plan_batch(job)
    for warning in plan.warnings:
        click.echo(f"warning: {warning}", err=True)
    with _progress(len(plan.jobs)) as advance:
        tally = run_batch(job, plan, advance)
    click.echo(_summary_line(tally, dataset))
    if tally.failed:
        raise BadInput(f"{tally.failed} of {tally.total} captures could not be read")


def _summary_line(tally: Tally, dataset: Path) -> str:
    return (f"analyzed {tally.analyzed}, skipped {tally.skipped} (already in the dataset), failed {tally.failed} "
            f"in {tally.seconds:.1f} s -> {dataset}")  # fmt: skip


class _progress:
    """A progress bar with the count, the rate and the time left on a terminal's stderr; elsewhere nothing but
    the errors. Each failed capture's error is printed as it comes."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.bar: Progress | None = None

    def __enter__(self) -> Callable[[Outcome], None]:
        if not sys.stderr.isatty():
            return _print_error
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        # No refresh thread: the pool forks its workers only from a process without threads (and the loader its
        # decoders); the bar is drawn again as each capture is done.
        bar = Progress(
            TextColumn("analysing"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]}"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
            auto_refresh=False,
        )
        task = bar.add_task("batch", total=self.total, rate="")
        bar.start()
        bar.refresh()
        self.bar = bar

        def advance(outcome: Outcome) -> None:
            if outcome.error is not None:
                bar.console.print(f"error: {outcome.error}", markup=False, highlight=False)
            elapsed = bar.tasks[0].elapsed or 0.0
            done = bar.tasks[0].completed + 1
            bar.update(task, advance=1, rate=f"{done / elapsed * 60:.0f}/min" if elapsed > 0 else "", refresh=True)

        return advance

    def __exit__(self, *_exc: object) -> None:
        if self.bar is not None:
            self.bar.stop()


def _print_error(outcome: Outcome) -> None:
    if outcome.error is not None:
        click.echo(f"error: {outcome.error}", err=True)
