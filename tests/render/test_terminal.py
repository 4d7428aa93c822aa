"""The terminal view of an analysis: it fits the width, colours only when asked, and reads a summary that went
through `analysis.json` the same as a fresh one."""

from __future__ import annotations

import dataclasses
import io
import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from rich.cells import cell_len
from rich.table import Table
from rich.text import Text

from analyzer.analysis.analyze import analyze
from analyzer.har.loader import load_capture
from analyzer.render.json import render_analysis_json
from analyzer.render.markdown import render_analysis_markdown
from analyzer.render.terminal import (
    _MODE_STYLES,
    _SEVERITY_STYLES,
    ANALYSIS_FIELDS,
    _finding_text,
    _finding_width,
    _findings_table,
    _verdict_table,
    make_console,
    render_analysis,
)
from analyzer.render.text_safety import _text_fields
from analyzer.render.timeline import FULL_WIDTH, verdict_rows
from analyzer.summary import Finding, Mode, Summary, decode_summary

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*.har"))


def summary_of(path: Path) -> Summary:
    return analyze(load_capture(path)).summary


def terminal(summary: Summary, width: int, color: bool = False) -> str:
    out = io.StringIO()
    render_analysis(summary, make_console(out, color=color, width=width))
    return out.getvalue()


@pytest.mark.parametrize("width", [50, 80, 132])
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_terminal_fits_the_width(sample: Path, width: int) -> None:
    lines = terminal(summary_of(sample), width).splitlines()
    assert lines and max(cell_len(line) for line in lines) <= width


def test_colour_only_when_asked() -> None:
    summary = summary_of(SAMPLES[0])
    assert "\x1b[" not in terminal(summary, 100) and "\x1b[" in terminal(summary, 100, color=True)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_views_read_a_summary_that_went_through_json(sample: Path) -> None:
    summary = summary_of(sample)
    decoded = decode_summary(render_analysis_json(summary))
    assert decoded == summary
    assert terminal(decoded, 100) == terminal(summary, 100)
    assert render_analysis_markdown(decoded) == render_analysis_markdown(summary)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_the_analysis_view_reads_no_text_but_what_its_caller_cuts(sample: Path) -> None:
    # `ANALYSIS_RENDERERS["table"]` cuts the strings of `ANALYSIS_FIELDS` only: the view would show any other whole.
    summary = summary_of(sample)

    def without_unread_text(value: Any) -> Any:
        kind: type[msgspec.Struct] = type(value)
        unread = set(_text_fields(kind)) - set(ANALYSIS_FIELDS.get(kind, _text_fields(kind)))
        return msgspec.structs.replace(value, **dict.fromkeys(unread))

    bare = msgspec.structs.replace(
        without_unread_text(summary), requests=tuple(map(without_unread_text, summary.requests))
    )
    assert terminal(bare, 100) == terminal(summary, 100)
    assert terminal(bare, 100_000) == terminal(summary, 100_000)


# Text where rich's layout is not simple: wide and zero-width characters, a line break but `\n`, joiners, and
# trailing spaces after characters of no width.
HOSTILE = {
    "plain": "watched in load 0, polled every 5.0 s after the reload",
    "wide": "中文のキー 名字 " * 4,
    "line-separator": "one\u2028two",
    "wide-line-separator": "中文\u2028中文" * 3,
    "joiner": "family 👨\u200d👩\u200d👧 and 😀\ufe0f",
    "zero-width-then-spaces": "a\u0301" * 60 + "    ",
    "long-word": "x" * 150,
}
_SUMMARY = summary_of(SAMPLES[0])


def draw(renderable: Any, width: int, color: bool) -> str:
    out = io.StringIO()
    make_console(out, color=color, width=width).print(renderable)
    return out.getvalue()


@pytest.mark.parametrize(
    ("text", "width", "bounded", "shown"),
    [
        pytest.param("plain", FULL_WIDTH, False, (60, True), id="unbounded-the-longest-line"),
        pytest.param("wide", FULL_WIDTH, False, (70, True), id="unbounded-wide-characters"),
        pytest.param("long-word", FULL_WIDTH, False, (156, True), id="unbounded-long"),
        pytest.param("long-word", 164, False, (None, False), id="unbounded-wider-than-the-console"),
        pytest.param("long-word", 165, False, (156, True), id="unbounded-as-wide-as-the-console"),
        pytest.param("line-separator", FULL_WIDTH, False, (None, False), id="unbounded-other-line-break"),
        pytest.param("joiner", FULL_WIDTH, False, (None, False), id="unbounded-joiner"),
        pytest.param("zero-width-then-spaces", FULL_WIDTH, False, (None, False), id="unbounded-characters-past-cells"),
        pytest.param("plain", 80, True, (71, False), id="bounded-what-the-severity-leaves"),
        pytest.param("joiner", 80, True, (71, False), id="bounded-any-text"),
        pytest.param("plain", 9, True, (None, False), id="bounded-no-room"),
    ],
)
def test_finding_width_is_what_rich_finds(text: str, width: int, bounded: bool, shown: tuple[int | None, bool]) -> None:
    # Lines: `rule  <summary>`, `; requests #1`, `→ r`.
    finding = Finding("rule", "info", None, None, HOSTILE[text], (1,), "r")
    assert _finding_width([_finding_text(finding)], width, bounded=bounded) == shown


@pytest.mark.parametrize("color", [False, True], ids=["plain", "colour"])
@pytest.mark.parametrize("width", [5, 9, 10, 20, 33, 80, 100, 200, FULL_WIDTH])
@pytest.mark.parametrize("text", HOSTILE)
def test_findings_table_draws_as_rich_measuring_each_finding(text: str, width: int, color: bool) -> None:
    findings = [
        Finding(f"rule-{severity}", severity, 0, "-/core/v1/ns/pods", HOSTILE[text], (1, 2), "r", (HOSTILE[text],))
        for severity in ("error", "warning", "info")
    ]
    measured = Table(box=None, pad_edge=False, show_header=False, expand=width < FULL_WIDTH, show_edge=False)
    measured.add_column("severity", no_wrap=True, width=7)
    measured.add_column("finding", ratio=1, overflow="fold")
    for f in findings:
        measured.add_row(Text(f.severity, style=_SEVERITY_STYLES[f.severity]), _finding_text(f))
    console = make_console(io.StringIO(), width=width)
    assert draw(_findings_table(findings, console), width, color) == draw(measured, width, color)


@pytest.mark.parametrize("color", [False, True], ids=["plain", "colour"])
@pytest.mark.parametrize("width", [20, 60, 80, 100, 200, FULL_WIDTH])
def test_verdicts_stacked_in_one_row_draw_as_a_row_each(width: int, color: bool) -> None:
    modes: Iterator[Mode] = itertools.cycle(["watch", "poll", "watch+poll", "once"])
    rows = [
        row._replace(resource=f"{key}/core/v1/ns/pods/{key}", mode=next(modes), rate=f"{i}")
        for i, (row, key) in enumerate(itertools.product(verdict_rows(_SUMMARY), HOSTILE.values()))
    ]
    stacked = _verdict_table(rows, width)
    if len(stacked.rows) == len(rows):
        return  # too narrow for keys cut to one line: a row each already
    one_each = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    one_each.columns = [dataclasses.replace(c, _cells=[]) for c in stacked.columns]
    lines = [str(c._cells[0]).split("\n") for c in stacked.columns]
    for i, row in enumerate(rows):
        one_each.add_row(lines[0][i], Text(row.mode, style=_MODE_STYLES[row.mode]), *(c[i] for c in lines[2:]))
    assert len(stacked.rows) == 1
    assert draw(stacked, width, color) == draw(one_each, width, color)
