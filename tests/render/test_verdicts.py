"""The analyze views (terminal and Markdown): they fit the width, colour only when asked, and cut long lists."""

from __future__ import annotations

import copy
import io
import itertools
import json
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len

from analyzer.analysis.analyze import analyze
from analyzer.har.loader import load_capture
from analyzer.render import report
from analyzer.render.terminal import make_console
from analyzer.render.verdicts import MARKDOWN_ROWS, render_markdown, render_terminal, timeline_lines, verdict_rows

SAMPLES = sorted((Path(__file__).resolve().parents[2] / "samples").glob("*.har"))


def payload_of(path: Path) -> dict[str, Any]:
    return report.analysis_payload(analyze(load_capture(path)))


def terminal(payload: dict[str, Any], width: int, color: bool = False) -> str:
    out = io.StringIO()
    render_terminal(payload, make_console(out, color=color, width=width))
    return out.getvalue()


@pytest.mark.parametrize("width", [50, 80, 132])
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_terminal_fits_the_width(sample: Path, width: int) -> None:
    lines = terminal(payload_of(sample), width).splitlines()
    assert lines and max(cell_len(line) for line in lines) <= width


def test_colour_only_when_asked() -> None:
    payload = payload_of(SAMPLES[0])
    assert "\x1b[" not in terminal(payload, 100) and "\x1b[" in terminal(payload, 100, color=True)


def test_views_read_a_payload_that_went_through_json() -> None:
    payload = payload_of(Path(__file__).resolve().parents[2] / "samples" / "detail-watch-then-poll.har")
    decoded = json.loads(report.encode(payload))
    assert terminal(decoded, 100) == terminal(payload, 100)
    assert render_markdown(decoded) == render_markdown(payload)


def test_polling_is_a_regular_row_of_ticks() -> None:
    payload = payload_of(Path(__file__).resolve().parents[2] / "samples" / "poll-list.har")
    lane = next(t.plain for t in timeline_lines(payload, 80) if "microservices" in t.plain).split(" ", 1)[1]
    ticks = [i for i, c in enumerate(lane) if c == "l"]
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) == 4 and max(gaps) - min(gaps) <= 1


def test_markdown_cuts_long_tables() -> None:
    payload = payload_of(SAMPLES[0])
    big = copy.deepcopy(payload)
    resources = big["navigations"][0]["resources"]
    big["navigations"][0]["resources"] = [dict(resources[0], key=f"c/core/v1/ns/pods/p{i}") for i in range(120)]
    big["findings"] = [dict(payload["findings"][0] if payload["findings"] else _finding(), id=f"r{i}")
                       for i in range(70)]  # fmt: skip
    text = render_markdown(big)
    assert f"… and {len(verdict_rows(big)) - MARKDOWN_ROWS} more verdicts: see analysis.json" in text
    assert f"… and {70 - MARKDOWN_ROWS} more findings: see analysis.json" in text
    assert text.count("| c/core") == 0 and text.count("`c/core/v1/ns/pods/p") == MARKDOWN_ROWS


def _finding() -> dict[str, Any]:
    return {"id": "x", "severity": "info", "navigation": 0, "resource": None, "summary": "s", "evidence": [1],
            "recommendation": "r"}  # fmt: skip


def test_markdown_escapes_capture_text() -> None:
    payload = payload_of(SAMPLES[0])
    payload["navigations"][0]["resources"][0]["key"] = "c/core/v1/ns/pods/a`b|c<script>"
    payload["findings"] = [dict(_finding(), summary="<script>alert(1)</script> | *x*")]
    text = render_markdown(payload)
    assert "`c/core/v1/ns/pods/a'b\\|c<script>`" in text
    assert "\\<script\\>alert(1)\\</script\\> \\| \\*x\\*" in text
