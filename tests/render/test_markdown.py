"""The analysis in Markdown: long tables are cut, capture text is escaped."""

from __future__ import annotations

from pathlib import Path

import msgspec

from analyzer.analysis.analyze import analyze
from analyzer.har.loader import load_capture
from analyzer.render.markdown import MARKDOWN_ROWS, render_analysis_markdown
from analyzer.render.timeline import verdict_rows
from analyzer.summary import Finding, Summary

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*.har"))


def summary_of(path: Path) -> Summary:
    return analyze(load_capture(path)).summary


def _finding(**changes: object) -> Finding:
    finding = Finding(id="x", severity="info", navigation=0, resource=None, summary="s", evidence=(1,),
                      recommendation="r")  # fmt: skip
    return msgspec.structs.replace(finding, **changes)


def _with_keys(summary: Summary, keys: list[str], findings: list[Finding]) -> Summary:
    first = summary.navigations[0]
    resources = tuple(msgspec.structs.replace(first.resources[0], key=key) for key in keys)
    navigations = (msgspec.structs.replace(first, resources=resources), *summary.navigations[1:])
    return msgspec.structs.replace(summary, navigations=navigations, findings=tuple(findings))


def test_markdown_cuts_long_tables() -> None:
    summary = summary_of(SAMPLES[0])
    big = _with_keys(
        summary, [f"c/core/v1/ns/pods/p{i}" for i in range(120)], [_finding(id=f"r{i}") for i in range(70)]
    )
    text = render_analysis_markdown(big)
    assert f"… and {len(verdict_rows(big)) - MARKDOWN_ROWS} more verdicts: see analysis.json" in text
    assert f"… and {70 - MARKDOWN_ROWS} more findings: see analysis.json" in text
    assert text.count("| c/core") == 0 and text.count("`c/core/v1/ns/pods/p") == MARKDOWN_ROWS


def test_markdown_escapes_capture_text() -> None:
    summary = _with_keys(
        summary_of(SAMPLES[0]),
        ["c/core/v1/ns/pods/a`b|c<script>"],
        [_finding(summary="<script>alert(1)</script> | *x*")],
    )
    text = render_analysis_markdown(summary)
    assert "`c/core/v1/ns/pods/a'b\\|c<script>`" in text
    assert "\\<script\\>alert(1)\\</script\\> \\| \\*x\\*" in text
