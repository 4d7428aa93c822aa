"""The committed example reports (reports/examples/) are what `python -m analyzer.cli.examples` makes now."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analyzer.analysis.analyze import analyze
from analyzer.har.loader import load_capture
from analyzer.render.folder import build_report
from tests.hostile import REPO

EXAMPLES = sorted(p for p in (REPO / "reports" / "examples").iterdir() if p.is_dir())


def test_every_sample_has_an_example() -> None:
    assert [p.name for p in EXAMPLES] == sorted(p.stem for p in (REPO / "samples").glob("*.har"))


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_is_current(example: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)  # the reports name their capture as samples/<name>.har
    files = build_report(analyze(load_capture(os.path.join("samples", f"{example.name}.har")))).files
    for name in ("summary.md", "analysis.json", "requests.csv"):
        assert (example / name).read_bytes() == files[name], (
            f"{example.name}/{name}: run python -m analyzer.cli.examples"
        )
