"""The self-contained HTML report: one file that opens from disk with no network, Plotly's JS inlined.

Everything taken from the capture is escaped: the static parts with `html.escape`, the data for the timeline
and the table as JSON in a `<script type="application/json">` block with `<`, `>` and `&` written as
`\\u003c`-style escapes, and the page's script writes it with `textContent` only. A Content-Security-Policy
allows only the page's own scripts (by hash) and no connection at all, so even a mistake in escaping would
run nothing and fetch nothing.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import importlib.util
from collections import Counter
from collections.abc import Sequence
from datetime import datetime
from html import escape
from importlib import resources
from pathlib import Path
from string import Template

import msgspec

from analyzer.render.page_data import PageData
from analyzer.render.projection import WHOLE_LOAD, optional_cell, projection_rows, projection_title, rate_cell
from analyzer.render.text_safety import safe_text
from analyzer.render.timeline import seconds, verdict_rows, where
from analyzer.summary import SEVERITIES, Connection, Summary
from analyzer.wording import plural

EVIDENCE_LINKS = 24  # per finding; "show its N requests" selects them all


@functools.cache
def plotly_js() -> str:
    """plotly.min.js as shipped in the `plotly` package (read without importing plotly's Python side)."""
    spec = importlib.util.find_spec("plotly")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the plotly package is not installed (pip install plotly)")
    return (Path(spec.submodule_search_locations[0]) / "package_data" / "plotly.min.js").read_text(encoding="utf-8")


def asset(name: str) -> str:
    """A file of `analyzer/render/assets/` (the pages' templates, style sheet and scripts)."""
    return resources.files("analyzer.render").joinpath(f"assets/{name}").read_text(encoding="utf-8")


def render_html(summary: Summary, page: PageData) -> str:
    """The report page for a summary and its page data (`analyzer.render.page.page_data`), both redacted and
    cut (`text_safety.cut_strings`): the page shows, and embeds, only what they hold."""
    scripts = [plotly_js(), asset("report.js")]
    data = script_json(page)
    return Template(asset("report.html")).substitute(
        title=escape(f"{Path(summary.capture.path).name} · har-analyzer report"),
        # the policy holds no double quote; its single quotes stay readable
        csp=escape(content_security_policy(scripts), quote=False),
        style=asset("report.css"),
        header=_header(summary),
        facts=_facts(summary, page),
        verdicts=_verdicts(summary),
        projection=_projection(summary),
        findings=_findings(summary),
        notes=_notes(summary, page),
        data=data,
        plotly=scripts[0],
        script=scripts[1],
    )


def script_json(value: object) -> str:
    """`value` as JSON for a `<script type="application/json">` block: `&`, `<` and `>` as `\\u0026`-style
    escapes, so that no text in it can close the block."""
    data = msgspec.json.encode(value)
    for char, code in ((b"&", b"\\u0026"), (b"<", b"\\u003c"), (b">", b"\\u003e")):
        data = data.replace(char, code)
    return data.decode("utf-8")


def content_security_policy(scripts: list[str]) -> str:
    """The page's policy: its own `scripts` (by hash) and nothing else (module doc)."""
    hashes = " ".join(
        f"'sha256-{base64.b64encode(hashlib.sha256(s.encode('utf-8')).digest()).decode()}'" for s in scripts
    )
    # Plotly sets inline styles and adds <style> elements, hence 'unsafe-inline' for styles only.
    return (f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data: blob:; "
            "font-src 'none'; connect-src 'none'; base-uri 'none'; form-action 'none'")  # fmt: skip


def _header(summary: Summary) -> str:
    path = summary.capture.path
    counts = summary.summary.findings
    badges = (
        " ".join(f'<span class="badge {s}">{counts[s]} {s}</span>' for s in SEVERITIES if counts.get(s))
        or '<span class="badge ok">no findings</span>'
    )
    return (f"<h1>{escape(Path(path).name)}</h1>"
            f'<p class="sub">har-analyzer {escape(summary.generator.version)} report of '
            f"<code>{escape(path)}</code> {badges}</p>")  # fmt: skip


def _facts(summary: Summary, page: PageData) -> str:
    capture, totals = summary.capture, summary.summary
    loads = Counter[str](n.trigger for n in summary.navigations)
    protocols = Counter(c.protocol or "unknown" for c in summary.connections)
    streams = summary.streams
    ended = Counter[str](s.ended_by for s in streams)
    verbs = ", ".join(f"{n} {v}" for v, n in totals.verbs.items())
    facts = [
        ("writer", " ".join(p for p in (capture.creator, capture.creator_version) if p) or "unknown"),
        ("browser", capture.browser or "unknown"),
        ("page title", " | ".join(page.titles) or "none recorded"),
        ("started", _time(capture.started)),
        ("span", f"{page.end_s:.1f} s"),
        ("requests", f"{totals.requests} ({totals.kubernetes_requests} to Kubernetes: {verbs or 'none'})"),
        ("page loads", f"{len(summary.navigations)} ({_counts(loads)})"),
        ("connections", _connections_fact(summary.connections, protocols)),
        ("long-lived", f"{len(streams)}" + (f" ({_counts(ended)})" if streams else "")),
    ]
    if capture.truncated:
        facts.append(("truncated", "yes: the file ends mid-entry; the entries before the cut are shown"))
    facts += [("warning", w) for w in capture.warnings]
    return "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in facts)


def _connections_fact(connections: Sequence[Connection], protocols: Counter[str]) -> str:
    text = f"{len(connections)} ({_counts(protocols)})"
    guessed = sum(c.inferred for c in connections)
    if guessed:
        text += ", all guessed" if guessed == len(connections) else f", {guessed} guessed"
        text += ": the writer records no connection ids"
    return text


def _verdicts(summary: Summary) -> str:
    rows = verdict_rows(summary)
    if not rows:
        return '<p class="empty">No Kubernetes get, list or watch in this capture.</p>'
    names = ("load", "resource", "mode", "every (s)", "get/list/watch", "req/min", "sent by")
    head = "".join(f"<th>{h}</th>" for h in names)
    body = "".join(
        f'<tr><td>{escape(r.load)}</td><td class="key">{escape(safe_text(r.resource))}</td>'
        f'<td><span class="mode {escape(r.mode.replace("+", "-"))}">{escape(r.mode)}</span></td>'
        f'<td class="num">{escape(seconds(r.every_s))}</td><td class="num">{escape(r.counts)}</td>'
        f'<td class="num">{escape(r.rate)}</td><td class="sender">{_senders(r.initiators)}</td></tr>'
        for r in rows
    )
    return f'<table class="verdicts"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def _projection(summary: Summary) -> str:
    """With `--users N`: per page load and resource, requests a minute and open watches, watch against poll."""
    title, rows = projection_title(summary), projection_rows(summary)
    if title is None or not rows:
        return ""
    names = ("load", "resource", "mode", "API req/min", "polling req/min", "req/min if watched", "open watches",
             "open watches if watched")  # fmt: skip
    head = "".join(f"<th>{h}</th>" for h in names)
    body = "".join(
        ("<tr>" if r.mode else '<tr class="load">') + f"<td>{escape(r.load)}</td>"
        + (f"<td><em>{escape(WHOLE_LOAD)}</em></td><td></td>" if r.mode is None else
           f'<td class="key">{escape(r.resource)}</td><td><span class="mode {escape(r.mode.replace("+", "-"))}">'
           f"{escape(r.mode)}</span></td>")
        + "".join(f'<td class="num">{escape(c)}</td>' for c in (
            rate_cell(r.requests_per_min), optional_cell(r.polling_per_min), optional_cell(r.if_watched_per_min),
            str(r.watches), optional_cell(r.watches_if_watched)))
        + "</tr>"
        for r in rows
    )  # fmt: skip
    return (f'<h2>{escape(title[0].upper() + title[1:])}</h2><table class="verdicts projection"><thead><tr>{head}'
            f"</tr></thead><tbody>{body}</tbody></table>")  # fmt: skip


def _senders(initiators: tuple[str, ...]) -> str:
    return "<br>".join(f"<code>{escape(safe_text(i))}</code>" for i in initiators)


def _findings(summary: Summary) -> str:
    if not summary.findings:
        return '<p class="empty">No findings.</p>'
    items = []
    for position, f in enumerate(summary.findings):
        links = " ".join(f'<a href="#request-{i}" data-request="{i}">#{i}</a>' for i in f.evidence[:EVIDENCE_LINKS])
        if len(f.evidence) > EVIDENCE_LINKS:
            links += f" … {len(f.evidence) - EVIDENCE_LINKS} more"
        items.append(
            f'<li class="finding" id="finding-{position}"><span class="badge {escape(f.severity)}">'
            f"{escape(f.severity)}</span> <code>{escape(f.id)}</code> {escape(f.summary)}"
            f'<div class="where">{escape(where(f.navigation, f.resource))}</div>'
            + (f'<div class="sender">sent by {_senders(f.initiators)}</div>' if f.initiators else "")
            + f'<div class="rec">→ {escape(f.recommendation)}</div>'
            f'<div class="evidence"><a href="#requests" class="show-evidence" data-finding="{position}">'
            f"{_its(len(f.evidence))}</a> {links}</div></li>"
        )
    return f'<ol class="findings">{"".join(items)}</ol>'


def _notes(summary: Summary, page: PageData) -> str:
    notes = [*summary.notes, *page.sampling.notes]
    return "".join(f'<p class="note">{escape(n)}</p>' for n in notes)


def _its(count: int) -> str:
    return "show its request" if count == 1 else f"show its {plural(count, 'request')}"


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{n} {k}" for k, n in sorted(counter.items(), key=lambda kv: (-kv[1], kv[0])))


def _time(value: datetime | None) -> str:
    if value is None:
        return "unknown"
    return value.isoformat(timespec="milliseconds").replace("T", " ").replace("+00:00", " UTC")
