"""The trend's HTML page (`trend.html`), in the report's style: its style sheet, its policy (only the page's own
scripts, no connection) and Plotly inlined the same way (`analyzer.render.html`).

Text from the dataset is escaped with `html.escape` in the static parts; the chart's data is JSON in a
`<script type="application/json">` block (`script_json`), which `assets/trend.js` draws with Plotly, escaping
every label it passes on.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from string import Template

import msgspec

from analyzer.fleet.trend import Series, Trend
from analyzer.render.html import asset, content_security_policy, plotly_js, script_json
from analyzer.render.timeline import fit_key
from analyzer.render.trend_text import (
    MODE_LETTERS,
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
from analyzer.summary import Mode

LEGEND_KEY = 48  # characters of a resource key in the chart's legend (`fit_key`)
CHART_LINES = 20  # series drawn: those that went from watch to poll first, then the others that changed
TABLE_ROWS = 500
_CLASSES = {letter: mode.replace("+", "-") for mode, letter in MODE_LETTERS.items()}


class ChartLine(msgspec.Struct, frozen=True):
    """One page and resource: its value at each axis value where the page read it, and its mode there."""

    name: str
    x: list[str]
    y: list[float | None]
    modes: list[Mode]


class ChartData(msgspec.Struct, frozen=True):
    """What `assets/trend.js` draws."""

    values: list[str]  # the axis, in order
    axis_title: str
    metric_title: str
    lines: list[ChartLine]


def render_trend_html(trend: Trend, *, everything: bool = False) -> str:
    """The page (cut long strings first: `cut_strings`)."""
    scripts = [plotly_js(), asset("trend.js")]
    shown = shown_series(trend, everything)
    return Template(asset("trend.html")).substitute(
        title=escape(f"{trend.dataset} · har-analyzer trend"),
        csp=escape(content_security_policy(scripts), quote=False),
        style=asset("report.css") + asset("trend.css"),
        header=f'<h1>{escape(trend.dataset)}</h1><p class="sub">har-analyzer trend: {escape(axis_text(trend))}</p>',
        headlines=_headlines(trend),
        changes=_changes(trend, shown),
        notes="".join(f'<p class="note">{escape(n)}</p>' for n in _notes(trend, shown)),
        data=script_json(chart_data(trend, shown)),
        plotly=scripts[0],
        script=scripts[1],
    )


def chart_data(trend: Trend, shown: Sequence[Series]) -> ChartData:
    """The first CHART_LINES series shown, as requests a minute; as requests per page load when none of them
    has a load of a minute or more (the dataset has no rate under 60 s)."""
    drawn = shown[:CHART_LINES]
    rated = any(p.requests_per_min is not None for s in drawn for p in s.points)
    lines = [
        ChartLine(
            name=f"{page_name(s.url_path)} {s.trigger} · {fit_key(s.resource, LEGEND_KEY)}",
            x=[p.value for p in s.points],
            y=[p.requests_per_min if rated else p.requests for p in s.points],
            modes=[p.mode for p in s.points],
        )
        for s in drawn
    ]
    return ChartData(
        values=[v.value for v in trend.axis.values],
        axis_title=trend.axis.by or "capture start",
        metric_title="requests a minute (median)" if rated else "requests per page load (median; no load lasted 60 s)",
        lines=lines,
    )


def _headlines(trend: Trend) -> str:
    if not trend.headlines:
        return '<p class="empty">No page went from watch to poll.</p>'
    items = "".join(f"<li>{escape(headline_text(trend.axis, h))}</li>" for h in trend.headlines)
    return f'<ul class="headlines">{items}</ul>'


def _changes(trend: Trend, shown: Sequence[Series]) -> str:
    if not shown:
        return '<p class="empty">No page changed how it reads its resources.</p>'
    names = ("page", "load", "resource", "modes", "mode changed", "req/min changed", "findings changed")
    head = "".join(f"<th>{n}</th>" for n in names)
    body = "".join(
        f'<tr><td class="key">{escape(page_name(s.url_path))}</td><td>{escape(s.trigger)}</td>'
        f'<td class="key">{escape(s.resource)}</td><td>{_strip(trend, s)}</td>'
        + "".join(f"<td>{escape(c)}</td>" for c in first_changes(s, trend.axis))
        + "</tr>"
        for s in shown[:TABLE_ROWS]
    )
    first = at(trend.axis, trend.axis.values[0].value)
    legend = f'<p class="hint">Modes from {escape(first)} on, a letter per value: {escape(MODES_LEGEND)}.</p>'
    return f'<table class="verdicts trend"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>{legend}'


def _strip(trend: Trend, series: Series) -> str:
    """The modes over the axis, a coloured letter each, its axis value and mode on hover."""
    letters = mode_strip(series, trend.axis)
    return '<code class="strip">' + "".join(
        f'<span class="m {_CLASSES.get(letter, "none")}" title="{escape(at(trend.axis, value.value))}">'
        f"{escape(letter)}</span>"
        for letter, value in zip(letters, trend.axis.values, strict=True)
    ) + "</code>"  # fmt: skip


def _notes(trend: Trend, shown: Sequence[Series]) -> list[str]:
    notes = list(trend.notes)
    note = unchanged_note(trend, shown)
    if note:
        notes.insert(0, note)
    if len(shown) > TABLE_ROWS:
        notes.append(f"The table shows the first {TABLE_ROWS} of {len(shown)}: trend.json holds them all.")
    if len(shown) > CHART_LINES:
        notes.append(f"The chart draws the first {CHART_LINES} of {len(shown)}.")
    return notes
