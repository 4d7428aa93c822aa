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

import numpy as np
import numpy.typing as npt
import pandas as pd

from analyzer.analysis.values import (
    Moments,
    Row,
    as_datetime,
    as_float,
    as_int,
    as_moment,
    as_text,
    moments,
    moments_of,
    rows_of,
)
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
    explicit = (
        frame["connection_id"].astype("object").where(frame["connection_id"].notna() & (frame["connection_id"] != ""))
    )
    unknown = frame[explicit.isna()]
    if unknown.empty:
        return explicit
    ids: dict[int, str] = {}
    groups: dict[tuple[Any, ...], list[_Open]] = defaultdict(list)
    for serial, row in enumerate(rows_of(unknown.sort_values(["started", "index"])), start=1):
        key = (as_text(row.get("host")), as_int(row.get("port")), _family(row.get("http_version")))
        ids[row["index"]] = _infer(groups[key], row, key, serial)
    return explicit.where(explicit.notna(), frame["index"].map(ids))


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
    table = (
        frame[["index", "started", "ended", "host", "http_version"]]
        .assign(_connection=connection_of, _navigation=navigation_of)
        .sort_values(["started", "index"])
    )
    table = table[table["_connection"].notna()]
    if table.empty:
        return []
    codes, keys = pd.factorize(table["_connection"], sort=False)  # in the order of first use
    order = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[order])) + 1
    members = np.split(order, bounds)
    index = table["index"].to_numpy(dtype="int64")
    navigation = table["_navigation"].to_numpy(dtype="int64")
    long_lived = np.isin(index, np.fromiter((s.index for s in streams), dtype="int64", count=len(streams)))
    started, ended = table["started"], table["ended"]
    last_seen = ended.where(ended.notna(), started).groupby(codes, sort=True).max()
    protocols = table["http_version"].where(table["http_version"] != "").groupby(codes, sort=True).first()
    first = table.iloc[[rows[0] for rows in members]]
    connections = []
    for code, (key, rows) in enumerate(zip(keys, members, strict=True)):
        first_nav = int(navigation[rows[0]])
        connections.append(
            Connection(
                id=str(key),
                inferred=str(key).startswith("inferred:"),
                host=as_text(first["host"].iat[code]),
                protocol=as_text(protocols.get(code)),
                opened_at=as_datetime(first["started"].iat[code]),
                last_used=as_datetime(last_seen.get(code)),
                requests=tuple(index[rows].tolist()),
                long_lived=tuple(index[rows][long_lived[rows]].tolist()),
                navigation=first_nav,
                reused_by=tuple(sorted(set(navigation[rows].tolist()) - {first_nav})),
            )
        )
    return sorted(connections, key=lambda c: (c.opened_at is None, c.opened_at or datetime.min.replace(tzinfo=None)))


_Reuse = TypeVar("_Reuse", HostReuse, NavigationReuse)


def reuse_figures(frame: pd.DataFrame, connection_of: pd.Series, by: pd.Series, kind: type[_Reuse]) -> list[_Reuse]:
    """Per host (`kind` HostReuse, `by` the host column) or per page load (NavigationReuse, `by` the load of
    each row): requests per connection, share on a reused connection, new connections and the handshake time
    they cost (dns + connect, ssl within connect). Each group's rows are picked by position in numpy columns."""
    columns = ["index", "started", "dns", "connect", "ssl", "http_version"]
    table = frame[columns].assign(_connection=connection_of, _group=by).sort_values(["started", "index"])
    first_use = (~table.duplicated("_connection")).to_numpy()
    connection = table["_connection"].to_numpy(dtype=object)
    version = table["http_version"].to_numpy(dtype=object)
    dns, connect, ssl = (table[c].astype("float64").fillna(0).to_numpy() for c in ("dns", "connect", "ssl"))
    groups: dict[Any, npt.NDArray[np.intp]] = table.groupby("_group", sort=True, dropna=False).indices  # type: ignore[assignment]
    known = sorted(g for g in groups if not pd.isna(g))
    results = []
    for group in known + [g for g in groups if pd.isna(g)]:  # as groupby orders them: missing last
        rows = groups[group]
        opened = rows[first_use[rows]]
        connections = len({c for c in connection[rows].tolist() if isinstance(c, str)})
        label: Any = None if pd.isna(group) else group.item() if isinstance(group, np.generic) else group
        results.append(
            kind(
                label,
                requests=len(rows),
                connections=connections,
                requests_per_connection=round(len(rows) / connections, 2) if connections else None,
                reused_share=round(float((~first_use[rows]).mean()), 3) if len(rows) else None,
                new_connections=len(opened),
                handshake_ms=round(float(dns[opened].sum() + connect[opened].sum()), 1),
                ssl_ms=round(float(ssl[opened].sum()), 1),
                protocols=tuple(sorted({str(v) for v in version[rows].tolist() if isinstance(v, str)})),
            )
        )
    return results


def concurrency(frame: pd.DataFrame, connections: Sequence[Connection], capture_end: datetime | None,
                streams: Sequence[Stream]) -> list[HostConcurrency]:  # fmt: skip
    """Per host: the most requests and connections open at once, and when."""
    stream_end = pd.Series({s.index: (s.ended or capture_end) for s in streams}, dtype="object")
    placed = pd.to_datetime(frame["index"].map(stream_end), utc=True)
    ends = placed.where(frame["index"].isin(stream_end.index), frame["ended"])
    by_host: dict[str, list[Connection]] = defaultdict(list)
    for connection in connections:
        by_host[connection.host or "(none)"].append(connection)
    results = []
    for host, rows in frame[["started"]].assign(_end=ends).groupby(frame["host"].fillna("(none)"), sort=True):
        peak, at = _peak(moments(rows["started"]), moments(rows["_end"]))
        host_connections = by_host.get(str(host), [])
        conn_peak, conn_at = _peak(moments_of([c.opened_at for c in host_connections]),
                                   moments_of([c.last_used for c in host_connections]))  # fmt: skip
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
    waited = np.maximum(frame["blocked"].astype("float64").fillna(0).to_numpy(),
                        frame["queueing"].astype("float64").fillna(0).to_numpy())  # fmt: skip
    return dict(zip(frame["index"].astype("int64").tolist(), waited.tolist(), strict=True))


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
    rows = frame.loc[frame["host"] == host, ["index", "started", "status", "time_ms"]]
    index = rows["index"].to_numpy(dtype="int64")
    began = moments(rows["started"])
    wait = np.fromiter((waited.get(i, 0.0) for i in index.tolist()), dtype="float64", count=len(index))
    left_queue = began + np.round(wait * 1000).astype("timedelta64[us]")
    start_us, end_us = as_moment(start), as_moment(end)
    # Playwright writes a request still waiting in Chrome's queue like an unfinished one (status -1).
    no_answer = (rows["status"].isna() & rows["time_ms"].isna()).to_numpy(dtype=bool)
    unfinished = ~np.isin(index, list(streams)) & no_answer
    seen = ~np.isnat(began) & (began <= end_us)
    chosen = seen & (((wait >= settings.queued_min_ms) & (left_queue >= start_us)) | (unfinished & (began >= start_us)))
    return tuple(index[chosen].tolist())


def _peak(starts: Moments, ends: Moments) -> tuple[int, datetime | None]:
    """The most spans open at once, and when that was first reached (a span ending when another starts does
    not overlap it); a span without a valid end lasts an instant."""
    keep = ~np.isnat(starts)
    starts, ends = starts[keep], ends[keep]
    if not len(starts):
        return 0, None
    ends = np.where(np.isnat(ends) | (ends < starts), starts, ends)
    moment = np.concatenate([starts, ends])
    delta = np.concatenate([np.ones(len(starts), dtype="int64"), -np.ones(len(ends), dtype="int64")])
    order = np.lexsort((-delta, moment))  # by moment, starts first
    running = np.cumsum(delta[order])
    best = int(np.argmax(running))
    peak = int(running[best])
    if peak <= 0:
        return 0, None
    return peak, as_datetime(pd.Timestamp(moment[order][best], tz="UTC"))


def _family(version: Any) -> str:
    text = as_text(version)
    return "multiplexed" if text in _MULTIPLEXED else (text or "unknown")
