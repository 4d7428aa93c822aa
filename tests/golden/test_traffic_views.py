"""Golden files of the traffic views (`navigations`, `connections`, `streams`) of every sample: the terminal
view at 100 columns without colour (`<sample>.<view>.txt`) and the JSON document (`<sample>.<view>.json`)."""

from __future__ import annotations

import io
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest

from analyzer.render.terminal import make_console
from analyzer.render.traffic import VIEWS, render_json, render_table
from analyzer.summary import Summary
from tests.golden.test_analyze_views import SAMPLES, summary_of

CASES = [pytest.param(sample, what, id=f"{sample.stem}.{what}") for sample in SAMPLES for what in VIEWS]


@cache
def shown(sample: Path) -> Summary:
    """The sample's summary as the views show it (redacted), pinned like the `analyze` views' goldens."""
    return summary_of(sample)


@pytest.mark.parametrize(("sample", "what"), CASES)
def test_terminal(sample: Path, what: str, golden: Callable[[str, str], None]) -> None:
    out = io.StringIO()
    render_table(VIEWS[what](shown(sample)), make_console(out, color=False, width=100))
    golden(f"{sample.stem}.{what}.txt", out.getvalue())


@pytest.mark.parametrize(("sample", "what"), CASES)
def test_json(sample: Path, what: str, golden: Callable[[str, str], None]) -> None:
    golden(f"{sample.stem}.{what}.json", render_json(VIEWS[what](shown(sample))).decode("utf-8"))
