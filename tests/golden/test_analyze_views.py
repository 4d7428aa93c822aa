"""Golden files of the `analyze` views of every sample: the terminal view at 100 columns without colour
(`<sample>.txt`), the Markdown (`<sample>.md`) and the JSON document (`<sample>.json`)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import msgspec
import pytest

from analyzer.analysis.analyze import analyze
from analyzer.har.loader import load_capture
from analyzer.redact import redacted
from analyzer.render.json import render_analysis_json
from analyzer.render.markdown import render_analysis_markdown
from analyzer.render.terminal import make_console, render_analysis
from analyzer.summary import Generator, Summary

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*.har"))


def summary_of(sample: Path) -> Summary:
    """The sample's summary as the views show it, with what varies between runs pinned: the path as given
    from the repository root, and the generator's version."""
    summary = redacted(analyze(load_capture(sample)).summary)
    capture = msgspec.structs.replace(summary.capture, path=f"samples/{sample.name}")
    return msgspec.structs.replace(summary, capture=capture, generator=Generator(version="golden"))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_terminal(sample: Path, golden: Callable[[str, str], None]) -> None:
    out = io.StringIO()
    render_analysis(summary_of(sample), make_console(out, color=False, width=100))
    golden(f"{sample.stem}.txt", out.getvalue())


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_markdown(sample: Path, golden: Callable[[str, str], None]) -> None:
    golden(f"{sample.stem}.md", render_analysis_markdown(summary_of(sample)))


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_json(sample: Path, golden: Callable[[str, str], None]) -> None:
    golden(f"{sample.stem}.json", render_analysis_json(summary_of(sample)).decode("utf-8"))
