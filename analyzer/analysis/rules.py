"""What every rule shares: the rule ids with their default severity (RULES), the Evidence the rules read,
`make_finding`, which states one rule's finding, and the burst search the storm and duplicate rules use.

Rule ids are stable (they appear in policies and CI gates).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import numpy as np
import numpy.typing as npt
import pandas as pd

from analyzer.analysis.pipeline import Traffic
from analyzer.analysis.values import Moments, moments, moments_of
from analyzer.settings import Settings
from analyzer.summary import Finding, ResourceVerdict, Severity, WatchChain

RULES: dict[str, Severity] = {
    "watch-replaced-by-polling": "error",
    "polling-instead-of-watch": "warning",
    "watch-and-poll": "warning",
    "http1-connection-saturation": "error",
    "watch-expired": "info",  # warning when no re-list follows
    "relist-storm": "error",
    "watch-without-resource-version": "warning",
    "watch-reconnect-storm": "error",
    "watch-ended-early": "warning",
    "watch-aborted-by-navigation": "info",
    "duplicate-requests": "warning",
    "capture-omits-unfinished": "info",
}


@dataclass(frozen=True)
class Evidence:
    traffic: Traffic
    accesses: pd.DataFrame
    verdicts: Sequence[ResourceVerdict]
    chains: Sequence[WatchChain]
    settings: Settings
    relists: frozenset[int] = frozenset()  # reads that answered an expired or failed watch: part of watching

    @cached_property
    def _starts(self) -> Moments:
        """Each request's start by its index (NaT where unknown): an array, not a datetime per request."""
        frame = self.traffic.frame
        index = frame["index"].to_numpy(dtype="int64")
        starts = np.full(int(index.max()) + 1 if len(index) else 0, np.datetime64("NaT", "us"))
        starts[index] = moments(frame["started"])
        return starts

    def starts(self, indices: Sequence[int] | npt.NDArray[np.int64]) -> Moments:
        """The start times of these requests (NaT for an unknown one), looked up by several rules."""
        wanted = np.asarray(indices, dtype=np.int64)
        known = (wanted >= 0) & (wanted < len(self._starts))
        found = np.full(len(wanted), np.datetime64("NaT", "us"))
        found[known] = self._starts[wanted[known]]
        return found


def make_finding(rule: str, navigation: int | None, resource: str | None, summary: str, evidence: Sequence[int],
                 recommendation: str, severity: Severity | None = None) -> Finding:  # fmt: skip
    """One rule's finding: its evidence sorted without repeats, its severity the rule's default unless given."""
    return Finding(id=rule, severity=severity or RULES[rule], navigation=navigation, resource=resource,
                   summary=summary, evidence=tuple(sorted(set(evidence))), recommendation=recommendation)  # fmt: skip


def find_burst(events: Sequence[tuple[datetime, int]], count: int, window_s: float) -> tuple[int, ...]:
    """The largest set of at least `count` events within `window_s`, or ()."""
    times = moments_of([t for t, _ in events])
    return burst_of(times, np.array([i for _, i in events], dtype="int64"), count, window_s)


def burst_of(times: Moments, indices: npt.NDArray[np.int64], count: int, window_s: float) -> tuple[int, ...]:
    """`find_burst` of request `indices` started at `times` (NaT: left out), in time then index order."""
    known = ~np.isnat(times)
    times, indices = times[known].astype("int64"), indices[known]
    order = np.lexsort((indices, times))
    ordered, members = times[order].tolist(), indices[order].tolist()
    best = (0, 0, 0)  # size, first, last
    start = 0
    for end in range(len(ordered)):
        while (ordered[end] - ordered[start]) / 1e6 > window_s:  # microseconds, as timedelta.total_seconds()
            start += 1
        size = end - start + 1
        if size >= count and size > best[0]:
            best = (size, start, end)
    return tuple(members[best[1] : best[2] + 1]) if best[0] else ()


def group_bursts(groups: npt.NDArray[np.int64], times: Moments, indices: npt.NDArray[np.int64], count: int,
                 window_s: float) -> dict[int, tuple[int, ...]]:  # fmt: skip
    """`burst_of` of every group (rows with the same code in `groups`) at once: group -> its burst, for the
    groups that have one.

    Rows are put in (group, time, index) order; each row's window starts at the first row of its group within
    `window_s` before it (found by one searchsorted over (group, rank of the time)), and a group's burst is its
    first largest window, as `burst_of`'s scan finds it."""
    known = ~np.isnat(times)
    groups, times, indices = groups[known], times[known].astype("int64"), indices[known]
    if not len(times):
        return {}
    order = np.lexsort((indices, times, groups))
    groups, times, indices = groups[order], times[order], indices[order]
    is_first = np.concatenate([[True], groups[1:] != groups[:-1]])
    firsts, group = np.flatnonzero(is_first), np.cumsum(is_first) - 1  # group: 0, 1, ... in order
    distinct = np.sort(times)
    distinct = distinct[np.concatenate([[True], distinct[1:] != distinct[:-1]])]
    gap = _window_us(window_s, int(distinct[-1] - distinct[0]))
    line = group * len(distinct) + np.searchsorted(distinct, times)
    starts = np.searchsorted(line, group * len(distinct) + np.searchsorted(distinct, times - gap), side="left")
    sizes = np.arange(len(times)) - starts + 1
    largest = np.maximum.reduceat(sizes, firsts)
    ends = np.flatnonzero(sizes == largest[group])
    _, first_end = np.unique(group[ends], return_index=True)
    return {
        int(groups[end]): tuple(indices[starts[end] : end + 1].tolist())
        for end in ends[first_end].tolist()
        if sizes[end] >= count
    }


def _window_us(window_s: float, most: int) -> int:
    """The longest gap in whole microseconds (`most` at the most) that `burst_of`'s test `gap / 1e6 >
    window_s` does not find too long: the division rounds, so the bound is stepped to, not multiplied out."""
    if not most / 1e6 > window_s:
        return most
    gap = int(window_s * 1e6)
    while gap / 1e6 > window_s:
        gap -= 1
    while (gap + 1) / 1e6 <= window_s:
        gap += 1
    return gap
