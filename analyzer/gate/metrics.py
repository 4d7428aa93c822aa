"""Numbers `check` and `diff` both measure: long-lived connections per host, watch parameters."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from analyzer.k8s.classify import ListParams, read_list_params
from analyzer.k8s.query import parse_query, split_url
from analyzer.summary import Stream


@dataclass(frozen=True)
class HostPeak:
    """The most HTTP/1.x connections to one host that long-lived requests held at once."""

    host: str
    connections: int
    at: datetime | None
    streams: tuple[int, ...]  # the long-lived requests open at that moment


def held_until(stream: Stream, capture_end: datetime | None) -> datetime | None:
    """When the stream let its connection go: when it closed; without an end, after its duration (a lower bound)
    or at the capture's end when it has none; and for one still open when the capture was written, no earlier than
    the capture's end.

    Args:
        stream: a long-lived request of the summary.
        capture_end: the summary's `capture.ended`.
    """
    if stream.ended is not None or stream.started is None:
        return stream.ended
    duration = stream.duration_ms
    ended = stream.started + timedelta(milliseconds=duration) if duration is not None else capture_end
    if capture_end is not None and ended is not None and stream.ended_by == "open":
        ended = max(ended, capture_end)
    return ended


def http1_long_lived_peaks(streams: Iterable[Stream], capture_end: datetime | None) -> dict[str, HostPeak]:
    """Per host, the peak of distinct HTTP/1.x connections carrying an open long-lived request.

    A request queued behind a busy connection starts before it gets one; counting distinct connection ids keeps
    it from counting twice. A websocket without an id (Playwright writes none) is its own connection; an HTTP
    request without one never got a connection (still queued when the capture ended). A stream still open when
    the capture was written holds its connection until `capture_end`.
    """
    by_host: dict[str, list[tuple[Stream, datetime, datetime | None]]] = defaultdict(list)
    for stream in streams:
        holds = stream.connection is not None or stream.transport == "websocket"
        if stream.is_http1 and stream.started is not None and holds:
            by_host[stream.host or "(none)"].append((stream, stream.started, held_until(stream, capture_end)))
    peaks = {}
    for host, group in sorted(by_host.items()):
        best = HostPeak(host, 0, None, ())
        for moment in sorted({started for _, started, _ in group}):
            open_now = [s for s, started, ended in group if started <= moment and (ended is None or moment < ended)]
            held = len({s.connection or f"#{s.index}" for s in open_now})
            if held > best.connections:
                best = HostPeak(host, held, moment, tuple(sorted(s.index for s in open_now)))
        peaks[host] = best
    return peaks


def long_lived_connections(streams: Iterable[Stream]) -> dict[str, int]:
    """Per host, the connections that carried at least one long-lived request (any protocol)."""
    held: dict[str, set[str]] = defaultdict(set)
    for stream in streams:
        if stream.connection is None and stream.transport != "websocket":
            continue
        held[stream.host or "(none)"].add(stream.connection or f"#{stream.index}")
    return {host: len(ids) for host, ids in sorted(held.items())}


def watch_parameters(url: str | None) -> ListParams:
    """A watch's list/watch query parameters, read as kube-apiserver reads them (the classifier's own reading:
    Go's `ParseQuery`, first value, `Convert_Slice_string_To_bool`)."""
    return read_list_params(parse_query(split_url(url or "")[2]))


def asks_for_bookmarks(url: str | None) -> bool:
    """Whether kube-apiserver would send bookmarks on this watch: `allowWatchBookmarks` present and neither
    `false` nor `0` (so `yes` and a bare `allowWatchBookmarks` ask for them, as for the classifier)."""
    return bool(watch_parameters(url).allow_watch_bookmarks)
