"""Every file of a report folder (`har-analyzer report`) from one analysis, each rendered when it is read
(nothing is written here)."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from typing import BinaryIO

import pyarrow as pa

from analyzer.analysis.analyze import Analysis
from analyzer.redact import redacted
from analyzer.render.html import html_pieces
from analyzer.render.json import json_pieces
from analyzer.render.markdown import render_analysis_markdown
from analyzer.render.page import Limits, frame_for_export, page_data
from analyzer.render.tables import redact_table, write_csv, write_parquet
from analyzer.render.text_safety import cut_strings
from analyzer.settings import DEFAULT_MAX_TEXT_LENGTH
from analyzer.summary import Summary

REPORT_FILES = ("index.html", "summary.md", "analysis.json", "requests.csv", "requests.parquet")
# The files Arrow writes, letting go of the interpreter meanwhile: a second thread can write them while the page
# and the JSON are made (they are made from one table, built by the first of them).
ARROW_FILES = ("requests.csv", "requests.parquet")


class ReportFiles(Mapping[str, bytes]):
    """File name -> content, in REPORT_FILES order, each file rendered when it is read and not kept. A caller
    that writes them one at a time with `write_to` holds not even one whole: the CSV and Parquet writers and
    analysis.json's pieces go straight into the file (a big capture's CSV is a sixth of the capture's size)."""

    def __init__(self, writers: dict[str, Callable[[BinaryIO], object]]) -> None:
        self._writers = writers

    def __getitem__(self, name: str) -> bytes:
        made = io.BytesIO()
        self._writers[name](made)
        return made.getvalue()

    def write_to(self, name: str, out: BinaryIO) -> None:
        """Write the file's content into `out` as it is made."""
        self._writers[name](out)

    def __iter__(self) -> Iterator[str]:
        return iter(self._writers)

    def __len__(self) -> int:
        return len(self._writers)


@dataclass(frozen=True)
class ReportFolder:
    summary: Summary  # redacted unless asked otherwise, whole (the views cut its long strings)
    files: ReportFiles


def build_report(
    analysis: Analysis, *, redact: bool = True, limits: Limits | None = None, max_text: int = DEFAULT_MAX_TEXT_LENGTH
) -> ReportFolder:
    """The report folder of one analysed capture.

    Args:
        analysis: `analyze(capture)` (with `users` there for the projected load).
        redact: redact secrets (credential headers, bearer tokens, token-like query parameters) everywhere.
        limits: how much of a big capture the HTML page carries (the CSV and Parquet files hold everything).
        max_text: the most characters of one capture string in index.html and summary.md (`cut_text`);
            analysis.json, requests.csv and requests.parquet keep whole values.
    """
    summary = redacted(analysis.summary) if redact else analysis.summary
    shown = cut_strings(summary, max_text)  # after redaction: a cut never keeps half of a secret

    def page() -> Iterator[bytes]:  # its data is made here and handed on: the pieces let it go once encoded
        return html_pieces(shown, cut_strings(page_data(analysis, summary, redact=redact, limits=limits), max_text))

    table = cache(lambda: request_arrow(analysis, redact=redact))  # made once, for the CSV and the Parquet file
    files = ReportFiles(
        {
            "index.html": lambda out: out.writelines(page()),
            "summary.md": lambda out: out.write(render_analysis_markdown(shown).encode("utf-8")),
            "analysis.json": lambda out: out.writelines(json_pieces(summary)),
            "requests.csv": lambda out: write_csv(table(), out),
            "requests.parquet": lambda out: write_parquet(table(), out),
        }
    )
    return ReportFolder(summary=summary, files=files)


def request_arrow(analysis: Analysis, *, redact: bool = True) -> pa.Table:
    """The request table with the analysis' columns (navigation, connection, stream, long_lived, ended_by,
    aborted_by_navigation), one row per request in `index` order."""
    table = pa.Table.from_pandas(frame_for_export(analysis), preserve_index=False)
    return redact_table(table) if redact else table
