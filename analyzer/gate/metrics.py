"""Numbers `check` and `diff` both measure: long-lived connections per host, watch parameters."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from analyzer.gate.facts import Stream

# strconv.ParseBool, which kube-apiserver uses for allowWatchBookmarks
_TRUE = frozenset({"1", "t", "T", "TRUE", "true", "True"})


@dataclass(frozen=True)
class HostPeak:
    """The most HTTP/1.x connections to one host that long-lived requests held at once."""

    host: str
    connections: int
    at: datetime | None
    streams: tuple[int, ...]  # the long-lived requests open at that moment


def http1_long_lived_peaks(streams: Iterable[Stream]) -> dict[str, HostPeak]:
    """Per host, the peak of distinct HTTP/1.x connections carrying an open long-lived request.

    A request queued behind a busy connection starts before it gets one; counting distinct connection ids keeps
    it from counting twice. A websocket without an id (Playwright writes none) is its own connection; an HTTP
    request without one never got a connection (still queued when the capture ended).
    """
    by_host: dict[str, list[Stream]] = defaultdict(list)
    for stream in streams:
        holds = stream.connection is not None or stream.transport == "websocket"
        if stream.is_http1 and stream.started is not None and holds:
            by_host[stream.host or "(none)"].append(stream)
    peaks = {}
    for host, group in sorted(by_host.items()):
        best = HostPeak(host, 0, None, ())
        for moment in sorted({s.started for s in group if s.started is not None}):
            open_now = [s for s in group if _is_open(s, moment)]
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


def _is_open(stream: Stream, moment: datetime) -> bool:
    assert stream.started is not None
    return stream.started <= moment and (stream.ended is None or moment < stream.ended)


def query_value(url: str | None, name: str) -> str | None:
    """The first value of a query parameter, None when absent."""
    values = parse_qs(urlsplit(url or "").query, keep_blank_values=True).get(name)
    return values[0] if values else None


def asks_for_bookmarks(url: str | None) -> bool:
    return query_value(url, "allowWatchBookmarks") in _TRUE
