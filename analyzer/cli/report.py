"""The `report` click command: load a capture, analyse it, write the report folder, print a summary."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Callable, Collection, Mapping
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import BinaryIO

import click

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
    from analyzer.render.folder import ARROW_FILES, build_report

    folder = output or default_folder(capture)
    loaded = read_for_analysis(capture, spans=True)
    settings = settings_from(ctx)
    result = analyze(loaded, settings, users=users)
    built = build_report(result, redact=not ctx.meta.get("show_secrets"), max_text=settings.max_text_length)
    written = write_folder(folder, built.files, beside=ARROW_FILES)
    if fmt != "none":
        emit(ctx, None, ANALYSIS_RENDERERS[fmt](built.summary, max_text=settings.max_text_length))
    sizes = ", ".join(f"{name} {_size(size)}" for name, size in written.items())
    click.echo(f"wrote {folder}/ ({sizes})", err=True)
    judge_fail_on(ctx, result.summary, fail_on, on_inconclusive)


def write_folder(folder: Path, files: Mapping[str, bytes], *, beside: Collection[str] = ()) -> dict[str, int]:
    """Write the report's files into `folder`, one at a time (each is read from `files` once, when it is
    written: a `ReportFiles` renders it then), and return their sizes.

    A missing folder is made (with REPORT_MARKER), and a folder with the marker is replaced whole, by renaming
    a new one over it; any other folder (the user's own) only gets each file replaced, and nothing else in it
    is touched. Each file is written to a temporary name and renamed: a symbolic link with a report file's
    name is replaced, never followed.

    One process writes them, each in turn, and hands the memory a file's making freed back to the system before
    the next (`heap.hand_back`): the report holds what its analysis holds and little more. The files named in
    `beside` (Arrow's work, which lets go of the interpreter) are written by a second thread meanwhile, where
    there is a second CPU. (A forked second writer was as fast, but its pages counted twice: 1.6x the capture's
    size at 200,000 entries, against 0.85x.)

    Raises:
        AnalyzerError: `folder` is a symbolic link, or cannot be written (one line).
    """
    from analyzer.errors import AnalyzerError

    if folder.is_symlink():
        raise AnalyzerError(f"{folder}: is a symbolic link: not followed (name the folder itself)")
    try:
        if not folder.exists() or (_is_report(folder) and not _holds_working_folder(folder)):
            return _replace_folder(folder, files, beside)
        return _write_each(files, lambda name, content: _write_file(folder / name, content), beside)
    except OSError as exc:
        raise AnalyzerError(f"{exc.filename or folder}: cannot write: {exc.strerror or exc}") from None


def _is_report(folder: Path) -> bool:
    marker = folder / REPORT_MARKER
    return folder.is_dir() and marker.is_file() and not marker.is_symlink()


def _holds_working_folder(folder: Path) -> bool:
    """`-o .` (or a folder above it): its files are replaced, the folder itself is not renamed away."""
    here, target = Path.cwd().resolve(), folder.resolve()
    return target == here or target in here.parents


def _replace_folder(folder: Path, files: Mapping[str, bytes], beside: Collection[str]) -> dict[str, int]:
    """A new folder beside `folder`, written whole, then renamed into its place; the old one is removed."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".tmp"))
    trash = Path(tempfile.mkdtemp(dir=folder.parent, prefix=f".{folder.name}.", suffix=".old"))
    old = trash / "report"
    try:
        # staging is a new and empty folder of ours: nothing there to follow
        sizes = _write_each(files, lambda name, content: _write_new_file(staging / name, content), beside)
        (staging / REPORT_MARKER).write_bytes(_MARKER_TEXT)
        os.chmod(staging, new_file_mode(0o777))  # mkdtemp makes it 0700
        if folder.exists():
            os.rename(folder, old)  # a rename, so that a symbolic link inside is never followed
        os.rename(staging, folder)
        return sizes
    except BaseException:
        if old.exists() and not folder.exists():  # put the old report back
            with contextlib.suppress(OSError):
                os.rename(old, folder)
        raise
    finally:
        shutil.rmtree(trash, ignore_errors=True)
        shutil.rmtree(staging, ignore_errors=True)


def _write_each(
    files: Mapping[str, bytes], write: Callable[[str, Callable[[BinaryIO], object]], int], beside: Collection[str]
) -> dict[str, int]:
    """`write(name, content)` for each file, `content(out)` writing the file into `out`; their sizes, in the order
    of `files`. Those named in `beside` are written by a second thread, where there is a second CPU."""
    from analyzer.har.workers import available_workers

    def write_in_turn(names: list[str]) -> dict[str, int]:
        from analyzer.heap import hand_back

        sizes = {}
        for name in names:
            sizes[name] = write(name, partial(_write_content, files, name))
            hand_back()  # what the file's making freed, before the next is made
        return sizes

    later = [name for name in files if name in beside] if available_workers() > 1 else []
    if not later:
        return write_in_turn(list(files))
    # Leaving the block waits for the thread, also after an error here: its file is done before any clean-up.
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="har-analyzer-report") as pool:
        written = pool.submit(write_in_turn, later)
        sizes = write_in_turn([name for name in files if name not in beside])
        sizes.update(written.result())
    return {name: sizes[name] for name in files}


def _write_new_file(path: Path, content: Callable[[BinaryIO], object]) -> int:
    with open(path, "wb") as out:
        content(out)
        return out.tell()


def _write_content(files: Mapping[str, bytes], name: str, out: BinaryIO) -> None:
    """`files[name]` into `out`, or, from a `render.folder.ReportFiles`, written as it is made (a big capture's
    CSV and analysis.json are then never whole in memory)."""
    write_to: Callable[[str, BinaryIO], None] | None = getattr(files, "write_to", None)
    if write_to is None:
        out.write(files[name])
    else:
        write_to(name, out)


def _write_file(path: Path, content: Callable[[BinaryIO], object]) -> int:
    """What `content(out)` writes, at `path`, through a temporary file renamed over whatever is there (a link
    is replaced); its size."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            content(out)
            size = out.tell()
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
