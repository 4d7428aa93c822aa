"""Every output format, one module each; the registries below are what the commands choose from.

A renderer turns a typed result into either bytes (JSON, Markdown, JUnit, CSV...) or a drawing on a rich
`Console` (the terminal view, which the CLI sizes and colours for its stream). Modules are imported when a
format is asked for, so that a command pays only for the format it writes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from analyzer.summary import Summary


def _analysis_table(summary: Summary) -> Callable[[Console], None]:
    from analyzer.render.terminal import render_analysis

    return lambda console: render_analysis(summary, console)


def _analysis_json(summary: Summary) -> bytes:
    from analyzer.render.json import render_analysis_json

    return render_analysis_json(summary)


def _analysis_markdown(summary: Summary) -> bytes:
    from analyzer.render.markdown import render_analysis_markdown

    return render_analysis_markdown(summary).encode("utf-8")


# The views of one analysis (`analyze --format`, `report --format`).
ANALYSIS_RENDERERS: dict[str, Callable[[Summary], bytes | Callable[[Console], None]]] = {
    "table": _analysis_table,
    "json": _analysis_json,
    "markdown": _analysis_markdown,
}
