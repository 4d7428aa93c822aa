"""`har-analyzer record`: Playwright's HAR enriched with Chrome's CDP network events (connection ids, queueing)."""

from __future__ import annotations

from analyzer.record import RecordPlan, RecordResult, record_capture


def record(plan: RecordPlan) -> RecordResult:
    return record_capture(plan)
