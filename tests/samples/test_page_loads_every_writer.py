"""Page loads on the captures of every HAR writer: the analysis finds the loads (how many, how each started)
that the page's and the simulator's own logs say the scenario made, whatever the writer does with `pages[]`
(DevTools: one page per load; Firefox and Playwright: one page across reloads)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.analysis.pipeline import derive
from analyzer.har.loader import load_capture

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CAPTURES = sorted(SAMPLES.glob("*.har")) + sorted(SAMPLES.glob("*/*.har"))
CAPTURES = [c for c in CAPTURES if c.with_suffix(".expected.json").is_file()]


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}" if path.parent != SAMPLES else f"record/{path.stem}"


def test_more_than_one_writer_is_committed() -> None:
    writers = {c.parent.name for c in CAPTURES if c.parent != SAMPLES}
    assert writers, "no sample of another writer than har-analyzer record"


@pytest.mark.parametrize("capture", CAPTURES, ids=_id)
def test_page_loads_are_the_ones_the_page_made(capture: Path) -> None:
    expected = json.loads(capture.with_suffix(".expected.json").read_text(encoding="utf-8"))
    navigations = derive(load_capture(capture)).navigations
    assert [n.trigger for n in navigations] == [n["trigger"] for n in expected["navigations"]]
