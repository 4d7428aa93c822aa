"""Record captures with a real Chromium: `record_capture(RecordPlan)` (the command is `analyzer.cli.record`).

Playwright and the session code are imported only when a recording starts (or one of their names is asked
for), so importing this package, as the CLI does for every command, is cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from analyzer.record.session import RecordError, RecordPlan, RecordResult, record_capture

__all__ = ["RecordError", "RecordPlan", "RecordResult", "record_capture"]
_SESSION_NAMES = frozenset({"RecordError", "RecordPlan", "RecordResult", "record_capture"})


def __getattr__(name: str) -> Any:
    if name in _SESSION_NAMES:
        from analyzer.record import session

        return getattr(session, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
