"""What the terminal, Markdown and HTML views of an analysis share: the verdict rows (page load x resource x
mode), the headline, and a compact text timeline of the Kubernetes reads and watches."""

from __future__ import annotations

from bisect import bisect_left, insort
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from functools import cached_property
from itertools import pairwise, repeat
from math import ceil
from operator import add, mul, sub, truediv
from typing import NamedTuple

from rich.console import Console
from rich.text import Text

from analyzer.render.text_safety import safe_text
from analyzer.summary import Mode, Request, ResourceKey, Summary
from analyzer.wording import plural

# The timeline's marks, strongest first where two fall in one cell.
_MARKS = {"watch": ("W", "magenta"), "list": ("l", "blue"), "get": ("g", "cyan")}
_SPAN, _ABORTED, _OPEN, _LOAD = ("━", "magenta"), ("✕", "red"), ("▶", "magenta"), ("│", "dim")
TIMELINE_LANES = 20  # resources shown in the text timeline; more are counted, not drawn
TIMELINE_CELLS = 100  # the most columns of time: a wider console gives its room to the labels
# The width of a console that cuts nothing (a pipe, a file, a CI log): wider than any line a view makes, so that
# tables take the width of their cells, keys stay whole and the timeline keeps its own width (`TIMELINE_CELLS`).
FULL_WIDTH = 100_000
TIMELINE_LEGEND = "g get  l list  W watch, ━ while open, ✕ aborted, ▶ open at the end  │ page load"


class VerdictRow(NamedTuple):
    """One row of the verdict table, as every view shows it."""

    load: str  # "1 reload"
    resource: str  # the resource key, as the capture has it: each view escapes what it shows
    mode: Mode
    every_s: float | None
    counts: str  # "get/list/watch"
    requests_per_min: float | None  # None when the load lasted under a minute: `rate` then shows count and span
    rate: str  # "15", or "3 in 27 s"
    initiators: tuple[str, ...]  # who sent its requests (`poll ← watchResource (console.js:160)`)


def verdict_rows(summary: Summary) -> list[VerdictRow]:
    return [
        VerdictRow(
            load=f"{navigation.index} {navigation.trigger}",
            resource=verdict.key,
            mode=verdict.mode,
            every_s=verdict.poll_interval_s,
            counts=f"{verdict.counts.get('get', 0)}/{verdict.counts.get('list', 0)}/{verdict.counts.get('watch', 0)}",
            requests_per_min=verdict.requests_per_min,
            rate=rate_text(verdict.requests_per_min, verdict.count, verdict.span_s),
            initiators=verdict.initiators,
        )
        for navigation in summary.navigations
        for verdict in navigation.resources
    ]


def sent_by(initiators: tuple[str, ...]) -> str:
    """The initiators of a verdict or finding in one phrase, or "" when its writer recorded none."""
    return safe_text("; ".join(initiators))


def headline(summary: Summary) -> str:
    capture = summary.capture
    span = span_s(summary)
    loads = plural(len(summary.navigations), "page load")
    kubernetes = summary.summary.kubernetes_requests
    return (f"{safe_text(capture.path)}: {plural(capture.entries, 'request')}, {kubernetes} to Kubernetes, "
            f"{loads}" + (f", {span:.1f} s" if span else ""))  # fmt: skip


def writer(summary: Summary) -> str:
    capture = summary.capture
    return safe_text(" ".join(p for p in (capture.creator, capture.creator_version) if p)) or "unknown writer"


def span_s(summary: Summary) -> float | None:
    started, ended = summary.capture.started, summary.capture.ended
    return None if started is None or ended is None else (ended - started).total_seconds()


def timeline_lines(summary: Summary, width: int) -> list[Text]:
    """One line per resource: `g` get, `l` list, `W` watch (`━` while open, `✕` aborted, `▶` open at the
    end), `│` page loads; a regular row of `g`s is polling. Empty when nothing was read or watched."""
    span = span_s(summary) or 0.0
    origin = summary.capture.started
    by_verb: defaultdict[tuple[str, str], list[Request]] = defaultdict(list)  # by resource and verb
    for request in summary.requests:
        if request.resource and request.verb in _MARKS:
            by_verb[request.resource, request.verb].append(request)
    lanes = list(dict.fromkeys(resource for resource, _ in by_verb))  # in the order they first appear
    if not lanes or span <= 0 or origin is None:
        return []
    longest = max(len(safe_text(k)) for k in lanes)
    label = min(longest, max(width // 4, 12))
    cells = max(width - label - 1, 10)
    if cells > TIMELINE_CELLS:  # a wide console or a pipe: whole keys rather than a finer time scale
        cells = TIMELINE_CELLS
        label = min(longest, width - cells - 1)
    scale = Scale(origin, span, cells)
    loads = [(n.index, scale.column(scale.offset(n.started))) for n in summary.navigations if n.started]
    lines = [_axis(label, cells, span), _load_row(label, cells, loads)]
    for key in lanes[:TIMELINE_LANES]:
        draws = _draws({verb: by_verb.get((key, verb), []) for verb in _MARKS}, scale)
        lines.append(_lane(key, draws, label, loads, scale.cells))
    if len(lanes) > TIMELINE_LANES:
        more = plural(len(lanes) - TIMELINE_LANES, "more resource")
        lines.append(Text(f"… {more} (see the verdict table)", style="dim"))
    return lines


_Draw = tuple[str, int, int | None, str | None]  # verb, first cell, a watch's last cell, and how it ended


class Scale:
    """Where moments fall on a timeline of `cells` columns that spans `span` seconds from `origin`."""

    def __init__(self, origin: datetime, span: float, cells: int) -> None:
        self.origin, self.span, self.cells = origin, span, cells

    def offset(self, moment: datetime | None) -> float:
        """Seconds from the origin (a moment not known is at the origin)."""
        return 0.0 if moment is None else (moment - self.origin).total_seconds()

    def column(self, seconds: float) -> int:
        return min(self.cells - 1, max(0, round(seconds / self.span * (self.cells - 1))))

    def offsets(self, moments: Iterable[datetime | None]) -> list[float]:
        """`offset` of each moment, computed by builtins (a lane may hold tens of thousands)."""
        known = [self.origin if m is None else m for m in moments]
        return list(map(timedelta.total_seconds, map(sub, known, repeat(self.origin))))

    def columns(self, offsets: Iterable[float]) -> list[int]:
        """`column` of each offset, computed by builtins."""
        last = self.cells - 1
        at = map(round, map(mul, map(truediv, offsets, repeat(self.span)), repeat(last)))
        return list(map(min, repeat(last), map(max, repeat(0), at)))

    def distinct_columns(self, moments: Sequence[datetime | None]) -> list[int]:
        """The columns `moments` fall in (`column(offset(m))`), each once, in order.

        A lane holds tens of thousands of reads in a hundred columns: rather than computing each one's column,
        this sorts them and finds where each column starts among them (`_firsts`)."""
        known = sorted(filter(None, moments))
        if len(known) < len(moments):
            insort(known, self.origin)
        edges = [0, *(bisect_left(known, first) for first in self._firsts), len(known)]
        return [cell for cell, (low, high) in enumerate(pairwise(edges)) if low < high]

    @cached_property
    def _firsts(self) -> list[datetime]:
        """The first moment of each column after the first, to the microsecond (datetimes' own resolution):
        `column` grows with the offset, so a search over the microseconds finds each exactly. (Moments compare
        as their offsets do: the summary's times are UTC, or fixed offsets once read back from JSON.)"""

        def column(micros: int) -> int:
            return self.column(timedelta(microseconds=micros).total_seconds())

        end = ceil(self.span * 1_000_000) + 1  # past the span: in the last column
        firsts: list[datetime] = []
        low = 0
        for cell in range(1, self.cells):
            low = bisect_left(range(end + 1), cell, lo=low, key=column)
            firsts.append(self.origin + timedelta(microseconds=low))
        return firsts


def _lane(key: str, draws: Iterable[_Draw], label: int, loads: Sequence[tuple[int, int]], cells: int) -> Text:
    row: list[tuple[str, str]] = [(" ", "")] * cells
    for _, at in loads:
        row[at] = _LOAD
    for verb, start, end, ended_by in draws:
        if end is not None:
            _draw_watch(row, start, end, ended_by)
        row[start] = _MARKS[verb]
    line = Text(fit_key(safe_text(key), label).ljust(label) + " ")
    for char, style in row:
        line.append(char, style=style)
    return line


def _draws(requests: Mapping[str, Sequence[Request]], scale: Scale) -> list[_Draw]:
    """What a lane's requests (by verb) draw, in drawing order: watches, then lists, then gets, so that reads
    drawn later stay visible. Each distinct drawing is drawn once: a lane of a page that polled for an hour
    draws thousands of the same few. The reads of one verb all draw the same mark, so their order does not
    matter; a watch's drawing is drawn where it is drawn last (drawing it again over what came between would
    give the same row)."""
    draws = _watch_draws(requests["watch"], scale)
    for verb in ("list", "get"):
        draws += [(verb, at, None, None) for at in scale.distinct_columns([r.started for r in requests[verb]])]
    return draws


def _watch_draws(watches: Sequence[Request], scale: Scale) -> list[_Draw]:
    """Each watch's drawing (first cell, last cell, how it ended), each distinct one once, where it is drawn
    last: drawing it again over what came between would give the same row."""
    starts = scale.offsets([w.started for w in watches])
    # A watch still open, or of no known length, is drawn to the end.
    is_open = [w.ended_by == "open" or w.duration_ms is None for w in watches]
    lengths = [0.0 if o else (w.duration_ms or 0.0) / 1000.0 for w, o in zip(watches, is_open, strict=True)]
    ends = scale.columns(map(add, starts, lengths))
    draws: list[_Draw] = [
        ("watch", at, scale.cells - 1 if o else end, "aborted" if w.ended_by == "aborted" else "open" if o else None)
        for w, at, end, o in zip(watches, scale.columns(starts), ends, is_open, strict=True)
    ]
    return list(dict.fromkeys(reversed(draws)))[::-1]


def _draw_watch(row: list[tuple[str, str]], start: int, end: int, ended_by: str | None) -> None:
    for at in range(start + 1, end + 1):
        row[at] = _SPAN
    if ended_by == "aborted":
        row[end] = _ABORTED
    elif ended_by == "open":
        row[end] = _OPEN


def _axis(label: int, cells: int, span: float) -> Text:
    right = f"{span:.1f} s"
    middle = f"{span / 2:.1f}"
    axis = list("0".ljust(cells))
    position = max(1, cells // 2 - len(middle) // 2)
    axis[position : position + len(middle)] = middle
    axis[cells - len(right) :] = right
    return Text("timeline (s)".ljust(label)[:label] + " " + "".join(axis), style="dim")


def _load_row(label: int, cells: int, loads: Sequence[tuple[int, int]]) -> Text:
    row = [" "] * cells
    for index, at in loads:
        mark = f"▼{index}"
        row[at : at + len(mark)] = mark[: cells - at]
    return Text("page loads".ljust(label)[:label] + " " + "".join(row[:cells]), style="dim")


def is_bounded(console: Console) -> bool:
    """Whether a view must fit the console's width (a terminal, `--width N`) rather than cut nothing."""
    return console.width < FULL_WIDTH


def fit_left(text: str, width: int) -> str:
    """Cut from the left (the end of a path or key, its name, matters most)."""
    if len(text) <= width:
        return text
    return "…"[: max(width, 0)] if width <= 1 else "…" + text[-(width - 1) :]


def fit_key(key: str, width: int) -> str:
    """A resource key (`cluster/group/version/namespace/resource[/name]`) cut to `width` columns, keeping what
    names the thing: the version goes first, then the group, then the namespace, then the cluster; the resource
    and name are cut from the left last (`calico3/…/microservices/asm-cal3`). Text that is no key is cut from
    the left."""
    if len(key) <= width:
        return key
    try:
        parsed = ResourceKey.parse(key)
    except ValueError:
        return fit_left(key, width)
    cluster, group, _version, namespace, resource, name = parsed.labels
    tail = "/".join(p for p in (resource, name) if p)
    scoped = namespace != ResourceKey.ABSENT
    candidates = [
        f"{cluster}/{group}/…/{namespace}/{tail}" if scoped else f"{cluster}/{group}/…/{tail}",
        *([f"{cluster}/…/{namespace}/{tail}"] if scoped else []),
        f"{cluster}/…/{tail}",
        f"…/{tail}",
    ]
    return next((c for c in candidates if len(c) <= width), fit_left(tail, width))


def seconds(value: float | None) -> str:
    """A measured interval as precise as the measurement: one decimal (`5.002` -> `5.0`)."""
    return "" if value is None else f"{value:.1f}"


def rate_text(per_min: float | None, count: int, span_s: float | None) -> str:
    """A rate measured over a minute or more, else what was measured: `3 in 27 s`."""
    if per_min is not None:
        return number(per_min)
    return f"{count} in {span_s:.0f} s" if span_s is not None else f"{count}"


def number(value: float | None) -> str:
    return "" if value is None else f"{value:g}"


def indices(values: Sequence[int]) -> str:
    shown = ", ".join(f"#{v}" for v in values[:12])
    return shown + (f" … ({len(values)})" if len(values) > 12 else "")


def where(navigation: int | None, resource: str | None) -> str:
    """`load 1 · calico3/...`: where a finding or violation applies."""
    return " · ".join(p for p in ("" if navigation is None else f"load {navigation}", resource or "") if p)
