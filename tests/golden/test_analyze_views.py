"""Golden files of the `analyze` views of every sample: the terminal view at 100 columns without colour
(`<sample>.txt`) and the Markdown (`<sample>.md`)."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from analyzer.analysis.analyze import analyze
from analyzer.har.loader import load_capture
from analyzer.render import report
from analyzer.render.terminal import make_console
from analyzer.render.verdicts import render_markdown, render_terminal

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*.har"))


def payload_of(sample: Path) -> dict[str, Any]:
    payload = report.analysis_payload(analyze(load_capture(sample)))
    payload["capture"]["path"] = f"samples/{sample.name}"  # the same wherever the tests run from
    return payload


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_terminal(sample: Path, golden: Callable[[str, str], None]) -> None:
    out = io.StringIO()
    render_terminal(payload_of(sample), make_console(out, color=False, width=100))
    golden(f"{sample.stem}.txt", out.getvalue())


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_markdown(sample: Path, golden: Callable[[str, str], None]) -> None:
    golden(f"{sample.stem}.md", render_markdown(payload_of(sample)))
