"""Terminal views (rich), fitted to the terminal width: the analysis (verdicts, timeline, findings), the request
table and classification results."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import pyarrow as pa
from rich.console import Console, JustifyMethod
from rich.table import Table
from rich.text import Text

from analyzer.model import RequestInfo
from analyzer.render.timeline import (
    TIMELINE_LEGEND,
    VerdictRow,
    fit_left,
    headline,
    indices,
    number,
    sent_by,
    timeline_lines,
    verdict_rows,
    where,
    writer,
)
from analyzer.summary import Finding, Summary

_VERB_STYLES = {"get": "cyan", "list": "blue", "watch": "magenta", "proxy": "yellow"}
_MODE_STYLES = {"watch": "green", "poll": "yellow", "watch+poll": "magenta", "once": ""}
_SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}
MAX_ROWS = 2000


def make_console(out: io.StringIO | None = None, *, color: bool = False, width: int | None = None) -> Console:
    return Console(file=out, color_system="standard" if color else None, width=width, highlight=False, soft_wrap=False)


def render_analysis(summary: Summary, console: Console) -> None:
    """Headline, verdict table, text timeline and findings."""
    browser = summary.capture.browser
    console.print(Text(headline(summary), style="bold"), overflow="fold")
    console.print(f"written by {writer(summary)}" + (f" ({browser})" if browser else ""), style="dim")
    rows = verdict_rows(summary)
    if rows:
        console.print(_verdict_table(rows, console.width))
        _print_senders(console, rows)
    else:
        console.print("no Kubernetes get, list or watch in this capture")
    lines = timeline_lines(summary, console.width)
    if lines:
        console.print()
        for line in lines:
            console.print(line, overflow="crop", no_wrap=True)
        console.print(TIMELINE_LEGEND, style="dim", overflow="fold")
    findings = summary.findings
    console.print(f"\n{len(findings)} finding{'' if len(findings) == 1 else 's'}" + (":" if findings else ""))
    if findings:
        console.print(_findings_table(findings))
    for note in summary.notes:
        console.print(f"note: {note}", overflow="fold", style="dim")


def _verdict_table(rows: Sequence[VerdictRow], width: int) -> Table:
    names = ("load", "mode", "every", "g/l/w", "req/min")
    cells = [[r.load, r.mode, number(r.every_s), r.counts, number(r.requests_per_min)] for r in rows]
    widths = [max(len(n), *(len(c[i]) for c in cells)) for i, n in enumerate(names)]
    room = max(width - sum(widths) - 2 * len(names), 12)
    table = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    for name, size in zip(names, widths, strict=True):
        table.add_column(
            name, no_wrap=True, min_width=size, justify="right" if name in ("every", "req/min") else "left"
        )
    narrow = room < 24  # too narrow to cut keys to their ends: wrap them instead
    table.add_column("resource", no_wrap=not narrow, overflow="fold", max_width=None if narrow else room)
    for row, cell in zip(rows, cells, strict=True):
        key = row.resource if narrow else fit_left(row.resource, room)
        table.add_row(cell[0], Text(cell[1], style=_MODE_STYLES[row.mode]), *cell[2:], key)
    return table


def _print_senders(console: Console, rows: Sequence[VerdictRow]) -> None:
    """Who sent the requests of each verdict that polls: the code to look at."""
    polling = [r for r in rows if r.initiators and r.mode in ("poll", "watch+poll")]
    if polling:
        console.print("\nwho polls:")
    for row in polling:
        line = Text(f"  load {row.load.split()[0]} ")
        line.append(row.mode, style=_MODE_STYLES[row.mode])
        line.append(f" {fit_left(row.resource, max(24, console.width // 2))}: {sent_by(row.initiators)}")
        console.print(line, overflow="fold")


def _findings_table(findings: Sequence[Finding]) -> Table:
    """Severity in its own column, so that wrapped lines of a finding stay indented under its text."""
    table = Table(box=None, pad_edge=False, show_header=False, expand=True, show_edge=False)
    table.add_column("severity", no_wrap=True, width=7)
    table.add_column("finding", ratio=1, overflow="fold")
    for f in findings:
        text = Text()
        text.append(f.id, style="bold")
        text.append(f"  {f.summary}\n")
        sender = f"; sent by {sent_by(f.initiators)}" if f.initiators else ""
        text.append(f"{where(f.navigation, f.resource)}; requests {indices(f.evidence)}{sender}\n", style="dim")
        text.append(f"→ {f.recommendation}")
        table.add_row(Text(f.severity, style=_SEVERITY_STYLES[f.severity]), text)
    return table


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


def _request_cells(row: Mapping[str, Any], origin: datetime | None) -> tuple[str, ...]:
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


def target(row: Mapping[str, Any]) -> str:
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
