"""The terminal view of an analysis: it fits the width, colours only when asked, and reads a summary that went
through `analysis.json` the same as a fresh one."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import msgspec
import pytest
from rich.cells import cell_len

from analyzer.analysis.analyze import analyze
from analyzer.har.loader import load_capture
from analyzer.render.json import render_analysis_json
from analyzer.render.markdown import render_analysis_markdown
from analyzer.render.terminal import ANALYSIS_FIELDS, make_console, render_analysis
from analyzer.render.text_safety import _text_fields
from analyzer.summary import Summary, decode_summary

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
