"""The `analyze` views for people: a terminal view (rich) and GitHub-flavoured Markdown, both from the v1
report payload, leading with the verdict table (page load x resource x mode) and the findings."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

_MODE_STYLES = {"watch": "green", "poll": "yellow", "watch+poll": "magenta", "once": ""}
_SEVERITY_STYLES = {"error": "bold red", "warning": "yellow", "info": "cyan"}
_BADGES = {"error": "🔴 error", "warning": "🟡 warning", "info": "🔵 info"}


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
    capture = payload["capture"]
    k8s, loads = payload["summary"]["kubernetes_requests"], len(payload["navigations"])
    writer = capture["creator"] or "unknown writer"
    console.print(f"{capture['path']}: {capture['entries']} requests, {k8s} to Kubernetes, {loads} page loads")
    console.print(f"written by {writer}", style="dim")
    table = Table(box=None, pad_edge=False, header_style="bold", expand=True, title_justify="left")
    for name in ("load", "mode", "every_s", "get/list/watch", "req/min", "resource"):
        table.add_column(name, no_wrap=True, overflow="ellipsis", ratio=1 if name == "resource" else None)
    for row in verdict_rows(payload):
        table.add_row(row["load"], Text(row["mode"], style=_MODE_STYLES[row["mode"]]), _num(row["every_s"]),
                      row["get/list/watch"], _num(row["req/min"]), row["resource"])  # fmt: skip
    console.print(table if table.row_count else "no Kubernetes get, list or watch in this capture")
    findings = payload["findings"]
    console.print(f"\n{len(findings)} findings" + (":" if findings else ""))
    for finding in findings:
        where = " ".join(p for p in (f"load {finding['navigation']}" if finding["navigation"] is not None else "",
                                     finding["resource"] or "") if p)  # fmt: skip
        line = Text()
        line.append(f"{finding['severity']:<7} ", style=_SEVERITY_STYLES[finding["severity"]])
        line.append(f"{finding['id']}  {finding['summary']}")
        console.print(line)
        console.print(f"        {where}; requests {_indices(finding['evidence'])}", style="dim", overflow="ellipsis")
        console.print(f"        → {finding['recommendation']}", overflow="fold")
    for note in payload["notes"]:
        console.print(f"note: {note}", overflow="fold")


def render_markdown(payload: dict[str, Any]) -> str:
    capture = payload["capture"]
    lines = [
        f"## har-analyzer: `{_code(capture['path'])}`",
        "",
        f"{capture['entries']} requests, {payload['summary']['kubernetes_requests']} to Kubernetes, "
        f"{len(payload['navigations'])} page loads; writer: {_md(capture['creator'] or 'unknown')}.",
        "",
    ]
    counts = payload["summary"]["findings"]
    lines.append(f"**Findings:** {counts['error']} error, {counts['warning']} warning, {counts['info']} info")
    lines.append("")
    rows = verdict_rows(payload)
    if rows:
        lines += ["| load | resource | mode | every (s) | get/list/watch | req/min |", "|---|---|---|---:|---|---:|"]
        lines += [f"| {r['load']} | `{_code(r['resource'])}` | **{r['mode']}** | {_num(r['every_s'])} | "
                  f"{r['get/list/watch']} | {_num(r['req/min'])} |" for r in rows]  # fmt: skip
        lines.append("")
    if payload["findings"]:
        lines += ["| severity | rule | load | resource | summary | requests |", "|---|---|---:|---|---|---|"]
        for f in payload["findings"]:
            load = "" if f["navigation"] is None else str(f["navigation"])
            resource = f"`{_code(f['resource'])}`" if f["resource"] else ""
            lines.append(f"| {_BADGES[f['severity']]} | `{f['id']}` | {load} | {resource} | {_md(f['summary'])} | "
                         f"{_indices(f['evidence'])} |")  # fmt: skip
        lines.append("")
        lines.append("<details><summary>Recommendations</summary>\n")
        lines += [
            f"- `{f['id']}` (`{_code(f['resource'] or '-')}`): {_md(f['recommendation'])}" for f in payload["findings"]
        ]
        lines.append("\n</details>\n")
    lines += [f"> {_md(note)}" for note in payload["notes"]]
    return "\n".join(lines).rstrip() + "\n"


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
