"""Terminal views (rich), fitted to the console's width: the analysis (verdicts, timeline, findings) and the
console they are drawn on (the request table and classification results are `request_view`'s). A console of
`timeline.FULL_WIDTH` (a pipe, a file, a CI log) cuts nothing: tables are as wide as their cells and keys are
whole."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable, Sequence

import msgspec
from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.table import Table
from rich.text import Text

from analyzer.render.projection import (
    NOT_PROJECTED,
    NOT_PROJECTED_SHORT,
    ProjectionRow,
    optional_cell,
    projection_rows,
    projection_title,
    rate_cell,
)
from analyzer.render.text_safety import escape_controls, safe_text
from analyzer.render.timeline import (
    TIMELINE_LEGEND,
    VerdictRow,
    fit_key,
    headline,
    indices,
    is_bounded,
    seconds,
    sent_by,
    timeline_lines,
    verdict_rows,
    where,
    writer,
)
from analyzer.summary import Finding, Request, Summary
from analyzer.wording import plural

_MODE_STYLES = {"watch": "green", "poll": "yellow", "watch+poll": "magenta", "once": ""}
_SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}


class _Console(Console):
    def on_broken_pipe(self) -> None:
        # The reader left (`| head -1`): the command decides what that means (rich itself would exit 1).
        self.quiet = True
        raise BrokenPipeError

    def _render_buffer(self, buffer: Iterable[Segment]) -> str:
        # The last line of defence: the views escape capture text where they take it (so that widths are
        # right), and whatever text still holds a control character is escaped here, before any reaches the
        # terminal. Control segments are rich's own (cursor moves), styles are rendered after this.
        return super()._render_buffer(
            segment if segment.control else Segment(escape_controls(segment.text), segment.style) for segment in buffer
        )


def make_console(out: io.StringIO | None = None, *, color: bool = False, width: int | None = None) -> Console:
    """A console for the views: `width` columns (`FULL_WIDTH` to cut nothing), or with None the terminal's.

    Strings are printed as they are, never read as rich markup or emoji codes: capture text (`[link=…]`) must
    not style the output, nor make it fail."""
    return _Console(file=out, color_system="standard" if color else None, width=width, highlight=False,
                    soft_wrap=False, markup=False, emoji=False)  # fmt: skip


# What `render_analysis` reads of a summary, and of each of its requests (the timeline's lanes): its caller cuts
# the strings of these fields only (`cut_strings`), not the other five of each of 100,000 requests.
ANALYSIS_FIELDS: dict[type[msgspec.Struct], tuple[str, ...]] = {
    Summary: ("capture", "navigations", "requests", "findings", "notes", "summary"),
    Request: ("verb", "resource"),
}


def render_analysis(summary: Summary, console: Console) -> None:
    """Headline, verdict table, text timeline and findings."""
    browser = summary.capture.browser
    console.print(Text(headline(summary), style="bold"), overflow="fold")
    console.print(Text(f"written by {writer(summary)}" + (f" ({safe_text(browser)})" if browser else ""), style="dim"))
    rows = verdict_rows(summary)
    if rows:
        console.print(_verdict_table(rows, console.width))
        _print_senders(console, rows)
    else:
        console.print("no Kubernetes get, list or watch in this capture")
    _print_projection(console, summary)
    lines = timeline_lines(summary, console.width)
    if lines:
        console.print()
        for line in lines:
            console.print(line, overflow="crop", no_wrap=True)
        console.print(TIMELINE_LEGEND, style="dim", overflow="fold")
    findings = summary.findings
    console.print(f"\n{plural(len(findings), 'finding')}" + (":" if findings else ""))
    if findings:
        console.print(_findings_table(findings, console))
    for note in summary.notes:
        console.print(Text(f"note: {safe_text(note)}", style="dim"), overflow="fold")


def _verdict_table(rows: Sequence[VerdictRow], width: int) -> Table:
    names = ("load", "mode", "every", "g/l/w", "req/min")
    cells = [[r.load, r.mode, seconds(r.every_s), r.counts, r.rate] for r in rows]
    widths = [max(len(n), *(len(c[i]) for c in cells)) for i, n in enumerate(names)]
    room = max(width - sum(widths) - 2 * len(names), 12)
    table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    for name, size in zip(names, widths, strict=True):
        table.add_column(
            name, no_wrap=True, min_width=size, justify="right" if name in ("every", "req/min") else "left"
        )
    narrow = room < 24  # too narrow to cut keys to their ends: wrap them instead
    table.add_column("resource", no_wrap=not narrow, overflow="fold", max_width=None if narrow else room)
    keys = [safe_text(r.resource) if narrow else fit_key(safe_text(r.resource), room) for r in rows]
    if narrow:
        for row, cell, key in zip(rows, cells, keys, strict=True):
            table.add_row(cell[0], Text(cell[1], style=_MODE_STYLES[row.mode]), *cell[2:], key)
        return table
    # Every cell is one line (keys are safe_text: no line break) and the table fits the width: one row of the
    # cells stacked a line each draws the same, for a fraction of rich's work per cell. A mode is padded to its
    # column, so that its style covers the padding, as the style of a cell of its own does.
    modes = [Text(c[1].ljust(widths[1]), style=_MODE_STYLES[r.mode]) for r, c in zip(rows, cells, strict=True)]
    stacked = ["\n".join(c[i] for c in cells) for i in range(len(names))]
    table.add_row(stacked[0], Text("\n").join(modes), *stacked[2:], "\n".join(keys))
    return table


def _print_senders(console: Console, rows: Sequence[VerdictRow]) -> None:
    """Who sent the requests of each verdict that polls: the code to look at."""
    polling = [r for r in rows if r.initiators and r.mode in ("poll", "watch+poll")]
    if polling:
        console.print("\nwho polls:")
    for row in polling:
        line = Text(f"  load {row.load.split()[0]} ")
        line.append(row.mode, style=_MODE_STYLES[row.mode])
        line.append(f" {fit_key(safe_text(row.resource), max(24, console.width // 2))}: {sent_by(row.initiators)}")
        console.print(line, overflow="fold")


def _print_projection(console: Console, summary: Summary) -> None:
    """With `--users N`: each page load and resource, its requests a minute and open watches for N users, watch
    against poll."""
    title, rows = projection_title(summary), projection_rows(summary)
    if title is None or not rows:
        return
    console.print(f"\n{title}:", overflow="fold")
    console.print(_projection_table(rows, console.width))
    if any(r.requests_per_min is None for r in rows):
        console.print(f"{NOT_PROJECTED_SHORT}: {NOT_PROJECTED.split(':')[0]}, too short a rate to multiply",
                      style="dim", overflow="fold")  # fmt: skip


def _projection_table(rows: Sequence[ProjectionRow], width: int) -> Table:
    names = ("load", "mode", "req/min", "polling", "if watched", "watches", "if watched")
    cells = [
        [r.load, r.mode or "", rate_cell(r.requests_per_min, NOT_PROJECTED_SHORT), optional_cell(r.polling_per_min),
         optional_cell(r.if_watched_per_min), str(r.watches), optional_cell(r.watches_if_watched)]
        for r in rows
    ]  # fmt: skip
    widths = [max(len(n), *(len(c[i]) for c in cells)) for i, n in enumerate(names)]
    room = max(width - sum(widths) - 2 * len(names), 12)
    table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    for name, size in zip(names, widths, strict=True):
        table.add_column(name, no_wrap=True, min_width=size, justify="left" if name in ("load", "mode") else "right")
    narrow = room < 24  # too narrow to cut keys to their ends: wrap them instead
    table.add_column("resource", no_wrap=not narrow, overflow="fold", max_width=None if narrow else room)
    for row, cell in zip(rows, cells, strict=True):
        mode = Text(cell[1], style=_MODE_STYLES[row.mode] if row.mode else "")
        resource = safe_text(row.resource)
        table.add_row(cell[0], mode, *cell[2:], resource if narrow else fit_key(resource, room))
    return table


def _findings_table(findings: Sequence[Finding], console: Console) -> Table:
    """Severity in its own column, so that wrapped lines of a finding stay indented under its text."""
    texts = [_finding_text(f) for f in findings]
    bounded = is_bounded(console)
    size, is_one_line = _finding_width(texts, console.width, bounded=bounded)
    table = Table(box=None, pad_edge=False, show_header=False, expand=bounded, show_edge=False)
    table.add_column("severity", no_wrap=True, width=_SEVERITY_WIDTH)
    table.add_column("finding", ratio=1, overflow="fold", width=size, no_wrap=is_one_line)
    for f, text in zip(findings, texts, strict=True):
        table.add_row(Text(f.severity, style=_SEVERITY_STYLES[f.severity]), text)
    return table


def _finding_text(f: Finding) -> Text:
    text = Text()
    text.append(f.id, style="bold")
    text.append(f"  {safe_text(f.summary)}\n")
    sender = f"; sent by {sent_by(f.initiators)}" if f.initiators else ""
    place = safe_text(where(f.navigation, f.resource))
    text.append(f"{place}; requests {indices(f.evidence)}{sender}\n", style="dim")
    text.append(f"→ {safe_text(f.recommendation)}")
    return text


_SEVERITY_WIDTH = 7
# Where rich's measuring of a text and its drawing part: tabs (expanded when drawn), line breaks but `\n` (measured
# as breaks, drawn as characters), joiners (a string's cells are then not the sum of its characters').
_IRREGULAR = re.compile("[\t\r\x0b\x0c\x1c-\x1e\x85\u2028\u2029\u200d\ufe0f]")


def _finding_width(texts: Sequence[Text], width: int, *, bounded: bool) -> tuple[int | None, bool]:
    """The width of the findings' column as rich finds it, given to it so that it does not measure every finding
    (which costs more than drawing them), and whether every line fits, so that none needs wrapping; None where
    rich's layout is not that simple. Fitted to the console (`bounded`), the column takes what the severity and
    the gap leave; else it is as wide as the longest line, when the console holds that and its cells add up a
    character at a time."""
    room = width - _SEVERITY_WIDTH - 2
    if bounded:
        return (room, False) if room > 0 else (None, False)
    plain = [t.plain for t in texts]
    if any(map(_IRREGULAR.search, plain)):
        return None, False
    lines = [line for p in plain for line in p.split("\n")]
    longest = max(map(cell_len, lines))
    # rich crops a wrapped line's trailing spaces by its length in characters: none may be longer.
    if longest > room or max(map(len, lines)) > longest:
        return None, False
    return longest, True
