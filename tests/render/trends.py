"""Trends built from rows, without a dataset, for the render tests: `make_trend(pages)`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from analyzer.fleet.trend import Capture, Observation, Trend, build_trend
from analyzer.summary import Mode

KEY = "c1/core/v1/ns/pods/web-0"


def make_trend(modes: dict[str, str], *, key: str = KEY, runs: int = 4, rate: float | None = None) -> Trend:
    """Captures run=1..`runs`; for each page URL path in `modes`, its reload's modes as a string of letters
    (`wwpp`: watch in runs 1-2, poll after; `.` the resource not read), `rate` requests a minute in each."""
    captures = [Capture(f"c{r}", datetime(2026, 1, 1, tzinfo=UTC) + timedelta(days=r), {"run": str(r)}, False, True)
                for r in range(1, runs + 1)]  # fmt: skip
    letters: dict[str, Mode] = {"w": "watch", "p": "poll", "b": "watch+poll", "o": "once"}
    rows = [
        Observation(f"c{run}", page, "reload", key, letters[letter], 3, rate, ("polling-instead-of-watch",)
                    if letter == "p" else ())
        for page, strip in modes.items()
        for run, letter in enumerate(strip, start=1)
        if letter != "."
    ]  # fmt: skip
    return build_trend("fleet", captures, rows, "run")
