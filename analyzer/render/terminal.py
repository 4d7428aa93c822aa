"""Terminal views (rich): the request table and classification results, fitted to the terminal width."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime

import pyarrow as pa
from rich.console import Console
from rich.table import Table
from rich.text import Text

from analyzer.model import RequestInfo

_VERB_STYLES = {"get": "cyan", "list": "blue", "watch": "magenta", "proxy": "yellow"}
MAX_ROWS = 2000


def make_console(out: io.StringIO | None = None, *, color: bool = False, width: int | None = None) -> Console:
    return Console(file=out, color_system="standard" if color else None, width=width, highlight=False, soft_wrap=False)


def render_requests(table: pa.Table, console: Console) -> None:
    """index, start offset, method, status, protocol, verb, Kubernetes object, time, URL — one row each."""
    view = Table(box=None, pad_edge=False, header_style="bold")
    for name, justify in (("#", "right"), ("+s", "right"), ("method", "left"), ("status", "right"),
                          ("proto", "left"), ("verb", "left"), ("ms", "right"), ("url", "left")):  # fmt: skip
        view.add_column(name, justify=justify, overflow="fold" if name == "url" else "ellipsis", no_wrap=name != "url")
    rows = table.slice(0, MAX_ROWS).to_pylist()
    origin = _origin(table)
    for row in rows:
        verb = row["verb"] or ""
        view.add_row(
            str(row["index"]),
            _offset(row["started"], origin),
            row["method"] or "",
            "" if row["status"] is None else str(row["status"]),
            (row["http_version"] or "").removeprefix("HTTP/"),
            Text(verb, style=_VERB_STYLES.get(verb, "")),
            "" if row["time_ms"] is None else f"{row['time_ms']:.0f}",
            row["url"] or "",
        )
    console.print(view)
    if table.num_rows > MAX_ROWS:
        console.print(f"... {table.num_rows - MAX_ROWS} more rows: use --format csv, jsonl or parquet for all")
    console.print(f"{table.num_rows} requests")


def render_classification(infos: Sequence[RequestInfo], console: Console) -> None:
    view = Table(box=None, pad_edge=False, header_style="bold")
    for name in ("verb", "console", "cluster", "group", "version", "namespace", "resource", "sub", "name", "url"):
        view.add_column(name, overflow="fold" if name == "url" else "ellipsis")
    for info in infos:
        verb = info.verb if info.k8s else "-"
        view.add_row(
            Text(verb or "", style=_VERB_STYLES.get(verb or "", "")),
            info.console or "",
            info.cluster or "",
            info.group or ("core" if info.k8s and info.api_prefix == "api" else ""),
            info.version or "",
            info.namespace or "",
            info.resource or "",
            info.subresource or "",
            info.name or "",
            f"{info.method} {info.url}",
        )
    console.print(view)


def _origin(table: pa.Table) -> datetime | None:
    if table.num_rows == 0:
        return None
    import pyarrow.compute as pc

    value = pc.min(table.column("started")).as_py()
    return value if isinstance(value, datetime) else None


def _offset(started: datetime | None, origin: datetime | None) -> str:
    if started is None or origin is None:
        return ""
    return f"{(started - origin).total_seconds():.3f}"
