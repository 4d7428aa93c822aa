"""A batch from start to end, without the command line: the captures the inputs name, the dataset made or
checked and tidied, one job per capture, run on the chosen executor; what each job did is counted.

    from analyzer.fleet.batch import Batch, run_batch
    tally = run_batch(Batch(inputs=("captures/",), dataset=Path("fleet")))
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from analyzer.errors import ConfigError
from analyzer.fleet import dataset
from analyzer.fleet.executors import run_dask, run_local
from analyzer.fleet.inputs import Found, expand_inputs
from analyzer.fleet.job import Job, Options, Outcome, failed_outcome, run_job
from analyzer.fleet.labels import PathTemplate
from analyzer.har.workers import available_workers
from analyzer.version import __version__

EXECUTORS = ("local", "dask")


@dataclass(frozen=True)
class Batch:
    inputs: Sequence[str]  # files, folders, glob patterns, fsspec URLs
    dataset: Path
    options: Options = field(default_factory=lambda: Options(dataset="", version=__version__))
    template: PathTemplate | None = None  # `--label-from-path`
    executor: str = "local"
    workers: int | None = None  # the local pool's processes (default: every CPU)
    scheduler: str | None = None  # the Dask scheduler's address, for the `dask` executor


@dataclass
class Tally:
    total: int
    analyzed: int = 0
    skipped: int = 0
    failed: int = 0
    started: float = field(default_factory=time.perf_counter)
    seen: set[str] = field(default_factory=set)  # capture ids analysed in this batch

    def count(self, outcome: Outcome) -> None:
        """Count one outcome; the same content under a second path counts as skipped."""
        if outcome.status == "analyzed" and outcome.capture_id in self.seen:
            self.skipped += 1
        elif outcome.status == "analyzed":
            self.analyzed += 1
        elif outcome.status == "skipped":
            self.skipped += 1
        else:
            self.failed += 1
        if outcome.capture_id is not None and outcome.status != "failed":
            self.seen.add(outcome.capture_id)

    @property
    def seconds(self) -> float:
        return time.perf_counter() - self.started


@dataclass(frozen=True)
class Plan:
    jobs: list[Job]
    warnings: list[str]  # paths the `--label-from-path` template does not match


def plan_batch(batch: Batch) -> Plan:
    """The jobs of a batch: its inputs expanded, the dataset made (or checked) and tidied.

    Raises:
        ConfigError: an input that names no capture, a dataset path that cannot hold this dataset, an executor
            without what it needs.
    """
    if batch.executor not in EXECUTORS:
        raise ConfigError(f"unknown executor {batch.executor!r} (one of: {', '.join(EXECUTORS)})")
    if (batch.executor == "dask") != (batch.scheduler is not None):
        raise ConfigError("--executor dask needs --scheduler ADDRESS, and --scheduler goes with --executor dask")
    found = expand_inputs(batch.inputs)
    root = batch.dataset.absolute()
    version = batch.options.version
    dataset.prepare(root, version)
    dataset.tidy(root, version)
    options = replace(
        batch.options,
        dataset=str(root),
        other_versions=tuple(sorted(dataset.versions(root) - {version})),
        decode_workers=_decode_workers(batch),
    )
    jobs, warnings = [], []
    for capture in found:
        labels, warning = _path_labels(capture, batch.template)
        jobs.append(Job(capture.path, capture.location, options, tuple(sorted(labels.items()))))
        warnings += warning
    return Plan(jobs, warnings)


def _decode_workers(batch: Batch) -> int:
    """The CPUs a job may use to decode one big capture: those the pool leaves it (on Dask: one)."""
    if batch.executor != "local":
        return 1
    return max(1, available_workers() // (batch.workers or available_workers()))


def _path_labels(capture: Found, template: PathTemplate | None) -> tuple[dict[str, str], list[str]]:
    if template is None:
        return {}, []
    labels = template.match(capture.path.split("://", 1)[-1])
    if labels is None:
        return {}, [f"{capture.path}: does not match --label-from-path '{template.text}': no labels from its path"]
    return labels, []


def run_batch(batch: Batch, plan: Plan | None = None, on_outcome: Callable[[Outcome], None] | None = None) -> Tally:
    """Run a batch (planned by `plan_batch` unless `plan` is given), telling `on_outcome` of each capture."""
    plan = plan or plan_batch(batch)
    tally = Tally(total=len(plan.jobs))
    for outcome in outcomes(batch, plan.jobs):
        tally.count(outcome)
        if on_outcome is not None:
            on_outcome(outcome)
    return tally


def outcomes(batch: Batch, jobs: Sequence[Job]) -> Iterator[Outcome]:
    """The outcome of every job, as each finishes, on the batch's executor."""
    if not jobs:
        return iter(())
    if batch.executor == "dask":
        assert batch.scheduler is not None  # plan_batch checked it
        return run_dask(run_job, jobs, batch.scheduler, failed_outcome)
    return run_local(run_job, jobs, min(batch.workers or available_workers(), len(jobs)), failed_outcome)
