"""The text timeline shared by the terminal and Markdown views."""

from __future__ import annotations

import itertools
from pathlib import Path

from analyzer.analysis.analyze import analyze
from analyzer.har.loader import load_capture
from analyzer.render.timeline import TIMELINE_LANES, fit_left, indices, timeline_lines

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_polling_is_a_regular_row_of_ticks() -> None:
    summary = analyze(load_capture(SAMPLES / "poll-list.har")).summary
    lane = next(t.plain for t in timeline_lines(summary, 80) if "microservices" in t.plain).split(" ", 1)[1]
    ticks = [i for i, c in enumerate(lane) if c == "l"]
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) == 4 and max(gaps) - min(gaps) <= 1


def test_a_watch_cut_by_the_reload_is_drawn_to_its_end_and_marked() -> None:
    summary = analyze(load_capture(SAMPLES / "detail-reload-mid-watch.har")).summary
    lines = [t.plain for t in timeline_lines(summary, 100)]
    assert any("✕" in line for line in lines), lines
    assert len(lines) <= 2 + TIMELINE_LANES + 1


def test_keys_are_cut_from_the_left_and_indices_counted() -> None:
    assert fit_left("calico3/core/v1/ns/pods/name", 10) == "…pods/name"
    assert fit_left("short", 10) == "short"
    assert indices(list(range(14))) == ", ".join(f"#{i}" for i in range(12)) + " … (14)"
