"""The `report` click command: load a capture, analyse it, write the report folder, print a summary."""

from __future__ import annotations

import contextlib
import gc
import os
import shutil
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import BinaryIO

import click
import msgspec

from analyzer.cli.options import (
    command_settings,
    emit,
    judge_fail_on,
    new_file_mode,
    on_inconclusive_option,
    read_for_analysis,
    settings_from,
    shared_options,
    width_option,
)

# Suffixes dropped from a capture's file name to name its default folder (reports/<name>/).
_CAPTURE_SUFFIXES = (".gz", ".zip", ".zhar", ".harp", ".har", ".json")
# The file that marks a folder as a report har-analyzer made, which the next report may replace whole; any
# other folder only gets the report's files written into it.
REPORT_MARKER = ".har-analyzer-report"
_MARKER_TEXT = b"A report folder written by har-analyzer: the next report written here replaces it whole.\n"
_NAME_LIMIT = 200  # characters of a folder name: well under the 255 bytes of most file systems
# Entries of a capture from which the report's files are written by two processes (`write_folder`'s jobs),
# when a CPU is free: below it, the page alone takes most of the time, and the fork's cost (a tenth more CPU
# time, copied pages) is not won back.
PARALLEL_ENTRIES = 20_000


def default_folder(capture: str) -> Path:
    """`samples/poll-list.har` -> `reports/poll-list`; `-` (stdin) -> `reports/stdin`; a name that would not
    be a folder of its own (`...har`, `..har.gz`) -> `reports/capture`."""
    name = "stdin" if capture == "-" else Path(capture).name
    changed = True
    while changed:
        changed = False
        for suffix in _CAPTURE_SUFFIXES:
            if name.lower().endswith(suffix) and len(name) > len(suffix):
                name, changed = name[: -len(suffix)], True
    return Path("reports") / safe_folder_name(name)


def safe_folder_name(name: str) -> str:
    """A capture's name made into one folder inside `reports/`: path separators and control characters become
    `_`; "capture" for a name that is empty or only dots (`.` and `..` would write beside `reports/` or into
    it)."""
    kept = "".join("_" if char in "/\\" or not char.isprintable() else char for char in name).strip()
    return kept[:_NAME_LIMIT] if kept.strip(".") else "capture"


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
    from analyzer.render.folder import REPORT_JOBS, build_report

    folder = output or default_folder(capture)
    loaded = read_for_analysis(capture, spans=True)
    settings = settings_from(ctx)
    result = analyze(loaded, settings, users=users)
    built = build_report(result, redact=not ctx.meta.get("show_secrets"), max_text=settings.max_text_length)
    parallel = result.summary.capture.entries >= PARALLEL_ENTRIES and has_idle_cpu()
    written = write_folder(folder, built.files, jobs=REPORT_JOBS if parallel else ())
    if fmt != "none":
        emit(ctx, None, ANALYSIS_RENDERERS[fmt](built.summary, max_text=settings.max_text_length))
    sizes = ", ".join(f"{name} {_size(size)}" for name, size in written.items())
    click.echo(f"wrote {folder}/ ({sizes})", err=True)
    judge_fail_on(ctx, result.summary, fail_on, on_inconclusive)


def has_idle_cpu() -> bool:
    """Whether a second process would have a CPU to itself: on a machine already busy (a 1-minute load average
    within half a CPU of the CPUs), two processes only share the CPU time one would get, and the report was
    measured a third slower so."""
    from analyzer.har.workers import available_workers

    try:
        load = os.getloadavg()[0]
    except OSError:
        return False
    return load < available_workers() - 0.5


def write_folder(folder: Path, files: Mapping[str, bytes], *, jobs: Sequence[Sequence[str]] = ()) -> dict[str, int]:
    """Write the report's files into `folder`, one at a time (each is read from `files` once, when it is
    written: a `ReportFiles` renders it then), and return their sizes.

    A missing folder is made (with REPORT_MARKER), and a folder with the marker is replaced whole, by renaming
    a new one over it; any other folder (the user's own) only gets each file replaced, and nothing else in it
    is touched. Each file is written to a temporary name and renamed: a symbolic link with a report file's
    name is replaced, never followed.

    `jobs` (groups of the names in `files`, each group read by one process: files made from the same data)
    lets a forked process write some of the groups while this one writes the others, where `can_fork`; every
    file is then written into a new folder of ours first, which is removed whatever happens, so that a worker
    stopped half-way leaves nothing behind.

    Raises:
        AnalyzerError: `folder` is a symbolic link, or cannot be written (one line).
    """
    from analyzer.errors import AnalyzerError

    if folder.is_symlink():
        raise AnalyzerError(f"{folder}: is a symbolic link: not followed (name the folder itself)")
    sizes: dict[str, int] = {}
    jobs = jobs if _can_fork_workers() else ()
    try:
        if not folder.exists() or (_is_report(folder) and not _holds_working_folder(folder)):
            _replace_folder(folder, files, sizes, jobs)
        elif jobs:
            _replace_files(folder, files, sizes, jobs)
        else:
            for name in files:
                sizes[name] = _write_file(folder / name, _pieces(files, name))
        return sizes
    except OSError as exc:
        raise AnalyzerError(f"{exc.filename or folder}: cannot write: {exc.strerror or exc}") from None


def _is_report(folder: Path) -> bool:
    marker = folder / REPORT_MARKER
    return folder.is_dir() and marker.is_file() and not marker.is_symlink()


def _holds_working_folder(folder: Path) -> bool:
    """`-o .` (or a folder above it): its files are replaced, the folder itself is not renamed away."""
    here, target = Path.cwd().resolve(), folder.resolve()
    return target == here or target in here.parents


def _replace_folder(
    folder: Path, files: Mapping[str, bytes], sizes: dict[str, int], jobs: Sequence[Sequence[str]]
) -> None:
    """A new folder beside `folder`, written whole, then renamed into its place; the old one is removed."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".tmp"))
    trash = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".old"))
    old = trash / "report"
    try:
        sizes.update(_write_new(staging, files, jobs))
        (staging / REPORT_MARKER).write_bytes(_MARKER_TEXT)
        os.chmod(staging, new_file_mode(0o777))  # mkdtemp makes it 0700
        if folder.exists():
            os.rename(folder, old)  # a rename, so that a symbolic link inside is never followed
        os.rename(staging, folder)
    except BaseException:
        if old.exists() and not folder.exists():  # put the old report back
            with contextlib.suppress(OSError):
                os.rename(old, folder)
        raise
    finally:
        shutil.rmtree(trash, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)


def _replace_files(folder: Path, files: Mapping[str, bytes], sizes: dict[str, int], jobs: Sequence[Sequence[str]],
                   ) -> None:  # fmt: skip
    """Each file written into a new folder of ours inside `folder`, then renamed over its namesake there (a
    link is replaced, not followed); the new folder is removed."""
    staging = Path(tempfile.mkdtemp(dir=folder, prefix=".har-analyzer.", suffix=".tmp"))
    try:
        written = _write_new(staging, files, jobs)
        for name, size in written.items():
            os.replace(staging / name, folder / name)
            sizes[name] = size
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _write_new(staging: Path, files: Mapping[str, bytes], jobs: Sequence[Sequence[str]]) -> dict[str, int]:
    """Every file into `staging`, a new and empty folder of our own (nothing to follow there); their sizes, in
    the order of `files`. The groups of `jobs` are shared between this process and a forked one."""
    if not jobs:
        return {name: _write_new_file(staging / name, _pieces(files, name)) for name in files}
    from analyzer.har.workers import WorkerError, map_forked

    write = partial(_write_job, staging, files)
    gc.freeze()  # the worker's collections would touch, and so copy, every page of the analysis' objects
    try:
        done = map_forked(write, jobs, 2, _send_written, _receive_written)
    except WorkerError:  # the worker died (killed, out of memory) or met a bug: all is written here
        done = [write(names) for names in jobs]
    finally:
        gc.unfreeze()
    sizes: dict[str, int] = {}
    for names, result in zip(jobs, done, strict=True):
        if result.error is not None:
            raise OSError(*result.error)
        sizes.update(zip(names, result.sizes, strict=True))
    return {name: sizes[name] for name in files}


class _Written(msgspec.Struct, frozen=True, array_like=True):
    """What one job wrote: each file's size, or the error that stopped it (errno, text, file name)."""

    sizes: list[int]
    error: tuple[int | None, str, str | None] | None = None


def _write_job(staging: Path, files: Mapping[str, bytes], names: Sequence[str]) -> _Written:
    sizes = []
    try:
        for name in names:
            sizes.append(_write_new_file(staging / name, _pieces(files, name)))
    except OSError as exc:  # from a worker, it comes back as it was raised, not as a worker's failure
        filename = None if exc.filename is None else str(exc.filename)
        return _Written(sizes, (exc.errno, exc.strerror or str(exc), filename))
    return _Written(sizes)


def _write_new_file(path: Path, pieces: Iterable[bytes]) -> int:
    with open(path, "wb") as out:
        return sum(map(out.write, pieces))


def _pieces(files: Mapping[str, bytes], name: str) -> Iterable[bytes]:
    """`files[name]`, or the pieces a `render.folder.ReportFiles` makes it in, to be written as they come (a
    big capture's analysis.json is then never whole in memory)."""
    pieces: Callable[[str], Iterable[bytes]] | None = getattr(files, "pieces", None)
    return (files[name],) if pieces is None else pieces(name)


def _send_written(results: list[tuple[int, _Written]], out: BinaryIO) -> None:
    out.write(msgspec.msgpack.encode(results))


def _receive_written(data: memoryview) -> list[tuple[int, _Written]]:
    return msgspec.msgpack.decode(data, type=list[tuple[int, _Written]])


def _can_fork_workers() -> bool:
    from analyzer.har.workers import available_workers, can_fork

    return can_fork() and available_workers() > 1


def _write_file(path: Path, pieces: Iterable[bytes]) -> int:
    """The `pieces` at `path`, through a temporary file renamed over whatever is there (a link is replaced);
    their size."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            size = sum(map(out.write, pieces))
            os.fchmod(out.fileno(), new_file_mode())
        os.replace(temporary, path)
        return size
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _size(count: int) -> str:
    for unit in ("B", "kB", "MB"):
        if count < 1000 or unit == "MB":
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000  # type: ignore[assignment]
    return f"{count} B"
