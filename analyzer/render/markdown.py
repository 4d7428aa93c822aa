"""GitHub-flavoured Markdown of an analysis, for a pull-request comment or `$GITHUB_STEP_SUMMARY`."""

from __future__ import annotations

from analyzer.render.timeline import TIMELINE_LEGEND, headline, indices, number, timeline_lines, verdict_rows
from analyzer.summary import Summary

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
        f"**Findings:** {counts['error']} error, {counts['warning']} warning, {counts['info']} info",
        "",
    ]
    rows = verdict_rows(summary)
    if rows:
        lines += ["| load | resource | mode | every (s) | get/list/watch | req/min | sent by |",
                  "|---|---|---|---:|---|---:|---|"]  # fmt: skip
        lines += [f"| {r.load} | `{code(r.resource)}` | **{r.mode}** | {number(r.every_s)} | "
                  f"{r.counts} | {number(r.requests_per_min)} | {_senders(r.initiators)} |"
                  for r in rows[:MARKDOWN_ROWS]]  # fmt: skip
        lines += [*_more(len(rows), "verdicts"), ""]
    findings = summary.findings[:MARKDOWN_ROWS]
    if findings:
        lines += ["| severity | rule | load | resource | summary | requests | sent by |",
                  "|---|---|---:|---|---|---|---|"]  # fmt: skip
        for f in findings:
            load = "" if f.navigation is None else str(f.navigation)
            resource = f"`{code(f.resource)}`" if f.resource else ""
            lines.append(f"| {_BADGES[f.severity]} | `{f.id}` | {load} | {resource} | {text(f.summary)} | "
                         f"{indices(f.evidence)} | {_senders(f.initiators)} |")  # fmt: skip
        lines += [*_more(len(summary.findings), "findings"), "", "<details><summary>Recommendations</summary>", ""]
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


def _more(total: int, what: str) -> list[str]:
    return [] if total <= MARKDOWN_ROWS else ["", f"… and {total - MARKDOWN_ROWS} more {what}: see analysis.json"]


def code(value: str) -> str:
    """Text for a code span inside a table cell: no backticks, pipes escaped (GFM)."""
    return value.replace("`", "'").replace("|", "\\|").replace("\n", " ")


def text(value: str) -> str:
    """Escape what Markdown or HTML would interpret in text taken from a capture."""
    for char in ("\\", "|", "`", "*", "_", "[", "]", "<", ">"):
        value = value.replace(char, "\\" + char)
    return value.replace("\n", " ")
