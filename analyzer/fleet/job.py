"""The per-capture job of `batch`: read one capture (a path or an fsspec URL) through the loader, skip it when the
dataset has it, else analyse it as `analyze` does and write its rows into the dataset.

`run_job` runs in a worker process (the local pool's or a Dask worker's): it takes and returns small picklable
records, never raises for a capture's fault (the capture gets a `captures` row with its one-line error), and
writes only the dataset's files of its own capture.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import pyarrow as pa

from analyzer.errors import AnalyzerError, InputError
from analyzer.fleet import dataset
from analyzer.fleet.inputs import is_url, read_optional, read_url
from analyzer.fleet.labels import merge_labels, parse_sidecar, sidecar_of
from analyzer.fleet.tables import CaptureRow, capture_tables, error_table
from analyzer.har.limits import Limits
from analyzer.har.loader import OpenedCapture, open_capture
from analyzer.settings import Settings

Status = Literal["analyzed", "skipped", "failed"]


@dataclass(frozen=True)
class Options:
    """What every job of a batch shares."""

    dataset: str  # the dataset's folder, absolute (every worker writes into it)
    version: str  # the analyzer version the driver runs: what "already in the dataset" means
    settings: Settings = field(default_factory=Settings)
    labels: tuple[tuple[str, str], ...] = ()  # `--label`, over the path's and the sidecar's
    other_versions: tuple[str, ...] = ()  # versions with rows in the dataset: a rerun replaces theirs
    show_secrets: bool = False
    strict: bool = False
    with_requests: bool = False
    rerun: bool = False
    portable: bool | None = None  # the loader's path (`load_capture`), as the driver's
    decode_workers: int = 1  # processes the loader may fork for one big capture


@dataclass(frozen=True)
class Job:
    path: str  # as the user named it: the `path` column, and what messages say
    location: str  # what the worker opens: an absolute path or a URL
    options: Options
    path_labels: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Outcome:
    path: str
    status: Status
    capture_id: str | None = None
    error: str | None = None  # one line, when failed
    seconds: float = 0.0


def run_job(job: Job) -> Outcome:
    """Analyse one capture into the dataset (or skip it); see the module's docstring."""
    started = time.perf_counter()
    options, root = job.options, Path(job.options.dataset)
    capture_id: str | None = None
    try:
        opened = _open(job)
        capture_id = opened.digest()
        if not options.rerun and dataset.is_committed(root, capture_id, options.version):
            dataset.forget_error(root, job.location)
            return Outcome(job.path, "skipped", capture_id, seconds=time.perf_counter() - started)
        labels = merge_labels(dict(job.path_labels), _sidecar_labels(job), dict(options.labels))
        row = CaptureRow(capture_id, job.path, options.version, labels, redacted=not options.show_secrets)
        tables = _analyse(opened, job, row)
    except AnalyzerError as exc:
        return _failed(job, capture_id, _as_given(str(exc), job), started)
    except OSError as exc:  # the file changed or went while it was read
        return _failed(job, capture_id, f"{job.path}: cannot read: {exc.strerror or exc}", started)
    except Exception as exc:  # a bug of ours must cost one capture, not the batch
        return _failed(job, capture_id, f"{job.path}: internal error: {type(exc).__name__}: {exc}", started)
    try:
        dataset.commit(root, capture_id, options.version, tables, job.location, options.other_versions)
    except OSError as exc:
        return _failed(job, capture_id, f"{job.path}: cannot write into {root}: {exc.strerror or exc}", started)
    return Outcome(job.path, "analyzed", capture_id, seconds=time.perf_counter() - started)


def failed_outcome(job: Job, error: str) -> Outcome:
    """The outcome of a capture whose job could not run to its end (its worker process died), its error row
    written; if even that cannot be written, the outcome still says why the capture failed."""
    return _failed(job, None, f"{job.path}: {error}", time.perf_counter())


def _failed(job: Job, capture_id: str | None, error: str, started: float) -> Outcome:
    line = " ".join(error.split())  # one line, whatever the exception said
    row = CaptureRow(capture_id, job.path, job.options.version, dict(job.path_labels + job.options.labels),
                     error=line)  # fmt: skip
    try:
        dataset.record_error(Path(job.options.dataset), job.location, error_table(row))
    except Exception as exc:  # the dataset cannot be written, or a path Arrow cannot hold: still an outcome
        line += f" (and its row could not be written: {getattr(exc, 'strerror', None) or exc})"
    return Outcome(job.path, "failed", capture_id, line, time.perf_counter() - started)


def _open(job: Job) -> OpenedCapture:
    options = job.options
    settings = options.settings
    limits = Limits(max_expansion=settings.max_expansion, max_decompressed_bytes=settings.max_decompressed_bytes)
    if not is_url(job.location):
        return open_capture(job.location, workers=options.decode_workers, portable=options.portable, limits=limits)
    try:
        data = read_url(job.location)
    except FileNotFoundError:
        raise InputError(f"{job.path}: no such file") from None
    except OSError as exc:
        raise InputError(f"{job.path}: cannot read: {exc.strerror or exc}") from None
    return open_capture(job.path, data=data, limits=limits)


def _sidecar_labels(job: Job) -> dict[str, str]:
    location = sidecar_of(job.location)
    try:
        data = read_optional(location)
    except OSError as exc:
        raise InputError(f"{sidecar_of(job.path)}: cannot read: {exc.strerror or exc}") from None
    return {} if data is None else parse_sidecar(sidecar_of(job.path), data)


def _analyse(opened: OpenedCapture, job: Job, row: CaptureRow) -> dict[str, pa.Table]:
    from analyzer.analysis.analyze import analyze
    from analyzer.analysis.watch_events import WATCH_BODIES
    from analyzer.redact import redacted

    options = job.options
    capture = opened.load(strict=options.strict, digest=WATCH_BODIES)
    capture.name = job.path
    capture.warnings = [_as_given(w, job) for w in capture.warnings]
    summary = analyze(capture, options.settings).summary
    shown = summary if options.show_secrets else redacted(summary)
    return capture_tables(shown, row, with_requests=options.with_requests)


def _as_given(text: str, job: Job) -> str:
    """A loader message names the file as it was opened (an absolute path): name it as the user did."""
    return job.path + text[len(job.location) :] if text.startswith(job.location) else text
