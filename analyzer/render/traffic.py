"""Render derived traffic facts (navigations, connections, streams) as JSON payloads, CSV rows and terminal
tables. Payloads are plain data; every renderer takes the same `Traffic` and returns text or bytes."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import msgspec
from rich.console import Console
from rich.table import Table

from analyzer.analysis.pipeline import Traffic
from analyzer.render.records import as_record, shown_url


def navigations_payload(traffic: Traffic, *, k8s_only: bool = False, redact: bool = True) -> dict[str, Any]:
    rows = [as_record(n) for n in traffic.navigations]
    for row in rows:
        row["url"] = shown_url(row["url"], redact)
    return {"capture": _capture(traffic), "navigations": rows, "notes": traffic.notes}


def connections_payload(traffic: Traffic, *, k8s_only: bool = False, redact: bool = True) -> dict[str, Any]:
    connections = traffic.connections
    if k8s_only:
        k8s = set(traffic.frame.loc[traffic.frame["k8s"].fillna(False).astype(bool), "index"].astype(int))
        connections = [c for c in connections if k8s.intersection(c.requests)]
    return {
        "capture": _capture(traffic),
        "connections": [as_record(c) for c in connections],
        "reuse": {"by_host": traffic.reuse_by_host, "by_navigation": traffic.reuse_by_navigation},
        "concurrency": traffic.concurrency,
        "saturation": [as_record(s) for s in traffic.saturations],
        "notes": traffic.notes,
    }


def streams_payload(traffic: Traffic, *, k8s_only: bool = False, redact: bool = True) -> dict[str, Any]:
    urls = dict(zip(traffic.frame["index"].astype(int), traffic.frame["url"], strict=True))
    k8s = dict(zip(traffic.frame["index"].astype(int), traffic.frame["k8s"].fillna(False).astype(bool), strict=True))
    rows = []
    for stream in traffic.streams:
        if k8s_only and not k8s.get(stream.index):
            continue
        row = as_record(stream)
        row["url"] = shown_url(urls.get(stream.index), redact)
        rows.append(row)
    return {
        "capture": _capture(traffic),
        "streams": rows,
        "latency": traffic.latency,
        "latency_note": "latency figures leave the long-lived requests (streams) out",
        "notes": traffic.notes,
    }


PAYLOADS: dict[str, Callable[..., dict[str, Any]]] = {
    "navigations": navigations_payload,
    "connections": connections_payload,
    "streams": streams_payload,
}
MAIN_LIST = {"navigations": "navigations", "connections": "connections", "streams": "streams"}


def render_json(payload: dict[str, Any]) -> bytes:
    return msgspec.json.format(msgspec.json.encode(payload), indent=2) + b"\n"


def render_csv(rows: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    if not rows:
        return ""
    writer = csv.DictWriter(buffer, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: _cell(v) for k, v in row.items()})
    return buffer.getvalue()


def render_table(what: str, payload: dict[str, Any], console: Console) -> None:
    """A terminal table of the main list, then the secondary facts and the notes."""
    rows = payload[MAIN_LIST[what]]
    columns = _TABLE_COLUMNS[what]
    view = Table(box=None, pad_edge=False, header_style="bold", expand=True)
    cells = [[_cell(row.get(name), short=True) for name in columns] for row in rows]
    for position, name in enumerate(columns):
        label = _LABELS.get(name, name)
        if name == "url":
            view.add_column(label, no_wrap=True, overflow="ellipsis", ratio=1)
            continue
        width = max([len(label), *(len(c[position]) for c in cells)])
        view.add_column(label, no_wrap=True, min_width=min(width, 40), max_width=40, overflow="ellipsis")
    for row_cells in cells:
        view.add_row(*row_cells)
    console.print(view)
    console.print(f"{len(rows)} {what}")
    if what == "connections":
        _print_secondary(console, "reuse by host", payload["reuse"]["by_host"])
        _print_secondary(console, "reuse by navigation", payload["reuse"]["by_navigation"])
        _print_secondary(console, "concurrency", payload["concurrency"])
        _print_secondary(console, "HTTP/1.x saturation", payload["saturation"])
    if what == "streams":
        _print_secondary(console, "latency (long-lived requests left out)", payload["latency"])
    for note in payload.get("notes", []):
        console.print(f"note: {note}")


_TABLE_COLUMNS = {
    "navigations": ("index", "started", "trigger", "requests", "document", "page_ref", "url"),
    "connections": ("id", "host", "protocol", "navigation", "reused_by", "requests", "long_lived", "inferred"),
    "streams": ("index", "kind", "transport", "navigation", "ended_by", "aborted_by_navigation", "duration_ms",
                "timeout_seconds", "connection", "url"),
}  # fmt: skip


_LABELS = {
    "aborted_by_navigation": "nav-abort", "duration_ms": "ms", "timeout_seconds": "timeout", "transport": "via",
    "navigation": "load", "reused_by": "reused-by", "long_lived": "streams", "page_ref": "page", "requests": "reqs",
    "document": "doc", "inferred": "inferred", "protocol": "proto", "ended_by": "ended",
    "requests_per_connection": "req/conn", "reused_share": "reused", "new_connections": "new", "handshake_ms":
    "handshake", "connections": "conns", "max_open_requests": "max-req", "max_open_connections": "max-conn",
    "connections_at": "conn-at", "wait_p50_ms": "wait50", "wait_p95_ms": "wait95", "time_p50_ms": "time50",
    "time_p95_ms": "time95", "open_streams": "open", "protocols": "protos",
}  # fmt: skip


def _print_secondary(console: Console, title: str, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    console.print(f"\n[bold]{title}[/bold]" if console.color_system else f"\n{title}")
    view = Table(box=None, pad_edge=False, header_style="bold")
    for name in rows[0]:
        view.add_column(_LABELS.get(name, name), no_wrap=True, overflow="ellipsis")
    for row in rows:
        view.add_row(*(_cell(v, short=True) for v in row.values()))
    console.print(view)


def _capture(traffic: Traffic) -> dict[str, Any]:
    capture = traffic.capture
    return {"path": capture.name, "creator": capture.creator, "browser": capture.browser, "entries": len(capture)}


def _cell(value: Any, short: bool = False) -> str:
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
