"""GitHub-flavoured Markdown of a trend (`trend.md`, `trend --format markdown`): the pages that went from watch
to poll, the first changes of each page and resource, and their modes over the last axis values."""

from __future__ import annotations

from analyzer.fleet.trend import Axis, Series, Trend
from analyzer.render.markdown import MARKDOWN_ROWS, code, text
from analyzer.render.text_safety import safe_text
from analyzer.render.trend_text import (
    MODES_LEGEND,
    at,
    axis_text,
    first_changes,
    headline_text,
    mode_strip,
    page_name,
    shown_series,
    unchanged_note,
)

GRID_VALUES = 24  # axis values in the modes table: the last ones


def render_trend_markdown(trend: Trend, *, everything: bool = False) -> str:
    """The Markdown page (cut long strings first: `cut_strings`); at most MARKDOWN_ROWS series."""
    lines = [f"## har-analyzer trend: `{code(trend.dataset)}`", "", f"{text(axis_text(trend))}.", ""]
    if trend.headlines:
        lines += ["**Watch → poll:**", ""]
        lines += [f"- {text(headline_text(trend.axis, h))}" for h in trend.headlines[:MARKDOWN_ROWS]]
        lines.append("")
    shown = shown_series(trend, everything)
    if shown:
        lines += ["| page | load | resource | mode changed | req/min changed | findings changed |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        lines += [_row(s, trend.axis) for s in shown[:MARKDOWN_ROWS]]
        if len(shown) > MARKDOWN_ROWS:
            lines += ["", f"… and {len(shown) - MARKDOWN_ROWS} more: see trend.json"]
        lines += ["", *_grid(trend, shown[:MARKDOWN_ROWS])]
    elif trend.series:
        lines += ["No page changed how it reads its resources.", ""]
    note = unchanged_note(trend, shown)
    lines += [f"> {text(n)}" for n in ([note] if note else []) + list(trend.notes)]
    return "\n".join(lines).rstrip() + "\n"


def _row(series: Series, axis: Axis) -> str:
    cells = " | ".join(text(c) for c in first_changes(series, axis))
    return f"| `{code(page_name(series.url_path))}` | {series.trigger} | `{code(series.resource)}` | {cells} |"


def _grid(trend: Trend, shown: list[Series]) -> list[str]:
    """Modes by axis value, a letter each (`MODES_LEGEND`), in a code block (the last GRID_VALUES values)."""
    values = trend.axis.values[-GRID_VALUES:]
    first = at(trend.axis, values[0].value) if values else ""
    lines = [f"<details><summary>Modes from {text(first)}, a letter per value</summary>", "", "```text"]
    for series in shown:
        strip = mode_strip(series, trend.axis)[-GRID_VALUES:]
        line = f"{strip}  {page_name(series.url_path)} {series.trigger} {series.resource}"
        lines.append(safe_text(line).replace("`", "'"))
    return [*lines, MODES_LEGEND, "```", "", "</details>", ""]
