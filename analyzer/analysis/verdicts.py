"""Per page load and resource: did the page watch it, poll it (how often), read it once, or both?

- `watch`: watched by a watch of the key itself (for an object: a watch that names it, by path or by
  `fieldSelector=metadata.name=`), and not polled;
- `poll`: not watched; `poll_min_reads` or more reads whose gaps have a coefficient of variation at most
  `poll_max_cv`;
- `watch+poll`: both;
- `once`: read, but neither watched nor polled (a single read, or irregular repeats).
A read is a get or a list, never a watch; a paged list is one read; a streaming list is a watch. A re-list
that answered an expired (410) or failed watch of the key is part of watching: it never counts as polling.

The requests of a key decide its mode. A watch of the key's collection in the same load (in its namespace or
across all namespaces) is reported beside it (`covered_by`): a detail panel polling its object while a sidebar
watches the collection is still polling, and a one-shot get of an object whose collection is watched is `once`.
"""

from __future__ import annotations

import math
import statistics
import sys
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction

import numpy as np
import numpy.typing as npt
import pandas as pd

from analyzer.analysis.accesses import AccessColumns, Positions
from analyzer.analysis.pipeline import Traffic
from analyzer.analysis.resources import READ_VERBS, all_namespaces_of, collection_of
from analyzer.analysis.values import Moments, moments
from analyzer.settings import Settings
from analyzer.summary import ACCESS_VERBS, AccessVerb, Mode, Navigation, ResourceVerdict


def find_verdicts(
    table: AccessColumns, traffic: Traffic, settings: Settings, *, relists: frozenset[int] = frozenset()
) -> list[ResourceVerdict]:
    """One verdict per page load and resource key, ordered by load then key; `relists` (the reads that answered
    an expired or failed watch, `analysis.chains`) are part of watching and never make it polling."""
    kinds = _Kinds(
        is_read=np.isin(table.verb, list(READ_VERBS)),
        is_watch=table.verb == "watch",
        is_relist=np.isin(table.index, list(relists)),
    )
    by_load: dict[int, dict[str, Positions]] = defaultdict(dict)
    for (load, key), positions in table.groups.items():
        by_load[load][key] = positions
    verdicts = []
    for navigation in traffic.navigations:
        keys = by_load.get(navigation.index)
        if not keys:
            continue
        span_s = _span_s(navigation, traffic.navigation_end(navigation.index))
        watches_by_key = {
            key: tuple(table.index[rows[kinds.is_watch[rows]]].tolist())
            for key, rows in keys.items()
            if kinds.is_watch[rows].any()
        }
        for key in sorted(keys):
            verdicts.append(_verdict(navigation.index, key, keys[key], table, kinds, watches_by_key, span_s, settings))
    return verdicts


@dataclass(frozen=True)
class _Kinds:
    """Per row of the access table: what the verdicts tell apart."""

    is_read: npt.NDArray[np.bool_]
    is_watch: npt.NDArray[np.bool_]
    is_relist: npt.NDArray[np.bool_]


def _verdict(
    navigation: int,
    key: str,
    rows: Positions,
    table: AccessColumns,
    kinds: _Kinds,
    watches_by_key: dict[str, tuple[int, ...]],
    span_s: float | None,
    settings: Settings,
) -> ResourceVerdict:
    reads = rows[kinds.is_read[rows]]
    own = watches_by_key.get(key, ())
    covering = _covering_watches(key, watches_by_key)
    polls = reads[~kinds.is_relist[reads]] if own else reads
    interval, regularity = poll_statistics(table.started[polls], settings)
    polled = interval is not None
    watched = bool(own)  # a collection's watch is reported beside the verdict (covered_by), never decides it
    mode: Mode = "watch+poll" if watched and polled else "watch" if watched else "poll" if polled else "once"
    verbs = table.verb[rows]
    counts: dict[AccessVerb, int] = {verb: int((verbs == verb).sum()) for verb in ACCESS_VERBS}
    total_bytes = float(table.bytes[rows].sum())
    return ResourceVerdict(
        navigation=navigation,
        key=key,
        mode=mode,
        counts=counts,
        poll_interval_s=interval,
        poll_regularity=regularity,
        count=len(rows),
        span_s=None if span_s is None else round(span_s, 3),
        requests_per_min=_busiest_minute(table.started[rows]) if span_s is not None and span_s >= 60 else None,
        bytes_per_min=round(total_bytes / (span_s / 60), 1) if span_s is not None and span_s >= 60 else None,
        reads=tuple(table.index[reads].tolist()),
        watches=tuple(sorted(own)),
        covered_by=covering,
    )


def _covering_watches(key: str, watches_by_key: dict[str, tuple[int, ...]]) -> tuple[int, ...]:
    """Watches of the key's collection, in its namespace or across all namespaces (not the key itself)."""
    covering: set[int] = set()
    for collection in {collection_of(key), all_namespaces_of(collection_of(key))} - {key}:
        covering.update(watches_by_key.get(collection, ()))
    return tuple(sorted(covering))


def poll_statistics(starts: Moments | pd.Series, settings: Settings) -> tuple[float | None, float | None]:
    """(median gap in seconds, coefficient of variation) when the reads (their start times) are regular enough
    to be polling."""
    moments = _sorted_us(starts)
    if len(moments) < settings.poll_min_reads:
        return None, None
    seconds = np.diff(moments) / 1e6  # what timedelta.total_seconds() gives
    gaps = seconds.tolist()
    mean = statistics.fmean(gaps)
    if mean <= 0:
        return None, None
    cv = pstdev(seconds) / mean
    if cv > settings.poll_max_cv:
        return None, None
    return round(statistics.median(gaps), 3), round(cv, 3)


def pstdev(values: npt.NDArray[np.float64]) -> float:
    """`statistics.pstdev` of finite floats, bit for bit, without a Fraction per value: the correctly rounded
    square root of their exact population variance, whose sums are made exactly from the values' mantissas and
    exponents (`np.frexp`) as Python integers."""
    mantissa, exponent = np.frexp(values)
    low = int(exponent.min())
    # value = whole * 2**(exponent - 53) exactly; scaled = whole * 2**(exponent - low)
    scaled = (mantissa * 2.0**53).astype("int64").astype(object) << (exponent - low).astype(object)
    total, squares, count = int(scaled.sum()), int((scaled * scaled).sum()), len(values)
    # (count * sum of squares - sum**2) / count**2, and the scale 2**(low - 53) squared
    numerator, denominator = count * squares - total * total, count * count
    scale = 2 * (low - 53)
    variance = Fraction(numerator << scale, denominator) if scale >= 0 else Fraction(numerator, denominator << -scale)
    return _float_sqrt_of_frac(variance.numerator, variance.denominator)


def _float_sqrt_of_frac(n: int, m: int) -> float:
    """The square root of n/m as a float, correctly rounded: CPython's `statistics._float_sqrt_of_frac` (3.11+),
    which `pstdev` ends with (round-to-odd to 2 * 53 + 3 bits, then one rounding)."""
    q = (n.bit_length() - m.bit_length() - _SQRT_BIT_WIDTH) // 2
    if q >= 0:
        return (_integer_sqrt_of_frac_rto(n, m << 2 * q) << q) / 1
    return _integer_sqrt_of_frac_rto(n << -2 * q, m) / (1 << -q)


_SQRT_BIT_WIDTH = 2 * sys.float_info.mant_dig + 3


def _integer_sqrt_of_frac_rto(n: int, m: int) -> int:
    """The square root of n/m, rounded to an integer with round-to-odd."""
    a = math.isqrt(n // m)
    return a | (a * a * m != n)


def _sorted_us(starts: Moments | pd.Series) -> npt.NDArray[np.int64]:
    """Start times as sorted integer microseconds, missing ones left out."""
    values = starts if isinstance(starts, np.ndarray) else moments(starts)
    return np.sort(values[~np.isnat(values)].astype("int64"))


RATE_WINDOW_S = 60.0


def _span_s(navigation: Navigation, end: datetime | None) -> float | None:
    if navigation.started is None or end is None:
        return None
    return max((end - navigation.started).total_seconds(), 0.0)


def _busiest_minute(starts: Moments | pd.Series) -> float:
    """The most requests that started within any 60 s (a load of a few minutes has a burst and a calm)."""
    moments = _sorted_us(starts)
    if not len(moments):
        return 0.0
    first = np.searchsorted(moments, moments - int(RATE_WINDOW_S * 1e6), side="right")
    return float(np.max(np.arange(len(moments)) - first + 1))
