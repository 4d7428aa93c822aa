"""Tie requests to connections, measure reuse and concurrency, and find HTTP/1.x connection saturation.

Identity: the writer's connection id (`_connectionId`, old Chrome's socket id, Safari's index, Fiddler's
client port) where there is one; otherwise inferred and marked so — per host, port and protocol, a request
that paid a connect time opened a new connection, HTTP/2 and HTTP/3 multiplex on one, an HTTP/1.x request
reuses the connection that fell idle last, and every websocket has its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, TypeVar

import pandas as pd

from analyzer.analysis.values import Row, as_datetime, as_float, as_int, as_text, rows_of
from analyzer.settings import Settings
from analyzer.summary import Connection, HostConcurrency, HostReuse, NavigationReuse, Saturation, Stream

_MULTIPLEXED = frozenset({"HTTP/2", "HTTP/3"})


@dataclass
class _Open:
    id: str
    inferred: bool
    host: str | None
    protocol: str | None
    rows: list[Row] = field(default_factory=list)
    busy_until: datetime | None = None


def assign_connections(frame: pd.DataFrame) -> pd.Series:
    """Per row, the connection id (the writer's, or `inferred:host:port#n`)."""
    ids: dict[int, str] = {}
    groups: dict[tuple[Any, ...], list[_Open]] = defaultdict(list)
    counter = 0
    for row in rows_of(frame.sort_values(["started", "index"])):
        explicit = as_text(row.get("connection_id"))
        if explicit is not None:
            ids[row["index"]] = explicit
            continue
        key = (as_text(row.get("host")), as_int(row.get("port")), _family(row.get("http_version")))
        counter += 1
        ids[row["index"]] = _infer(groups[key], row, key, counter)
    return frame["index"].map(ids)


def _infer(pool: list[_Open], row: Row, key: tuple[Any, ...], serial: int) -> str:
    started, ended = as_datetime(row.get("started")), as_datetime(row.get("ended"))
    fresh = (as_float(row.get("connect")) or 0) > 0 or bool(row.get("websocket"))
    chosen: _Open | None = None
    if not fresh and pool:
        if key[2] == "multiplexed":
            chosen = pool[-1]
        else:
            idle = [c for c in pool if c.busy_until is not None and started is not None and c.busy_until <= started]
            chosen = max(idle, key=lambda c: c.busy_until or datetime.min) if idle else None
    if chosen is None:
        host, port = key[0] or "?", key[1] if key[1] is not None else "?"
        chosen = _Open(id=f"inferred:{host}:{port}#{serial}", inferred=True, host=key[0], protocol=None)
        pool.append(chosen)
    chosen.busy_until = ended if ended is not None else started
    if row.get("websocket"):
        chosen.busy_until = datetime.max.replace(tzinfo=started.tzinfo) if started else None
    return chosen.id


def build_connections(frame: pd.DataFrame, connection_of: pd.Series, navigation_of: pd.Series,
                      streams: Sequence[Stream]) -> list[Connection]:  # fmt: skip
    """One record per connection, in the order they were opened."""
    long_lived = {s.index for s in streams}
    grouped: dict[str, list[Row]] = defaultdict(list)
    table = frame.assign(_connection=connection_of, _navigation=navigation_of)
    for row in rows_of(table.sort_values(["started", "index"])):
        grouped[row["_connection"]].append(row)
    connections = []
    for key, rows in grouped.items():
        first_nav = int(rows[0]["_navigation"])
        ends = [
            e for e in (as_datetime(r.get("ended")) or as_datetime(r.get("started")) for r in rows) if e is not None
        ]
        protocols = [p for p in (as_text(r.get("http_version")) for r in rows) if p]
        connections.append(
            Connection(
                id=str(key),
                inferred=str(key).startswith("inferred:"),
                host=as_text(rows[0].get("host")),
                protocol=protocols[0] if protocols else None,
                opened_at=as_datetime(rows[0].get("started")),
                last_used=max(ends) if ends else None,
                requests=tuple(int(r["index"]) for r in rows),
                long_lived=tuple(int(r["index"]) for r in rows if int(r["index"]) in long_lived),
                navigation=first_nav,
                reused_by=tuple(sorted({int(r["_navigation"]) for r in rows} - {first_nav})),
            )
        )
    return sorted(connections, key=lambda c: (c.opened_at is None, c.opened_at or datetime.min.replace(tzinfo=None)))


_Reuse = TypeVar("_Reuse", HostReuse, NavigationReuse)


def reuse_figures(frame: pd.DataFrame, connection_of: pd.Series, by: pd.Series, kind: type[_Reuse]) -> list[_Reuse]:
    """Per host (`kind` HostReuse, `by` the host column) or per page load (NavigationReuse, `by` the load of
    each row): requests per connection, share on a reused connection, new connections and the handshake time
    they cost (dns + connect, ssl within connect)."""
    table = frame.assign(_connection=connection_of, _group=by).sort_values(["started", "index"])
    first_use = ~table.duplicated("_connection")
    new = table[first_use]
    results = []
    for group, rows in table.groupby("_group", sort=True, dropna=False):
        opened = new[new["_group"] == group]
        connections = rows["_connection"].nunique()
        label: Any = None if pd.isna(group) else group  # a host (str) or a load (int): groupby gives Python scalars
        results.append(
            kind(
                label,
                requests=len(rows),
                connections=connections,
                requests_per_connection=round(len(rows) / connections, 2) if connections else None,
                reused_share=round(float((~first_use[rows.index]).mean()), 3) if len(rows) else None,
                new_connections=len(opened),
                handshake_ms=round(float(opened["dns"].fillna(0).sum() + opened["connect"].fillna(0).sum()), 1),
                ssl_ms=round(float(opened["ssl"].fillna(0).sum()), 1),
                protocols=tuple(sorted({p for p in rows["http_version"].dropna().astype(str)})),
            )
        )
    return results


def concurrency(frame: pd.DataFrame, connections: Sequence[Connection], capture_end: datetime | None,
                streams: Sequence[Stream]) -> list[HostConcurrency]:  # fmt: skip
    """Per host: the most requests and connections open at once, and when."""
    stream_end = {s.index: (s.ended or capture_end) for s in streams}
    results = []
    for host, rows in frame.groupby(frame["host"].fillna("(none)"), sort=True):
        spans = [
            (as_datetime(r["started"]), stream_end.get(int(r["index"]), as_datetime(r["ended"]))) for r in rows_of(rows)
        ]
        peak, at = _peak(spans)
        host_connections = [c for c in connections if (c.host or "(none)") == host]
        conn_peak, conn_at = _peak((c.opened_at, c.last_used) for c in host_connections)
        results.append(HostConcurrency(host=str(host), max_open_requests=peak, at=at, max_open_connections=conn_peak,
                                       connections_at=conn_at))  # fmt: skip
    return results


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
        if stream.transport == "http" and stream.host and (stream.protocol or "HTTP/1.1") not in _MULTIPLEXED:
            by_host[stream.host].append(stream)
    waited = _waited_ms(frame)
    for host, host_streams in by_host.items():
        spans = _intervals_at_or_above(host_streams, capture_end, settings.connection_limit, waited)
        for start, end, members, peak in spans:
            queued = _queued(frame, host, start, end, {s.index for s in host_streams}, waited, settings)
            protocol = next((s.protocol for s in members if s.protocol), "HTTP/1.1")
            found = Saturation(host=host, protocol=protocol, started=start, ended=end, open_streams=peak,
                               streams=tuple(s.index for s in members), queued=queued)  # fmt: skip
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


def _waited_ms(frame: pd.DataFrame) -> dict[int, float]:
    """Per request, the time it spent in the browser's queue (`blocked`, or Chrome's `_blocked_queueing`)."""
    waited = frame["blocked"].astype("Float64").fillna(0).combine(frame["queueing"].astype("Float64").fillna(0), max)
    return {int(i): float(w) for i, w in zip(frame["index"], waited, strict=True)}


def _intervals_at_or_above(
    streams: Sequence[Stream], capture_end: datetime | None, limit: int, waited: dict[int, float]
) -> Iterable[tuple[datetime, datetime, list[Stream], int]]:
    events = []
    for stream in streams:
        end = stream.ended or capture_end
        if stream.started is None or end is None:
            continue
        # A stream holds a connection only once it left the queue: a queued watch holds none meanwhile.
        holding = stream.started + timedelta(milliseconds=waited.get(stream.index, 0.0))
        if end > holding:
            events += [(holding, 1, stream), (end, -1, stream)]
    events.sort(key=lambda e: (e[0], e[1]))
    open_now: set[int] = set()
    members: dict[int, Stream] = {}
    start: datetime | None = None
    peak = 0
    for moment, delta, stream in events:
        if delta > 0:
            open_now.add(stream.index)
            members[stream.index] = stream
        else:
            open_now.discard(stream.index)
        if len(open_now) >= limit and start is None:
            start, peak, members = moment, len(open_now), {i: members[i] for i in open_now}
        elif start is not None:
            peak = max(peak, len(open_now))
            if len(open_now) < limit:
                yield start, moment, sorted(members.values(), key=lambda s: s.index), peak
                start = None


def _queued(frame: pd.DataFrame, host: str, start: datetime, end: datetime, streams: set[int],
            waited: dict[int, float], settings: Settings) -> tuple[int, ...]:  # fmt: skip
    """Requests to the host (streams included) whose time in the queue overlaps the interval."""
    queued = []
    for row in rows_of(frame[frame["host"] == host][["index", "started", "status", "time_ms"]]):
        began = as_datetime(row["started"])
        if began is None or began > end:
            continue
        wait = waited.get(int(row["index"]), 0.0)
        left_queue = began + timedelta(milliseconds=wait)
        # Playwright writes a request still waiting in Chrome's queue like an unfinished one (status -1).
        no_answer = as_int(row["status"]) is None and as_float(row["time_ms"]) is None
        unfinished = int(row["index"]) not in streams and no_answer
        if (wait >= settings.queued_min_ms and left_queue >= start) or (unfinished and began >= start):
            queued.append(int(row["index"]))
    return tuple(queued)


def _peak(spans: Iterable[tuple[datetime | None, datetime | None]]) -> tuple[int, datetime | None]:
    events = []
    for start, end in spans:
        if start is None:
            continue
        events += [(start, 1), (end if end is not None and end >= start else start, -1)]
    events.sort(key=lambda e: (e[0], -e[1]))
    current = peak = 0
    at = None
    for moment, delta in events:
        current += delta
        if current > peak:
            peak, at = current, moment
    return peak, at


def _family(version: Any) -> str:
    text = as_text(version)
    return "multiplexed" if text in _MULTIPLEXED else (text or "unknown")
