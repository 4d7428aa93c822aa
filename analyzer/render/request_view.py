"""The terminal views of the request table (`requests`) and of classification results (`classify`), and the
target each request is named by there and in the HTML page (`target`): its resource key, else its path or URL."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa
from rich.console import Console, JustifyMethod
from rich.table import Table
from rich.text import Text

from analyzer.model import RequestInfo
from analyzer.render.text_safety import cut_text, safe_optional
from analyzer.render.timeline import fit_key, fit_left, is_bounded
from analyzer.settings import DEFAULT_MAX_TEXT_LENGTH
from analyzer.wording import plural

_VERB_STYLES = {"get": "cyan", "list": "blue", "watch": "magenta", "proxy": "yellow"}
MAX_ROWS = 2000


def render_requests(table: pa.Table, console: Console, *, max_text: int = DEFAULT_MAX_TEXT_LENGTH) -> None:
    """index, start offset, method, status, protocol, verb, time, and the target (Kubernetes key or URL), each
    cut to `max_text` characters (`cut_text`; the table is redacted already)."""
    origin = _origin(table)
    shown = table.slice(0, MAX_ROWS).to_pylist()
    cells = [_request_cells(row, origin, max_text) for row in shown]
    bounded = is_bounded(console)
    view = Table(box=None, pad_edge=False, header_style="bold", expand=bounded)
    headers = ("#", "+s", "method", "status", "proto", "verb", "ms", "target")
    if bounded:  # the target gets what the other columns leave, cut where it matters least
        used = sum(max([len(name), *(len(str(c[i])) for c in cells)]) for i, name in enumerate(headers[:-1]))
        room = max(console.width - used - 2 * (len(headers) - 1), 12)
        cells = [(*c[:-1], _fit_target(row, c[-1], room)) for row, c in zip(shown, cells, strict=True)]
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
    console.print(plural(table.num_rows, "request"))


def _request_cells(row: Mapping[str, Any], origin: datetime | None, max_text: int) -> tuple[str, ...]:
    def shown(value: str | None) -> str:
        return safe_optional(None if value is None else cut_text(value, max_text))

    return (
        str(row["index"]),
        _offset(row["started"], origin),
        shown(row["method"]),
        "" if row["status"] is None else str(row["status"]),
        shown(row["http_version"]).removeprefix("HTTP/"),
        shown(row["verb"]),
        "" if row["time_ms"] is None else f"{row['time_ms']:.0f}",
        shown(target(row)),
    )


def target(row: Mapping[str, Any]) -> str:
    """A Kubernetes request as its resource key (`cluster/group/version/namespace/resource[/name]`) plus the
    parameters that matter; anything else as host and path."""
    if not row.get("k8s"):
        return f"{row.get('host') or ''}{row.get('path') or row.get('url') or ''}"
    return versioned_target(row)(row.get(_VERSION))


def versioned_target(row: Mapping[str, Any]) -> Callable[[object], str]:
    """`target` of a Kubernetes request, as a function of its resource version: the rest of the row is read
    once (the HTML page names thousands of watches of a few resources, each with its own version)."""
    if not row.get("is_resource_request"):
        text = f"{row.get('cluster') or '-'} {row.get('path')}"
        return lambda _version: text
    key = "/".join(
        str(part)
        for part in (row.get("cluster") or "-", row.get("group") or "core", row.get("version"),
                     row.get("namespace") or "-", row.get("resource"), row.get("name"), row.get("subresource"))
        if part
    )  # fmt: skip
    others = [f"{label}={row[field]}" for field, label in _OTHER_PARAMETERS if row.get(field) is not None]

    def with_version(version: object) -> str:
        return " ".join([key, *([] if version is None else [f"{_VERSION_LABEL}={version}"]), *others])

    return with_version


def _fit_target(row: Mapping[str, Any], text: str, width: int) -> str:
    """A target cut to `width`: a resource key keeps its cluster, resource and name (its parameters go first),
    anything else keeps the end of its path."""
    if len(text) <= width:
        return text
    if row.get("k8s") and row.get("is_resource_request"):
        key = text.split(" ", 1)[0]
        return fit_key(key, width) if len(key) >= width - 1 else text[: width - 1] + "…"
    return fit_left(text, width)


# The parameters a resource's target shows, in order: its resource version first, then these.
_VERSION, _VERSION_LABEL = "resource_version", "rv"
_OTHER_PARAMETERS = (("timeout_seconds", "timeout"), ("label_selector", "labels"), ("limit", "limit"))
# Every column `target` reads.
TARGET_COLUMNS = ("k8s", "host", "path", "url", "is_resource_request", "cluster", "group", "version", "namespace",
                  "resource", "name", "subresource", _VERSION, *(field for field, _ in _OTHER_PARAMETERS))  # fmt: skip


def render_classification(
    infos: Sequence[RequestInfo], console: Console, *, max_text: int = DEFAULT_MAX_TEXT_LENGTH
) -> None:
    """What the classifier made of each request, every cell cut to `max_text` characters."""

    def shown(value: str | None) -> str:
        return safe_optional(None if value is None else cut_text(value, max_text))

    view = Table(box=None, pad_edge=False, header_style="bold")
    for name in ("verb", "console", "cluster", "group", "version", "namespace", "resource", "sub", "name", "url"):
        view.add_column(name, overflow="fold" if name == "url" else "ellipsis")
    for info in infos:
        verb = info.verb if info.k8s else "-"
        cells = (
            info.console,
            info.cluster,
            info.group or ("core" if info.k8s and info.api_prefix == "api" else ""),
            info.version,
            info.namespace,
            info.resource,
            info.subresource,
            info.name,
            f"{info.method} {info.url}",
        )
        view.add_row(Text(shown(verb), style=_VERB_STYLES.get(verb or "", "")), *map(shown, cells))
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
