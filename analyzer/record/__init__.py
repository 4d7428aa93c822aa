"""Record captures with a real Chromium: the `record` command and `record_capture(RecordPlan)`.

Playwright is imported only when a recording starts, so importing this package (as the CLI does) is cheap.
"""

from analyzer.record.command import record
from analyzer.record.session import RecordError, RecordPlan, RecordResult, record_capture

__all__ = ["RecordError", "RecordPlan", "RecordResult", "record", "record_capture"]
