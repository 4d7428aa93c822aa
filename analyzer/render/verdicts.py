"""The `analyze` views for people: a terminal view (rich) and GitHub-flavoured Markdown, both from the v1
report payload, leading with the verdict table (page load x resource x mode), the findings and a compact
text timeline of the Kubernetes reads and watches."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

_MODE_STYLES = {"watch": "green", "poll": "yellow", "watch+poll": "magenta", "once": ""}
_SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_BADGES = {"error": "🔴 error", "warning": "🟡 warning", "info": "🔵 info"}
# The timeline's marks, strongest first where two fall in one cell.
_MARKS = {"watch": ("W", "magenta"), "list": ("l", "blue"), "get": ("g", "cyan")}
_SPAN, _ABORTED, _OPEN, _LOAD = ("━", "magenta"), ("✕", "red"), ("▶", "magenta"), ("│", "dim")
TIMELINE_LANES = 20  # resources shown in the text timeline; more are counted, not drawn
MARKDOWN_ROWS = 50  # verdict rows and findings in Markdown (a pull-request comment holds 65,536 characters)
MARKDOWN_WIDTH = 100


def verdict_rows(payload: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for navigation in payload["navigations"]:
        for resource in navigation["resources"]:
            counts = resource["counts"]
            rows.append({
                "load": f"{navigation['index']} {navigation['trigger']}", "resource": resource["key"],
                "mode": resource["mode"], "every_s": resource["poll_interval_s"],
                "get/list/watch": f"{counts['get']}/{counts['list']}/{counts['watch']}",
                "req/min": resource["requests_per_min"],
            })  # fmt: skip
    return rows


def render_terminal(payload: dict[str, Any], console: Console) -> None:
    """Headline, verdict table, text timeline and findings, fitted to `console.width`."""
    capture = payload["capture"]
    console.print(Text(_headline(payload), style="bold"), overflow="fold")
    writer = " ".join(p for p in (capture["creator"], capture["creator_version"]) if p) or "unknown writer"
    console.print(f"written by {writer}" + (f" ({capture['browser']})" if capture["browser"] else ""), style="dim")
    rows = verdict_rows(payload)
    if rows:
        console.print(_verdict_table(rows, console.width))
    else:
        console.print("no Kubernetes get, list or watch in this capture")
    lines = timeline_lines(payload, console.width)
    if lines:
        console.print()
        for line in lines:
            console.print(line, overflow="crop", no_wrap=True)
        console.print(TIMELINE_LEGEND, style="dim", overflow="fold")
    findings = payload["findings"]
    console.print(f"\n{len(findings)} finding{'' if len(findings) == 1 else 's'}" + (":" if findings else ""))
    if findings:
        console.print(_findings_table(findings))
    for note in payload["notes"]:
        console.print(f"note: {note}", overflow="fold", style="dim")


def _headline(payload: dict[str, Any]) -> str:
    capture = payload["capture"]
    k8s, loads = payload["summary"]["kubernetes_requests"], len(payload["navigations"])
    span = _span_s(payload)
    return (f"{capture['path']}: {capture['entries']} requests, {k8s} to Kubernetes, {loads} page loads"
            + (f", {span:.1f} s" if span else ""))  # fmt: skip


def _verdict_table(rows: list[dict[str, Any]], width: int) -> Table:
    names = ("load", "mode", "every", "g/l/w", "req/min")
    cells = [[r["load"], r["mode"], _num(r["every_s"]), r["get/list/watch"], _num(r["req/min"])] for r in rows]
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
        key = row["resource"] if narrow else _fit_left(row["resource"], room)
        table.add_row(cell[0], Text(cell[1], style=_MODE_STYLES[row["mode"]]), *cell[2:], key)
    return table


def _findings_table(findings: list[dict[str, Any]]) -> Table:
    """Severity in its own column, so that wrapped lines of a finding stay indented under its text."""
    table = Table(box=None, pad_edge=False, show_header=False, expand=True, show_edge=False)
    table.add_column("severity", no_wrap=True, width=7)
    table.add_column("finding", ratio=1, overflow="fold")
    for f in findings:
        where = " · ".join(p for p in (_load(f["navigation"]), f["resource"] or "") if p)
        text = Text()
        text.append(f["id"], style="bold")
        text.append(f"  {f['summary']}\n")
        text.append(f"{where}; requests {_indices(f['evidence'])}\n", style="dim")
        text.append(f"→ {f['recommendation']}")
        table.add_row(Text(f["severity"], style=_SEVERITY_STYLES[f["severity"]]), text)
    return table


def timeline_lines(payload: dict[str, Any], width: int) -> list[Text]:
    """One line per resource: `g` get, `l` list, `W` watch (`━` while open, `✕` aborted, `▶` open at the
    end), `│` page loads; a regular row of `g`s is polling. Empty when nothing was read or watched."""
    span = _span_s(payload) or 0.0
    origin = _moment(payload["capture"]["started"])
    lanes: dict[str, list[dict[str, Any]]] = {}
    for request in payload["requests"]:
        if request["resource"] and request["verb"] in _MARKS:
            lanes.setdefault(request["resource"], []).append(request)
    if not lanes or span <= 0 or origin is None:
        return []
    label = min(max(len(k) for k in lanes), max(width // 4, 12))
    cells = max(width - label - 1, 10)

    def column(seconds: float) -> int:
        return min(cells - 1, max(0, round(seconds / span * (cells - 1))))

    loads = [(n["index"], column(_offset(n["started"], origin))) for n in payload["navigations"] if n["started"]]
    lines = [_axis(label, cells, span), _load_row(label, cells, loads)]
    for key, requests in list(lanes.items())[:TIMELINE_LANES]:
        row: list[tuple[str, str]] = [(" ", "")] * cells
        for _, at in loads:
            row[at] = _LOAD
        for r in sorted(requests, key=lambda r: _MARKS_ORDER[r["verb"]]):
            seconds = _offset(r["started"], origin)
            if r["verb"] == "watch":
                _draw_watch(row, seconds, r, column)
            row[column(seconds)] = _MARKS[r["verb"]]
        line = Text(_fit_left(key, label).ljust(label) + " ")
        for char, style in row:
            line.append(char, style=style)
        lines.append(line)
    if len(lanes) > TIMELINE_LANES:
        lines.append(Text(f"… {len(lanes) - TIMELINE_LANES} more resources (see the verdict table)", style="dim"))
    return lines


TIMELINE_LEGEND = "g get  l list  W watch, ━ while open, ✕ aborted, ▶ open at the end  │ page load"


_MARKS_ORDER = {"get": 2, "list": 1, "watch": 0}  # watches first, so that reads drawn later stay visible


def _draw_watch(
    row: list[tuple[str, str]], seconds: float, request: dict[str, Any], column: Callable[[float], int]
) -> None:
    duration = request["duration_ms"]
    is_open = request["ended_by"] == "open" or duration is None
    end = len(row) - 1 if is_open else column(seconds + duration / 1000.0)
    for at in range(column(seconds) + 1, end + 1):
        row[at] = _SPAN
    if request["ended_by"] == "aborted":
        row[end] = _ABORTED
    elif is_open:
        row[end] = _OPEN


def _axis(label: int, cells: int, span: float) -> Text:
    right = f"{span:.1f} s"
    middle = f"{span / 2:.1f}"
    axis = list("0".ljust(cells))
    position = max(1, cells // 2 - len(middle) // 2)
    axis[position : position + len(middle)] = middle
    axis[cells - len(right) :] = right
    return Text("timeline (s)".ljust(label)[:label] + " " + "".join(axis), style="dim")


def _load_row(label: int, cells: int, loads: list[tuple[int, int]]) -> Text:
    row = [" "] * cells
    for index, at in loads:
        mark = f"▼{index}"
        row[at : at + len(mark)] = mark[: cells - at]
    return Text("page loads".ljust(label)[:label] + " " + "".join(row[:cells]), style="dim")


def render_markdown(payload: dict[str, Any]) -> str:
    """GitHub-flavoured Markdown for a pull-request comment or `$GITHUB_STEP_SUMMARY`; long tables are cut."""
    counts = payload["summary"]["findings"]
    lines = [
        f"## har-analyzer: `{_code(payload['capture']['path'])}`",
        "",
        f"{_md(_headline(payload).split(': ', 1)[1])}; writer: {_md(payload['capture']['creator'] or 'unknown')}.",
        "",
        f"**Findings:** {counts['error']} error, {counts['warning']} warning, {counts['info']} info",
        "",
    ]
    rows = verdict_rows(payload)
    if rows:
        lines += ["| load | resource | mode | every (s) | get/list/watch | req/min |", "|---|---|---|---:|---|---:|"]
        lines += [f"| {r['load']} | `{_code(r['resource'])}` | **{r['mode']}** | {_num(r['every_s'])} | "
                  f"{r['get/list/watch']} | {_num(r['req/min'])} |" for r in rows[:MARKDOWN_ROWS]]  # fmt: skip
        lines += [*_more(len(rows), "verdicts"), ""]
    findings = payload["findings"][:MARKDOWN_ROWS]
    if findings:
        lines += ["| severity | rule | load | resource | summary | requests |", "|---|---|---:|---|---|---|"]
        for f in findings:
            load = "" if f["navigation"] is None else str(f["navigation"])
            resource = f"`{_code(f['resource'])}`" if f["resource"] else ""
            lines.append(f"| {_BADGES[f['severity']]} | `{f['id']}` | {load} | {resource} | {_md(f['summary'])} | "
                         f"{_indices(f['evidence'])} |")  # fmt: skip
        lines += [*_more(len(payload["findings"]), "findings"), "", "<details><summary>Recommendations</summary>", ""]
        lines += [f"- `{f['id']}` (`{_code(f['resource'] or '-')}`): {_md(f['recommendation'])}" for f in findings]
        lines += ["", "</details>", ""]
    timeline = timeline_lines(payload, MARKDOWN_WIDTH)
    if timeline:
        lines += ["<details><summary>Timeline</summary>", "", "```text"]
        lines += [t.plain.replace("`", "'").rstrip() for t in timeline] + [TIMELINE_LEGEND]
        lines += ["```", "", "</details>", ""]
    lines += [f"> {_md(note)}" for note in payload["notes"]]
    return "\n".join(lines).rstrip() + "\n"


def _more(total: int, what: str) -> list[str]:
    return [] if total <= MARKDOWN_ROWS else ["", f"… and {total - MARKDOWN_ROWS} more {what}: see analysis.json"]


def _span_s(payload: dict[str, Any]) -> float | None:
    started, ended = _moment(payload["capture"]["started"]), _moment(payload["capture"]["ended"])
    return None if started is None or ended is None else (ended - started).total_seconds()


def _moment(value: Any) -> datetime | None:
    """A payload time: a datetime, or its ISO text once the payload went through JSON."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _offset(value: Any, origin: datetime) -> float:
    moment = _moment(value)
    return 0.0 if moment is None else (moment - origin).total_seconds()


def _load(navigation: int | None) -> str:
    return "" if navigation is None else f"load {navigation}"


def _fit_left(text: str, width: int) -> str:
    """Cut from the left (the end of a resource key, its name, matters most)."""
    return text if len(text) <= width else "…" + text[-(width - 1) :]


def _num(value: Any) -> str:
    return "" if value is None else f"{value:g}"


def _indices(values: list[int]) -> str:
    shown = ", ".join(f"#{v}" for v in values[:12])
    return shown + (f" … ({len(values)})" if len(values) > 12 else "")


def _code(text: str) -> str:
    """Text for a code span inside a table cell: no backticks, pipes escaped (GFM)."""
    return text.replace("`", "'").replace("|", "\\|").replace("\n", " ")


def _md(text: str) -> str:
    """Escape what Markdown or HTML would interpret in text taken from a capture."""
    for char in ("\\", "|", "`", "*", "_", "[", "]", "<", ">"):
        text = text.replace(char, "\\" + char)
    return text.replace("\n", " ")
