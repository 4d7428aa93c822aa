"""Build every file of a report folder from one analysis, in memory (pure: nothing is written here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from analyzer.analysis.analyze import Analysis
from analyzer.render import report as json_report
from analyzer.render.html import render_html
from analyzer.render.tables import redact_table, render_bytes
from analyzer.render.verdicts import render_markdown
from analyzer.report.page import Limits, frame_for_export, page_data

REPORT_FILES = ("index.html", "summary.md", "analysis.json", "requests.csv", "requests.parquet")


@dataclass(frozen=True)
class Report:
    payload: dict[str, Any]  # the v1 analysis report, as in analysis.json
    files: dict[str, bytes]  # file name -> content, in REPORT_FILES order


def build_report(analysis: Analysis, *, redact: bool = True, users: int | None = None,
                 limits: Limits | None = None) -> Report:  # fmt: skip
    """The report of one analysed capture.

    Args:
        analysis: `analyze(capture)`.
        redact: redact secrets (credential headers, bearer tokens, token-like query parameters) everywhere.
        users: also estimate the API request rate of this many open pages (as `analyze --users`).
        limits: how much of a big capture the HTML page carries (the CSV and Parquet files hold everything).
    """
    payload = json_report.analysis_payload(analysis, users=users, redact=redact)
    page = page_data(analysis, payload, redact=redact, limits=limits)
    table = request_arrow(analysis, redact=redact)
    files = {
        "index.html": render_html(payload, page).encode("utf-8"),
        "summary.md": render_markdown(payload).encode("utf-8"),
        "analysis.json": json_report.encode(payload),
        "requests.csv": render_bytes(table, "csv"),
        "requests.parquet": render_bytes(table, "parquet"),
    }
    return Report(payload=payload, files=files)


def request_arrow(analysis: Analysis, *, redact: bool = True) -> pa.Table:
    """The request table with the analysis' columns (navigation, connection, stream, long_lived, ended_by,
    aborted_by_navigation), one row per request in `index` order."""
    table = pa.Table.from_pandas(frame_for_export(analysis), preserve_index=False)
    return redact_table(table) if redact else table
