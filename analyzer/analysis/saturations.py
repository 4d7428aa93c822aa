"""HTTP/1.x connection saturation: intervals where a host had as many long-lived requests open as the browser
has connections for it, and the requests that waited in the browser's queue meanwhile."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import numpy.typing as npt
import pandas as pd

from analyzer.analysis.connections import MULTIPLEXED
from analyzer.analysis.values import Moments, as_moment, moments, moments_of
from analyzer.settings import Settings
from analyzer.summary import Saturation, Stream


def find_saturations(frame: pd.DataFrame, streams: Sequence[Stream], capture_end: datetime | None,
                     settings: Settings) -> list[Saturation]:  # fmt: skip
    """Intervals where a host had `connection_limit` or more long-lived HTTP/1.x requests open at once.

    That alone is the evidence: Chrome opens at most six connections per host over HTTP/1.x, so every other
    request to it waits. Where the writer records queueing (`_blocked_queueing`/`blocked`), the requests that
    waited meanwhile are named; Playwright writes no `blocked` and writes still-queued requests like
    unfinished ones (status -1), so those count there. HTTP/2 and HTTP/3 multiplex and do not saturate.
    """
    saturations: list[Saturation] = []
    by_host: dict[str, list[Stream]] = defaultdict(list)
    for stream in streams:
        if stream.transport == "http" and stream.host and (stream.protocol or "HTTP/1.1") not in MULTIPLEXED:
            by_host[stream.host].append(stream)
    waited = _waited_ms(frame)
    for host, host_streams in by_host.items():
        spans = _intervals_at_or_above(host_streams, capture_end, settings.connection_limit, waited)
        if not spans:
            continue
        queue = _Queue.of(frame, host, waited, {s.index for s in host_streams})
        for start, end, members, peak in spans:
            protocol = next((s.protocol for s in members if s.protocol), "HTTP/1.1")
            found = Saturation(host=host, protocol=protocol, started=start, ended=end, open_streams=peak,
                               streams=tuple(s.index for s in members),
                               queued=queue.during(start, end, settings.queued_min_ms))  # fmt: skip
            if saturations and _continues(saturations[-1], found):
                found = _merge(saturations.pop(), found)
            saturations.append(found)
    return saturations


_MERGE_GAP = timedelta(seconds=1)  # a slot freed and taken again at once: still the same saturation


def _continues(previous: Saturation, following: Saturation) -> bool:
    return previous.host == following.host and following.started - previous.ended <= _MERGE_GAP


def _merge(first: Saturation, second: Saturation) -> Saturation:
    return Saturation(
        host=first.host,
        protocol=first.protocol,
        started=first.started,
        ended=max(first.ended, second.ended),
        open_streams=max(first.open_streams, second.open_streams),
        streams=tuple(sorted(set(first.streams) | set(second.streams))),
        queued=tuple(sorted(set(first.queued) | set(second.queued))),
    )


def _waited_ms(frame: pd.DataFrame) -> pd.Series:
    """Per request index, the time it spent in the browser's queue (`blocked`, or Chrome's `_blocked_queueing`)."""
    waited = np.maximum(frame["blocked"].astype("float64").fillna(0).to_numpy(),
                        frame["queueing"].astype("float64").fillna(0).to_numpy())  # fmt: skip
    return pd.Series(waited, index=pd.Index(frame["index"].to_numpy(dtype="int64")), dtype="float64")


def _intervals_at_or_above(
    streams: Sequence[Stream], capture_end: datetime | None, limit: int, waited: pd.Series
) -> list[tuple[datetime, datetime, list[Stream], int]]:
    """The intervals in which `limit` or more of `streams` held a connection at once: when each began and
    ended, the streams open in it (by index) and the most open at once. One still going at the last end is
    not closed, so not one.

    A sweep over the streams' moments as numpy columns, in the order of (moment, +1 before -1 where both, then
    the streams' order); the datetimes of the few intervals' bounds are read back from their streams."""
    timed = [(s, s.started, end) for s in streams
             if s.started is not None and (end := s.ended or capture_end) is not None]  # fmt: skip
    indices = np.fromiter((s.index for s, _, _ in timed), dtype="int64", count=len(timed))
    wait = waited.reindex(indices, fill_value=0.0).to_numpy(dtype="float64")
    # A stream holds a connection only once it left the queue: a queued watch holds none meanwhile.
    holding = moments_of([started for _, started, _ in timed]).astype("int64") + timedelta_us(wait)
    ends = moments_of([end for _, _, end in timed]).astype("int64")
    held = np.flatnonzero(ends > holding)
    count = len(held)
    if not count:
        return []
    moment = np.concatenate([holding[held], ends[held]])
    delta = np.concatenate([np.ones(count, dtype="int64"), -np.ones(count, dtype="int64")])
    order = np.lexsort((np.concatenate([2 * held, 2 * held + 1]), delta, moment))
    open_now = np.cumsum(delta[order])
    position = np.empty(2 * count, dtype="int64")
    position[order] = np.arange(2 * count)
    above = open_now >= limit
    was_above = np.concatenate([[False], above[:-1]])
    begins, finishes = np.flatnonzero(above & ~was_above), np.flatnonzero(~above & was_above)

    def moment_of(event: int) -> datetime:
        k = int(held[event % count])
        _, started, end = timed[k]
        return started + timedelta(milliseconds=float(wait[k])) if event < count else end

    intervals = []
    for first, last in zip(begins[: len(finishes)].tolist(), finishes.tolist(), strict=True):
        # open when it began, or opened before it ended
        inside = held[(position[:count] < last) & (position[count:] > first)]
        members = [timed[k][0] for k in inside[np.argsort(indices[inside], kind="stable")].tolist()]
        peak = int(open_now[first : last + 1].max())
        intervals.append((moment_of(int(order[first])), moment_of(int(order[last])), members, peak))
    return intervals


@dataclass(frozen=True)
class _Queue:
    """A host's requests, as numpy columns, for naming those that waited in the queue during a saturation."""

    index: npt.NDArray[np.int64]
    began: Moments
    wait: npt.NDArray[np.float64]  # ms in the queue
    left_queue: Moments
    unfinished: npt.NDArray[np.bool_]  # not a stream, and no answer (how Playwright writes one still queued)

    @classmethod
    def of(cls, frame: pd.DataFrame, host: str, waited: pd.Series, streams: set[int]) -> _Queue:
        rows = frame.loc[frame["host"] == host, ["index", "started", "status", "time_ms"]]
        index = rows["index"].to_numpy(dtype="int64")
        began = moments(rows["started"])
        wait = waited.reindex(index, fill_value=0.0).to_numpy(dtype="float64")
        # Playwright writes a request still waiting in Chrome's queue like an unfinished one (status -1).
        no_answer = (rows["status"].isna() & rows["time_ms"].isna()).to_numpy(dtype=bool)
        return cls(index=index, began=began, wait=wait,
                   left_queue=began + np.round(wait * 1000).astype("timedelta64[us]"),
                   unfinished=~np.isin(index, list(streams)) & no_answer)  # fmt: skip

    def during(self, start: datetime, end: datetime, min_ms: float) -> tuple[int, ...]:
        """Requests to the host (streams included) whose time in the queue overlaps the interval."""
        start_us, end_us = as_moment(start), as_moment(end)
        seen = ~np.isnat(self.began) & (self.began <= end_us)
        waited = (self.wait >= min_ms) & (self.left_queue >= start_us)
        chosen = seen & (waited | (self.unfinished & (self.began >= start_us)))
        return tuple(self.index[chosen].tolist())


def timedelta_us(milliseconds: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """`timedelta(milliseconds=m) // timedelta(microseconds=1)` of each value, rounded as CPython rounds it:
    the whole milliseconds exactly, the fraction's whole microseconds, and what is left to the nearest, half to
    an even total."""
    fraction, whole = np.modf(milliseconds)
    fraction, extra = np.modf(fraction * 1000.0)
    total = whole.astype("int64") * 1000 + extra.astype("int64")
    odd = (total & 1) == 1
    half_away = np.where(np.abs(fraction) >= 0.5, np.sign(fraction), 0.0)  # C's round() of |x| < 1
    nearest = np.where(np.abs(fraction) == 0.5, np.where(odd, np.sign(fraction), 0.0), half_away)
    rounded: npt.NDArray[np.int64] = total + nearest.astype("int64")
    return rounded
