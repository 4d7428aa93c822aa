"""Parse HAR `startedDateTime` strings into UTC timestamps, vectorised, with a lenient fallback per value.

Writers use `Z`, `+hh:mm`, `+hhmm`, 0-9 fractional digits, a space instead of `T`, or no zone at all; a time
without a zone is read as UTC and reported, since mixing it with zoned times would shift it by the offset.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

import pyarrow as pa

TIMESTAMP = pa.timestamp("us", tz="UTC")
_FRACTION = re.compile(r"(\.\d{6})\d+")
_COMPACT_OFFSET = re.compile(r"([+-]\d{2})(\d{2})$")


@dataclass(frozen=True)
class ParsedTimes:
    values: pa.TimestampArray  # UTC, microseconds; null where unreadable
    naive: list[int]  # positions read as UTC because they carried no zone
    unreadable: list[int]  # positions that are no date at all


def parse_started(strings: pa.Array) -> ParsedTimes:
    """Parse every `startedDateTime`; the fast path is one Arrow cast, the slow path runs only on failure."""
    try:
        parsed = strings.cast(pa.timestamp("ns", tz="UTC")).cast(TIMESTAMP, safe=False)
        return ParsedTimes(values=parsed, naive=[], unreadable=[])
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    micros: list[int | None] = []
    naive: list[int] = []
    unreadable: list[int] = []
    for position, text in enumerate(strings.to_pylist()):
        moment, is_naive = _parse_one(text)
        if moment is None:
            if text is not None:
                unreadable.append(position)
            micros.append(None)
            continue
        if is_naive:
            naive.append(position)
        micros.append(_epoch_micros(moment))
    return ParsedTimes(values=pa.array(micros, type=TIMESTAMP), naive=naive, unreadable=unreadable)


def parse_time(text: str | None) -> datetime | None:
    """One timestamp as an aware UTC datetime (naive times are taken as UTC), or None."""
    moment, _ = _parse_one(text)
    return moment


def _parse_one(text: str | None) -> tuple[datetime | None, bool]:
    if not text or not isinstance(text, str):
        return None, False
    cleaned = _FRACTION.sub(r"\1", text.strip())
    if cleaned.endswith(("z", "Z")):
        cleaned = cleaned[:-1] + "+00:00"
    cleaned = _COMPACT_OFFSET.sub(r"\1:\2", cleaned) if "T" in cleaned or " " in cleaned else cleaned
    try:
        moment = datetime.fromisoformat(cleaned)
        if moment.tzinfo is None:
            return moment.replace(tzinfo=UTC), True
        return moment.astimezone(UTC), False
    except (ValueError, OverflowError):  # OverflowError: an offset that moves year 1 or 9999 out of range
        return None, False


def _epoch_micros(moment: datetime) -> int:
    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
