"""`har-analyzer report`: one folder per capture with an HTML page, Markdown, JSON, CSV and Parquet.

`build_report(analysis)` is pure (bytes per file name); the click command `report` loads, builds and writes.
The command is imported lazily so that `analyzer.cli` can import this package while it is still loading.
"""

from __future__ import annotations

from typing import Any

from analyzer.report.build import REPORT_FILES, Report, build_report

__all__ = ["REPORT_FILES", "Report", "build_report", "report"]


def __getattr__(name: str) -> Any:
    if name == "report":
        from analyzer.report.command import report

        return report
    raise AttributeError(name)
