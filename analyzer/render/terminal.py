"""Terminal views (rich): the request table and classification results, fitted to the terminal width."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa
from rich.console import Console, JustifyMethod
from rich.table import Table
from rich.text import Text

from analyzer.model import RequestInfo

_VERB_STYLES = {"get": "cyan", "list": "blue", "watch": "magenta", "proxy": "yellow"}
MAX_ROWS = 2000


def make_console(out: io.StringIO | None = None, *, color: bool = False, width: int | None = None) -> Console:
    return Console(file=out, color_system="standard" if color else None, width=width, highlight=False, soft_wrap=False)


def render_requests(table: pa.Table, console: Console) -> None:
    """index, start offset, method, status, protocol, verb, time, and the target (Kubernetes key or URL)."""
    origin = _origin(table)
    cells = [_request_cells(row, origin) for row in table.slice(0, MAX_ROWS).to_pylist()]
    view = Table(box=None, pad_edge=False, header_style="bold", expand=True)
    headers = ("#", "+s", "method", "status", "proto", "verb", "ms", "target")
    for position, name in enumerate(headers):
        if name == "target":
            view.add_column(name, overflow="ellipsis", no_wrap=True, ratio=1)
            continue
        width = max([len(name), *(len(str(c[position])) for c in cells)])
        justify: JustifyMethod = "right" if name in ("#", "+s", "status", "ms") else "left"
        view.add_column(name, justify=justify, no_wrap=True, min_width=width, max_width=width)
    for row in cells:
        verb = str(row[5])
        view.add_row(*row[:5], Text(verb, style=_VERB_STYLES.get(verb, "")), *row[6:])
    console.print(view)
    if table.num_rows > MAX_ROWS:
        console.print(f"... {table.num_rows - MAX_ROWS} more rows: use --format csv, jsonl or parquet for all")
    console.print(f"{table.num_rows} requests")


def _request_cells(row: dict[str, Any], origin: datetime | None) -> tuple[str, ...]:
    return (
        str(row["index"]),
        _offset(row["started"], origin),
        row["method"] or "",
        "" if row["status"] is None else str(row["status"]),
        (row["http_version"] or "").removeprefix("HTTP/"),
        row["verb"] or "",
        "" if row["time_ms"] is None else f"{row['time_ms']:.0f}",
        target(row),
    )


def target(row: dict[str, Any]) -> str:
    """A Kubernetes request as its resource key (`cluster/group/version/namespace/resource[/name]`) plus the
    parameters that matter; anything else as host and path."""
    if not row.get("k8s"):
        return f"{row.get('host') or ''}{row.get('path') or row.get('url') or ''}"
    if not row.get("is_resource_request"):
        return f"{row.get('cluster') or '-'} {row.get('path')}"
    key = "/".join(
        str(part)
        for part in (row.get("cluster") or "-", row.get("group") or "core", row.get("version"),
                     row.get("namespace") or "-", row.get("resource"), row.get("name"), row.get("subresource"))
        if part
    )  # fmt: skip
    extras = [f"{label}={row[field]}" for field, label in _TARGET_PARAMETERS if row.get(field) is not None]
    return " ".join([key, *extras])


_TARGET_PARAMETERS = (("resource_version", "rv"), ("timeout_seconds", "timeout"), ("label_selector", "labels"),
                      ("limit", "limit"))  # fmt: skip


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
