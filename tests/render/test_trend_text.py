"""The trend's wording and terminal view: headlines, the strip of modes, first changes, fitting a terminal."""

from __future__ import annotations

import io

import pytest

from analyzer.fleet.trend import FindingsChange, ModeChange, RateChange
from analyzer.render.terminal import make_console
from analyzer.render.text_safety import cut_strings
from analyzer.render.trend_text import axis_text, change_text, first_changes, mode_strip, render_trend
from tests.render.trends import KEY, make_trend


def _draw(trend: object, width: int, **options: bool) -> str:
    buffer = io.StringIO()
    render_trend(trend, make_console(buffer, width=width), **options)  # type: ignore[arg-type]
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("change", "text"),
    [
        pytest.param(ModeChange("4", "3", "watch", "watch+poll"), "watch → watch+poll", id="mode"),
        pytest.param(RateChange("4", "2", 2.5, 12.0), "2.5 → 12 req/min", id="rate"),
        pytest.param(FindingsChange("4", "3", ("a", "b"), ("c",)), "+a +b -c", id="findings"),
    ],
)
def test_change_text(change: ModeChange | RateChange | FindingsChange, text: str) -> None:
    assert change_text(change) == text


def test_the_strip_of_modes_and_the_first_changes() -> None:
    trend = make_trend({"/a": "ww.pbo"}, runs=6)
    series = trend.series[0]
    assert mode_strip(series, trend.axis) == "ww·pbo" and mode_strip(series, trend.axis, limit=4) == "…pbo"
    assert first_changes(series, trend.axis) == ("watch → poll at run 4", "",
                                                 "+polling-instead-of-watch at run 4")  # fmt: skip


def test_the_axis_in_words() -> None:
    assert axis_text(make_trend({"/a": "wp"}, runs=2)) == "2 captures by run (2 values, numeric order: 1 … 2)"
    assert axis_text(make_trend({}, runs=0)) == "no captures with the label 'run'"


def test_the_terminal_view_escapes_and_fits() -> None:
    trend = make_trend({"/a\x1b[31m": "wwpp", "/b": "oooo"})
    wide = _draw(trend, 400)
    assert "  run 3: /a\\x1b[31m reload c1/core/v1/ns/pods/web-0 went from watch to poll (run 2: watch)" in wide
    assert "\x1b" not in wide and "1 page and resource did not change (--all shows them)" in wide
    assert "/b" not in wide and "/b" in _draw(trend, 400, everything=True)
    narrow = _draw(make_trend({"/a": "wwpp"}, key="c1/apps.example.io/v1beta1/namespace-x/deployments/web"), 60)
    assert max(map(len, narrow.splitlines())) <= 60 and "c1/…/deployments/web" in narrow


def test_long_strings_are_cut() -> None:
    shown = _draw(cut_strings(make_trend({"/" + "x" * 500: "wp"}, runs=2), 100), 100_000)
    assert "…[cut 401 characters]" in shown and "x" * 101 not in shown and KEY in shown
