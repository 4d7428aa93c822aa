"""The public API of `import analyzer`: every name in `__all__` resolves, and the documented use works."""

from __future__ import annotations

from pathlib import Path

import analyzer

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "poll-list.har"


def test_every_public_name_resolves() -> None:
    assert all(getattr(analyzer, name) is not None for name in analyzer.__all__)


def test_analyze_gives_the_typed_summary_with_settings() -> None:
    summary = analyzer.analyze(analyzer.load_capture(SAMPLE)).summary
    assert isinstance(summary, analyzer.Summary)
    assert [(v.key, v.mode) for v in summary.verdicts] == [
        ("calico3/asm.alauda.io/v1beta3/testhl/microservices", "poll")
    ]
    strict = analyzer.Settings(poll_min_reads=5)  # four reads are no longer polling
    assert [v.mode for v in analyzer.analyze(analyzer.load_capture(SAMPLE), strict).summary.verdicts] == ["once"]
