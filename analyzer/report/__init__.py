"""`har-analyzer report`: one folder per capture with an HTML page, Markdown, JSON, CSV and Parquet.

`build_report(analysis)` is pure (bytes per file name); the click command `report` loads, builds and writes.
Importing this package (as the CLI does to register `report`) stays cheap: the builder, and with it pandas
and Plotly's bundle, loads on first use.
"""

from __future__ import annotations

from typing import Any

from analyzer.report.command import report

__all__ = ["REPORT_FILES", "Report", "build_report", "report"]


def __getattr__(name: str) -> Any:
    if name in ("REPORT_FILES", "Report", "build_report"):
        from analyzer.report import build

        return getattr(build, name)
    raise AttributeError(name)
