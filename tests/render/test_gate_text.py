"""The terminal lines of check and diff, and evidence lists."""

from __future__ import annotations

import pytest

from analyzer.gate.diff import diff_subjects
from analyzer.render.gate_text import diff_lines, evidence_text
from tests.gate.support import sample_subject


@pytest.mark.parametrize(("indices", "text"), [
    pytest.param((), "", id="none"),
    pytest.param((4,), "requests #4", id="one"),
    pytest.param(tuple(range(14)), "requests #0, #1, #2, #3, #4, #5, #6, #7, #8, #9, #10, #11 … (14)", id="cut"),
])  # fmt: skip
def test_evidence_text(indices: tuple[int, ...], text: str) -> None:
    assert evidence_text(indices) == text


def test_diff_lines_put_the_mode_change_first_and_style_it() -> None:
    lines = diff_lines(
        diff_subjects(sample_subject("detail-reload-mid-watch"), sample_subject("detail-watch-then-poll"))
    )
    assert lines[1] == ("mode changes (1):", "bold")
    text, style = lines[2]
    assert text.startswith("  watch -> poll (every 5") and text.endswith("/microservices/asm-cal3")
    assert style == "bold red" and "load 1→1 http://127.0.0.1:18080/console/detail?timeout=8" in text
    assert any(t.startswith("findings: 1 new, ") and s == "bold" for t, s in lines)
