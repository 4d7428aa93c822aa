"""The one place the gate gets a summary from a path: a HAR analysed now, or a saved `analysis.json` read back.

Both give the same `analyzer.summary.Summary`, so a baseline kept in a repository as `analysis.json` and a fresh
HAR are judged by the same code. A HAR's summary is judged as the analysis built it, secrets included: only the
outputs of `check` and `diff` redact.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from analyzer.errors import InputError
from analyzer.settings import Settings
from analyzer.summary import SCHEMA_PREFIX, Summary, SummaryError, decode_summary

if TYPE_CHECKING:
    from analyzer.har.loader import Capture

# A report says what it is in its first bytes; a HAR that mentions the schema id that early is not plausible.
_SNIFF_BYTES = 65_536


@dataclass(frozen=True)
class Subject:
    """A summary the gate judges, with the path it came from as given on the command line."""

    source: str
    summary: Summary


def read_subject(
    path: str, settings: Settings | None = None, *, load: Callable[[str], Capture] | None = None
) -> Subject:
    """A HAR (analysed now, with `settings`) or a saved `analysis.json`, whichever `path` holds.

    Args:
        path: the file, or `-` for a HAR on standard input.
        settings: the analysis settings (prefixes, thresholds) for a HAR; a saved report was analysed already.
        load: how a HAR is read: the command's loader (its decompression limits, `--strict`, its warnings on
            stderr); by default `load_capture` within the settings' limits, warnings kept on the capture.

    Raises:
        InputError: unreadable, neither a HAR nor a v2 report, or a report missing a key (one line, naming `path`).
    """
    if path != "-" and _is_report(Path(path)):
        return Subject(path, _read_report(Path(path)))
    from analyzer.analysis.analyze import analyze

    capture = (load or partial(_load, settings=settings or Settings()))(path)
    return Subject(path, analyze(capture, settings).summary)


def _load(path: str, *, settings: Settings) -> Capture:
    from analyzer.har.limits import Limits
    from analyzer.har.loader import load_capture

    limits = Limits(max_expansion=settings.max_expansion, max_decompressed_bytes=settings.max_decompressed_bytes)
    return load_capture(path, limits=limits)


def _read_report(path: Path) -> Summary:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        return decode_summary(data)
    except SummaryError as exc:
        raise InputError(f"{path}: {exc}") from None


def _is_report(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return False  # the HAR loader reports the problem, in its words
    return b'"schema"' in head and SCHEMA_PREFIX.encode() in head and b'"log"' not in head
