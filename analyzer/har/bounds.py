"""The values an entry's numbers and start time may take; one outside is unknown (null), with a problem naming it.

A hostile or broken writer can put anything a JSON number or a date string holds into any field: `1e308`, `NaN`
(msgspec reads the string "NaN" as a number), `2^63`, the year 9999. The columns hold them as written, but
later steps cast them (a size to int64, a time to microseconds, a timestamp to a Python datetime), and past these
bounds a cast fails or overflows. The checks run on whole Arrow columns: a few kernels per column and part, and
nothing per entry unless a value is out of bounds.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pyarrow as pa
import pyarrow.compute as pc

from analyzer.har.columns import ENTRY_FIELDS
from analyzer.har.repair import Problem

# A year in milliseconds: longer than any recording, and far from overflowing microseconds added to a start time.
MAX_DURATION_MS = 365 * 24 * 3600 * 1000.0
# Sizes are exact in a float64 up to 2^53 (8 PiB): past that no byte count is real.
MAX_SIZE = float(2**53)
NUMBER_BOUNDS: dict[str, float] = {
    "status": 999.0,  # HTTP status codes have three digits (RFC 9110, section 15)
    "server_port": 65535.0,
    "transfer_size": MAX_SIZE,
    "content_size": MAX_SIZE,
    **dict.fromkeys(
        ("time_ms", "blocked", "queueing", "queued", "dns", "connect", "ssl", "send", "wait", "receive"),
        MAX_DURATION_MS,
    ),
}
# Start times from the Unix epoch to 2200: every time and difference the analysis computes from them then stays
# within pandas' nanosecond timestamps (1677 to 2262) and Python's datetime (to 9999).
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(2200, 1, 1, tzinfo=UTC)


def bound_numbers(columns: dict[str, pa.Array]) -> list[Problem]:
    """Replace, in `columns`, every number above its bound (or NaN) by null; the problems name each one.

    Negative values are left alone: HAR writes -1 for "does not apply", and the table turns every negative
    time or size into null anyway.
    """
    problems: list[Problem] = []
    for column, bound in NUMBER_BOUNDS.items():
        values = columns[column]
        within = pc.less_equal(values, bound)  # false for NaN, null for null
        if pc.all(within).as_py() is not False:
            continue
        outside = pc.invert(pc.fill_null(within, True))
        for position in pc.indices_nonzero(outside).to_pylist():
            value = values[position].as_py()
            what = "is not a number" if value != value else "is out of range"
            problems.append((position, f"{ENTRY_FIELDS[column]} {number_text(value)} {what}; kept as unknown"))
        columns[column] = pc.if_else(outside, None, values)
    return problems


def bound_times(values: pa.Array, texts: pa.Array) -> tuple[pa.Array, list[Problem]]:
    """`values` (start times) with those before EARLIEST or from LATEST on as null, and a problem for each."""
    low = pa.scalar(EARLIEST, type=values.type)
    high = pa.scalar(LATEST, type=values.type)
    outside = pc.fill_null(pc.or_(pc.less(values, low), pc.greater_equal(values, high)), False)
    if not pc.any(outside).as_py():
        return values, []
    problems = [
        (position, f"startedDateTime {quoted(texts[position].as_py())} is out of range; kept as unknown")
        for position in pc.indices_nonzero(outside).to_pylist()
    ]
    return pc.if_else(outside, None, values), problems


def number_text(value: float) -> str:
    """1000.0 -> 1000, 1e308 -> 1e+308, nan -> NaN."""
    if value != value:
        return "NaN"
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def quoted(text: str | None, limit: int = 40) -> str:
    """A value from the capture in a warning: quoted, cut to `limit` characters."""
    text = text or ""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")
