"""The `trend` views' wording (shared with Markdown and HTML), and its terminal view: the pages that went from
watch to poll, then a row per page and resource that changed (each with its modes over the axis, a letter per
axis value), then the notes."""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console
from rich.table import Table
from rich.text import Text

from analyzer.fleet.trend import Axis, Change, FindingsChange, Headline, ModeChange, Series, Trend
from analyzer.render.text_safety import safe_text
from analyzer.render.timeline import fit_key, is_bounded
from analyzer.summary import Mode
from analyzer.wording import plural

MODE_LETTERS: dict[Mode, str] = {"watch": "w", "poll": "p", "watch+poll": "b", "once": "o"}
NOT_READ = "·"
MODES_LEGEND = "w watch  p poll  b watch+poll  o once  · not read"
MODE_STYLES: dict[Mode, str] = {"watch": "green", "poll": "yellow", "watch+poll": "magenta", "once": ""}
STRIP = 40  # axis values a terminal's strip of modes shows (the last ones)


def at(axis: Axis, value: str) -> str:
    """An axis value as the views name it: `run 4`, or a capture start as it is."""
    return f"{axis.by} {value}" if axis.by is not None else value


def page_name(url_path: str | None) -> str:
    return url_path if url_path is not None else "(no URL)"


def axis_text(trend: Trend) -> str:
    """`6 captures by run (numeric order: 1 … 6)`, or by start."""
    axis, values = trend.axis, trend.axis.values
    if not values:
        return "no captures" + (f" with the label {axis.by!r}" if axis.by is not None else "")
    span = values[0].value if len(values) == 1 else f"{values[0].value} … {values[-1].value}"
    if axis.by is None:
        return f"{plural(trend.captures, 'capture')} by start ({span})"
    order = "numeric order" if axis.order == "numeric" else "in order of each value's first capture"
    return f"{plural(trend.captures, 'capture')} by {axis.by} ({plural(len(values), 'value')}, {order}: {span})"


def headline_text(axis: Axis, headline: Headline) -> str:
    """`run 4: /console/detail reload calico3/…/asm-cal3 went from watch to poll (run 3: watch)`."""
    change = headline.change
    return (f"{at(axis, change.at)}: {page_name(headline.url_path)} {headline.trigger} {headline.resource} went from "
            f"{change.before} to {change.after} ({at(axis, change.previous)}: {change.before})")  # fmt: skip


def change_text(change: Change) -> str:
    """What changed, without where: `watch → poll`, `12 → 30 req/min`, `+watch-replaced-by-polling`."""
    if isinstance(change, ModeChange):
        return f"{change.before} → {change.after}"
    if isinstance(change, FindingsChange):
        return " ".join([*(f"+{i}" for i in change.appeared), *(f"-{i}" for i in change.disappeared)])
    return f"{_rate(change.before)} → {_rate(change.after)} req/min"


def first_changes(series: Series, axis: Axis) -> tuple[str, str, str]:
    """The first mode, rate and findings change of a series, each as `what at run 4` ("" when none)."""
    cells = []
    for kind in ("mode", "rate", "findings"):
        change = next((c for c in series.changes if _kind(c) == kind), None)
        cells.append("" if change is None else f"{change_text(change)} at {at(axis, change.at)}")
    return cells[0], cells[1], cells[2]


def _kind(change: Change) -> str:
    return "mode" if isinstance(change, ModeChange) else "findings" if isinstance(change, FindingsChange) else "rate"


def mode_strip(series: Series, axis: Axis, limit: int | None = None) -> str:
    """A letter per axis value (MODE_LETTERS, NOT_READ where the page did not read the resource); the last
    `limit` values, `…` before them."""
    modes = {p.value: MODE_LETTERS[p.mode] for p in series.points}
    letters = "".join(modes.get(v.value, NOT_READ) for v in axis.values)
    return letters if limit is None or len(letters) <= limit else "…" + letters[-(limit - 1) :]


def shown_series(trend: Trend, everything: bool) -> list[Series]:
    return list(trend.series) if everything else [s for s in trend.series if s.changes]


def unchanged_note(trend: Trend, shown: Sequence[Series]) -> str | None:
    hidden = len(trend.series) - len(shown)
    return None if hidden == 0 else f"{plural(hidden, 'page and resource', 'pages and resources')} did not change"


def _rate(value: float) -> str:
    return f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def render_trend(trend: Trend, console: Console, *, everything: bool = False) -> None:
    """The terminal view (cut long strings first: `cut_strings`)."""
    console.print(Text(f"{safe_text(trend.dataset)}: {safe_text(axis_text(trend))}", style="bold"), overflow="fold")
    if trend.headlines:
        console.print("\nwatch → poll:")
    for headline in trend.headlines:
        console.print(Text(f"  {safe_text(headline_text(trend.axis, headline))}", style="yellow"), overflow="fold")
    shown = shown_series(trend, everything)
    if shown:
        console.print()
        console.print(_series_table(trend.axis, shown, console))
        console.print(f"modes, a letter per {trend.axis.by or 'capture start'}: {MODES_LEGEND}", style="dim")
    elif trend.series:
        console.print("\nno page changed how it reads its resources")
    note = unchanged_note(trend, shown)
    if note:
        console.print(note + ("" if everything else " (--all shows them)"), style="dim")
    for line in trend.notes:
        console.print(Text(f"note: {safe_text(line)}", style="dim"), overflow="fold")


def _series_table(axis: Axis, shown: Sequence[Series], console: Console) -> Table:
    bounded = is_bounded(console)
    table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False, expand=bounded)
    for name in ("page", "load", "resource", "modes"):
        table.add_column(name, no_wrap=True)
    table.add_column("first changes", overflow="fold", ratio=1 if bounded else None)
    room = max(console.width // 3, 24)
    for series in shown:
        resource = safe_text(series.resource)
        strip = Text()
        for letter in mode_strip(series, axis, STRIP if bounded else None):
            strip.append(letter, style=_LETTER_STYLES.get(letter, "dim"))
        changes = "; ".join(f"{kind} {safe_text(cell)}" for kind, cell in zip(_KINDS, first_changes(series, axis),
                                                                                strict=True) if cell)  # fmt: skip
        table.add_row(safe_text(page_name(series.url_path)), series.trigger,
                      fit_key(resource, room) if bounded else resource, strip, changes)  # fmt: skip
    return table


_KINDS = ("mode", "req/min", "findings")
_LETTER_STYLES = {letter: MODE_STYLES[mode] for mode, letter in MODE_LETTERS.items()}
