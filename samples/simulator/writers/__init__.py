"""The HAR writers the samples are recorded with: one module per writer, each with the same entry point.

    record(plan: RecordPlan) -> RecordResult     (the types of `analyzer.record`)

A writer drives its own browser through the plan (open `plan.url`, set `plan.cookies` before the first load,
write `plan.local_storage_before_reload` and reload at each `plan.reload_after` second, close at
`plan.duration`), writes the HAR its tool writes to `plan.output`, and returns the page's console lines and the
wall-clock moments of the start, each reload and the end, so that the expected file is built from the page's
and the simulator's own logs, as for `har-analyzer record`. A writer that cannot run here raises
`WriterUnavailable` with the reason (a missing browser or npm package).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analyzer.record import RecordPlan, RecordResult

# writer name (as samples/<writer>/ names its folder) -> "module:function"
WRITERS: dict[str, str] = {
    "record": "samples.simulator.writers.record:record",  # har-analyzer record (Playwright + CDP)
    "playwright": "samples.simulator.writers.playwright:record",  # Playwright's plain record_har
    "chrome-har": "samples.simulator.writers.chrome_har:record",  # sitespeed.io chrome-har + puppeteer-core
    "firefox": "samples.simulator.writers.firefox:record",  # Firefox ESR's own "Save All As HAR"
    "devtools": "samples.simulator.writers.devtools:record",  # Chromium DevTools' own "Export HAR"
}


class WriterUnavailable(RuntimeError):
    """This writer cannot run on this machine; the message says what is missing."""


def recorder(name: str) -> Callable[[RecordPlan], RecordResult]:
    """The `record` function of a writer.

    Raises:
        KeyError: an unknown writer.
    """
    module, _, function = WRITERS[name].partition(":")
    found: Callable[[RecordPlan], RecordResult] = getattr(importlib.import_module(module), function)
    return found
