"""GitHub-flavoured Markdown of an analysis, for a pull-request comment or `$GITHUB_STEP_SUMMARY`."""

from __future__ import annotations

from analyzer.render.projection import WHOLE_LOAD, optional_cell, projection_rows, projection_title, rate_cell
from analyzer.render.text_safety import safe_text
from analyzer.render.timeline import TIMELINE_LEGEND, headline, indices, seconds, timeline_lines, verdict_rows
from analyzer.summary import Summary
from analyzer.wording import plural

_BADGES = {"error": "🔴 error", "warning": "🟡 warning", "info": "🔵 info"}
MARKDOWN_ROWS = 50  # verdict rows and findings in Markdown (a pull-request comment holds 65,536 characters)
MARKDOWN_WIDTH = 100


def render_analysis_markdown(summary: Summary) -> str:
    """The headline, verdicts, findings with recommendations, and the timeline; long tables are cut."""
    counts = summary.summary.findings
    lines = [
        f"## har-analyzer: `{code(summary.capture.path)}`",
        "",
        f"{text(headline(summary).split(': ', 1)[1])}; writer: {text(summary.capture.creator or 'unknown')}.",
        "",
        f"**Findings:** {plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
        f"{counts['info']} info",
        "",
    ]
    rows = verdict_rows(summary)
    if rows:
        lines += ["| load | resource | mode | every (s) | get/list/watch | req/min | sent by |",
                  "|---|---|---|---:|---|---:|---|"]  # fmt: skip
        lines += [f"| {r.load} | `{code(r.resource)}` | **{r.mode}** | {seconds(r.every_s)} | "
                  f"{r.counts} | {r.rate} | {_senders(r.initiators)} |"
                  for r in rows[:MARKDOWN_ROWS]]  # fmt: skip
        lines += [*_more(len(rows), "verdict"), ""]
    lines += _projection(summary)
    findings = summary.findings[:MARKDOWN_ROWS]
    if findings:
        lines += ["| severity | rule | load | resource | summary | requests | sent by |",
                  "|---|---|---:|---|---|---|---|"]  # fmt: skip
        for f in findings:
            load = "" if f.navigation is None else str(f.navigation)
            resource = f"`{code(f.resource)}`" if f.resource else ""
            lines.append(f"| {_BADGES[f.severity]} | `{f.id}` | {load} | {resource} | {text(f.summary)} | "
                         f"{indices(f.evidence)} | {_senders(f.initiators)} |")  # fmt: skip
        lines += [*_more(len(summary.findings), "finding"), "", "<details><summary>Recommendations</summary>", ""]
        lines += [f"- `{f.id}` (`{code(f.resource or '-')}`): {text(f.recommendation)}" for f in findings]
        lines += ["", "</details>", ""]
    timeline = timeline_lines(summary, MARKDOWN_WIDTH)
    if timeline:
        lines += ["<details><summary>Timeline</summary>", "", "```text"]
        lines += [t.plain.replace("`", "'").rstrip() for t in timeline] + [TIMELINE_LEGEND]
        lines += ["```", "", "</details>", ""]
    lines += [f"> {text(note)}" for note in summary.notes]
    return "\n".join(lines).rstrip() + "\n"


def _senders(initiators: tuple[str, ...]) -> str:
    return "<br>".join(f"`{code(i)}`" for i in initiators)


def _projection(summary: Summary) -> list[str]:
    """With `--users N`: per page load and resource, requests a minute and open watches, watch against poll."""
    title, rows = projection_title(summary), projection_rows(summary)
    if title is None or not rows:
        return []
    lines = [f"**{text(title[0].upper() + title[1:])}:**", "",
             "| load | resource | mode | API req/min | polling req/min | req/min if watched | open watches | "
             "open watches if watched |", "|---|---|---|---:|---:|---:|---:|---:|"]  # fmt: skip
    for r in rows[:MARKDOWN_ROWS]:
        resource = f"*{text(WHOLE_LOAD)}*" if r.mode is None else f"`{code(r.resource)}`"
        mode = f"**{r.mode}**" if r.mode else ""
        figures = [rate_cell(r.requests_per_min), optional_cell(r.polling_per_min), optional_cell(r.if_watched_per_min),
                   str(r.watches), optional_cell(r.watches_if_watched)]  # fmt: skip
        lines.append(f"| {r.load} | {resource} | {mode} | {' | '.join(figures)} |")
    return [*lines, *_more(len(rows), "projected row"), ""]


def _more(total: int, what: str) -> list[str]:
    if total <= MARKDOWN_ROWS:
        return []
    return ["", f"… and {plural(total - MARKDOWN_ROWS, 'more ' + what)}: see analysis.json"]


def code(value: str) -> str:
    """Text for a code span inside a table cell: no backticks, pipes escaped (GFM), control characters shown
    escaped (`safe_text` first: its doubled backslashes must not touch the `\\|` of the table)."""
    return safe_text(value.replace("\n", " ")).replace("`", "'").replace("|", "\\|")


def text(value: str) -> str:
    """Escape what Markdown or HTML would interpret in text taken from a capture; control characters are shown
    escaped (`\\x1b`, which Markdown leaves as it is; a backslash of the capture shows as `\\\\`)."""
    value = safe_text(value.replace("\n", " "))
    for char in ("\\", "|", "`", "*", "_", "[", "]", "<", ">"):
        value = value.replace(char, "\\" + char)
    return value
