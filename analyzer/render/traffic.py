"""The traffic views of a summary (`navigations`, `connections`, `streams`): each a typed document that is
encoded as JSON, written as CSV rows of its main list, or drawn as terminal tables.

The views read the summary as the user should see it: pass `analyzer.redact.redacted(summary)` unless the
user asked for secrets.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import datetime
from typing import ClassVar, Protocol

import msgspec
from rich.console import Console
from rich.table import Table
from rich.text import Text

from analyzer.render.json import encode_json
from analyzer.render.text_safety import formula_safe, safe_text
from analyzer.render.timeline import fit_left, is_bounded
from analyzer.summary import (
    Connection,
    HostConcurrency,
    HostLatency,
    HostReuse,
    NavigationReuse,
    Saturation,
    Stream,
    Summary,
    Trigger,
)
from analyzer.wording import plural

LATENCY_NOTE = "latency figures leave the long-lived requests (streams) out"


class CaptureHeader(msgspec.Struct, frozen=True):
    """The capture a view describes."""

    path: str
    creator: str | None
    browser: str | None
    entries: int


class NavigationRow(msgspec.Struct, frozen=True):
    """A page load without its verdicts (those are `analyze`'s)."""

    index: int
    started: datetime | None
    url: str | None
    trigger: Trigger
    document: int | None
    page_ref: str | None
    requests: int


class StreamRow(Stream, frozen=True):
    """A long-lived request with the URL of its request."""

    url: str | None


class Reuse(msgspec.Struct, frozen=True):
    by_host: tuple[HostReuse, ...]
    by_navigation: tuple[NavigationReuse, ...]


class NavigationsView(msgspec.Struct, frozen=True):
    what: ClassVar[str] = "navigations"

    capture: CaptureHeader
    navigations: tuple[NavigationRow, ...]
    notes: tuple[str, ...]

    @property
    def rows(self) -> Sequence[msgspec.Struct]:
        return self.navigations

    @property
    def sections(self) -> list[tuple[str, Sequence[msgspec.Struct]]]:
        return []


class ConnectionsView(msgspec.Struct, frozen=True):
    what: ClassVar[str] = "connections"

    capture: CaptureHeader
    connections: tuple[Connection, ...]
    reuse: Reuse
    concurrency: tuple[HostConcurrency, ...]
    saturation: tuple[Saturation, ...]
    notes: tuple[str, ...]

    @property
    def rows(self) -> Sequence[msgspec.Struct]:
        return self.connections

    @property
    def sections(self) -> list[tuple[str, Sequence[msgspec.Struct]]]:
        return [
            ("reuse by host", self.reuse.by_host),
            ("reuse by navigation", self.reuse.by_navigation),
            ("concurrency", self.concurrency),
            ("HTTP/1.x saturation", self.saturation),
        ]


class StreamsView(msgspec.Struct, frozen=True):
    what: ClassVar[str] = "streams"

    capture: CaptureHeader
    streams: tuple[StreamRow, ...]
    latency: tuple[HostLatency, ...]  # per verb and host
    latency_note: str
    notes: tuple[str, ...]

    @property
    def rows(self) -> Sequence[msgspec.Struct]:
        return self.streams

    @property
    def sections(self) -> list[tuple[str, Sequence[msgspec.Struct]]]:
        return [("latency (long-lived requests left out)", self.latency)]


TrafficView = NavigationsView | ConnectionsView | StreamsView


def navigations_view(summary: Summary, *, k8s_only: bool = False) -> NavigationsView:
    """The page loads (`k8s_only` does not apply: every load is shown)."""
    rows = tuple(
        NavigationRow(
            index=n.index,
            started=n.started,
            url=n.url,
            trigger=n.trigger,
            document=n.document,
            page_ref=n.page_ref,
            requests=n.requests,
        )
        for n in summary.navigations
    )
    return NavigationsView(capture=_capture(summary), navigations=rows, notes=summary.notes)


def connections_view(summary: Summary, *, k8s_only: bool = False) -> ConnectionsView:
    """The connections (with `k8s_only`, those that carried a Kubernetes request), reuse, concurrency and
    saturation."""
    connections = summary.connections
    if k8s_only:
        kubernetes = {r.index for r in summary.requests if r.is_kubernetes}
        connections = tuple(c for c in connections if kubernetes.intersection(c.requests))
    facts = summary.traffic
    return ConnectionsView(
        capture=_capture(summary),
        connections=connections,
        reuse=Reuse(by_host=facts.reuse_by_host, by_navigation=facts.reuse_by_navigation),
        concurrency=facts.concurrency,
        saturation=facts.saturations,
        notes=summary.notes,
    )


def streams_view(summary: Summary, *, k8s_only: bool = False) -> StreamsView:
    """The long-lived requests (with `k8s_only`, the Kubernetes ones) and latency per verb and host."""
    rows = []
    for stream in summary.streams:
        request = summary.request(stream.index)
        if k8s_only and not (request and request.is_kubernetes):
            continue
        rows.append(StreamRow(**msgspec.structs.asdict(stream), url=request.url if request else None))
    return StreamsView(
        capture=_capture(summary),
        streams=tuple(rows),
        latency=summary.traffic.host_latency,
        latency_note=LATENCY_NOTE,
        notes=summary.notes,
    )


class ViewBuilder(Protocol):
    def __call__(self, summary: Summary, *, k8s_only: bool = False) -> TrafficView: ...


VIEWS: dict[str, ViewBuilder] = {
    "navigations": navigations_view,
    "connections": connections_view,
    "streams": streams_view,
}


def render_json(view: TrafficView) -> bytes:
    return encode_json(view)


def render_csv(view: TrafficView) -> str:
    """The main list, one row each, with every field; nothing for an empty list."""
    rows = view.rows
    if not rows:
        return ""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(rows[0].__struct_fields__)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in msgspec.structs.astuple(row)])
    return buffer.getvalue()


def render_table(view: TrafficView, console: Console) -> None:
    """A terminal table of the main list, then the secondary facts and the notes."""
    rows = view.rows
    columns = _TABLE_COLUMNS[view.what]
    bounded = is_bounded(console)
    table = Table(box=None, pad_edge=False, header_style="bold", expand=bounded)
    cells = [[safe_text(_table_cell(row, name)) for name in columns] for row in rows]
    widths = [max([len(_LABELS.get(name, name)), *(len(c[i]) for c in cells)]) for i, name in enumerate(columns)]
    # a terminal: the last column (the URL, or a connection's requests) gets what the others leave
    room = max(console.width - sum(min(w, 40) for w in widths[:-1]) - 2 * (len(columns) - 1), 12)
    for position, name in enumerate(columns):
        label = _LABELS.get(name, name)
        if name == columns[-1]:
            table.add_column(label, no_wrap=True, overflow="ellipsis", ratio=1)
            continue
        limit = 40 if bounded else None  # a pipe: whole cells
        table.add_column(label, no_wrap=True, min_width=min(widths[position], 40), max_width=limit,
                         overflow="ellipsis")  # fmt: skip
    for row_cells in cells:
        last = row_cells[-1]
        table.add_row(*row_cells[:-1], fit_url(last, room) if bounded and columns[-1] == "url" else last)
    console.print(table)
    console.print(plural(len(rows), _ROW_NOUNS[view.what]))
    for title, section in view.sections:
        _print_section(console, title, section)
    for note in view.notes:
        console.print(Text(f"note: {safe_text(note)}"))


_ROW_NOUNS = {"navigations": "navigation", "connections": "connection", "streams": "stream"}


def fit_url(url: str, width: int) -> str:
    """A URL cut to `width` columns keeping what tells requests apart: the scheme and host go first, then the
    query from its end, then the path from its start (its end names the resource)."""
    if len(url) <= width:
        return url
    rest = url.split("://", 1)[1] if "://" in url else url
    path = "/" + rest.split("/", 1)[1] if "/" in rest else rest
    if len(path) <= width:
        return path
    base, _, query = path.partition("?")
    if query and len(base) + 2 <= width:
        return f"{base}?{query[: width - len(base) - 2]}…"
    return fit_left(base, width)


_TABLE_COLUMNS = {
    "navigations": ("index", "started", "trigger", "requests", "document", "page_ref", "url"),
    "connections": ("id", "inferred", "host", "protocol", "navigation", "reused_by", "long_lived", "requests"),
    "streams": ("index", "kind", "transport", "navigation", "ended_by", "aborted_by_navigation", "duration_ms",
                "timeout_seconds", "connection", "url"),
}  # fmt: skip


_LABELS = {
    "aborted_by_navigation": "nav-abort", "duration_ms": "ms", "timeout_seconds": "timeout", "transport": "via",
    "navigation": "load", "reused_by": "reused-by", "long_lived": "streams", "page_ref": "page", "requests": "reqs",
    "document": "doc", "inferred": "guessed", "protocol": "proto", "ended_by": "ended",
    "requests_per_connection": "req/conn", "reused_share": "reused", "new_connections": "new", "handshake_ms":
    "handshake", "connections": "conns", "max_open_requests": "max-req", "max_open_connections": "max-conn",
    "connections_at": "conn-at", "wait_p50_ms": "wait50", "wait_p95_ms": "wait95", "time_p50_ms": "time50",
    "time_p95_ms": "time95", "open_streams": "open", "protocols": "protos",
}  # fmt: skip


def _print_section(console: Console, title: str, rows: Sequence[msgspec.Struct]) -> None:
    if not rows:
        return
    console.print(Text.assemble("\n", (title, "bold" if console.color_system else "")))
    table = Table(box=None, pad_edge=False, header_style="bold")
    for name in rows[0].__struct_fields__:
        table.add_column(_LABELS.get(name, name), no_wrap=True, overflow="ellipsis")
    for row in rows:
        table.add_row(*(safe_text(_cell(value, short=True)) for value in msgspec.structs.astuple(row)))
    console.print(table)


def _capture(summary: Summary) -> CaptureHeader:
    capture = summary.capture
    return CaptureHeader(path=capture.path, creator=capture.creator, browser=capture.browser, entries=capture.entries)


_BOUND_SIGNS = {"at_least": "≥", "at_most": "≤"}


def _table_cell(row: msgspec.Struct, name: str) -> str:
    """A cell of the terminal table: a duration that is a bound says which; "?" where the evidence cannot tell."""
    value = getattr(row, name)
    if isinstance(row, Stream):
        if name == "duration_ms" and value is not None:
            return _BOUND_SIGNS.get(row.duration_bound or "", "") + _cell(value, short=True)
        if name == "aborted_by_navigation" and value is None:
            return "?"
        if name == "ended_by" and row.queued:
            return f"{value} (queued)"
    if isinstance(row, Connection) and name == "inferred":
        return "guessed" if value else ""
    return _cell(value, short=True)


def _csv_cell(value: object) -> str:
    """A CSV cell: text that a spreadsheet would run as a formula (`=`, `+`, `-`, `@`...) gets a leading `'`;
    numbers stay numbers (`-1`)."""
    text = _cell(value)
    is_text = isinstance(value, str) or (isinstance(value, tuple | list) and any(isinstance(v, str) for v in value))
    return formula_safe(text) if is_text else text


def _cell(value: object, short: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%H:%M:%S.%f")[:-3] if short else value.isoformat()
    if isinstance(value, float):
        return f"{value:.0f}" if short and abs(value) >= 100 else f"{value:g}"
    if isinstance(value, tuple | list):
        if short and len(value) > 6:
            return ",".join(str(v) for v in value[:6]) + f",… ({len(value)})"
        return ",".join(str(v) for v in value)
    return str(value)
