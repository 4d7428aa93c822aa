"""Who sent the requests behind each verdict and finding, on the recorded samples of the writers that keep
initiators (DevTools with async stacks, chrome-har without them) and of one that keeps none (Firefox)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.analysis.analyze import Analysis, analyze
from analyzer.analysis.initiators import NO_INITIATORS_NOTE
from analyzer.har import load_capture

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
POLLS = "poll ← watchResource (console.js:"  # the simulator's poll(), called by watchResource()


def analysed(writer: str, scenario: str) -> Analysis:
    return analyze(load_capture(SAMPLES / writer / f"{scenario}.har"))


@pytest.mark.parametrize("writer", ["devtools", "chrome-har"])
@pytest.mark.parametrize("scenario", ["detail-watch-then-poll", "detail-sidebar-watch-then-poll"])
def test_the_polling_verdict_names_the_code_that_polls(writer: str, scenario: str) -> None:
    analysis = analysed(writer, scenario)
    (polling,) = [v for v in analysis.verdicts if v.mode == "poll"]
    assert any(label.startswith(POLLS) for label in polling.initiators), polling.initiators
    (regression,) = [f for f in analysis.findings if f.id == "watch-replaced-by-polling"]
    assert any(label.startswith(POLLS) for label in regression.initiators), regression.initiators
    assert NO_INITIATORS_NOTE not in analysis.summary.notes


def test_async_parents_name_the_poller_of_every_interval_read() -> None:
    """DevTools keeps the async stack: reads from the timer name `poll`; chrome-har's, without it, cannot."""
    devtools, chrome_har = (
        analysed("devtools", "detail-watch-then-poll"),
        analysed("chrome-har", "detail-watch-then-poll"),
    )
    for analysis, every_read_named in ((devtools, True), (chrome_har, False)):
        (polling,) = [v for v in analysis.verdicts if v.mode == "poll"]
        named = all((r := analysis.summary.request(i)) and r.initiator and
                    any(f.startswith("poll (") for f in r.initiator.frames) for i in polling.reads)  # fmt: skip
        assert named is every_read_named


def test_a_read_once_is_its_own_initiator_not_the_pollers() -> None:
    analysis = analysed("devtools", "detail-watch-then-poll")
    once = {label for v in analysis.verdicts if v.mode == "once" for label in v.initiators}
    assert once and all(label.startswith("readOnce ← detail") for label in once)


def test_a_writer_without_initiators_is_named() -> None:
    analysis = analysed("firefox", "detail-watch-then-poll")
    assert all(not v.initiators for v in analysis.verdicts)
    assert NO_INITIATORS_NOTE in analysis.summary.notes
