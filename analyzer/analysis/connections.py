"""Tie requests to connections, and measure reuse and concurrency (saturation: `saturations`).

Identity: the writer's connection id (`_connectionId`, old Chrome's socket id, Safari's index, Fiddler's
client port) where there is one; otherwise inferred and marked so — per host, port and protocol, a request
that paid a connect time opened a new connection, HTTP/2 and HTTP/3 multiplex on one, an HTTP/1.x request
reuses the connection that fell idle last, and every websocket has its own.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
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
    as_text,
    moments,
    moments_of,
    rows_of,
    start_order,
)
from analyzer.summary import Connection, HostConcurrency, HostReuse, NavigationReuse, Stream

MULTIPLEXED = frozenset({"HTTP/2", "HTTP/3"})  # protocols that never saturate a host's connections


@dataclass
class _Open:
    id: str
    inferred: bool
    host: str | None
    protocol: str | None
    rows: list[Row] = field(default_factory=list)
    busy_until: datetime | None = None


def assign_connections(frame: pd.DataFrame) -> pd.Series:
    """Per row, the connection id (the writer's, or `inferred:host:port#n`): one str object per connection,
    shared by its requests (a million requests' ids were one each)."""
    written = frame["connection_id"]
    codes, distinct = pd.factorize(written.where(written.notna() & (written != "")))
    # code -1 (none written) takes the last item, NaN; dtype object, as the other columns of ids are
    explicit = pd.Series(np.array([*distinct, np.nan], dtype=object).take(codes), index=frame.index, dtype=object)
    missing = explicit.isna()
    if not missing.any():
        return explicit
    unknown = frame.loc[missing, list(_INFER_COLUMNS)]  # the columns `_infer` reads, not the whole table
    ids: dict[int, str] = {}
    groups: dict[tuple[Any, ...], list[_Open]] = defaultdict(list)
    for serial, row in enumerate(rows_of(unknown.sort_values(["started", "index"])), start=1):
        key = (as_text(row.get("host")), as_int(row.get("port")), _family(row.get("http_version")))
        ids[row["index"]] = _infer(groups[key], row, key, serial)
    found = explicit.to_numpy(dtype=object, copy=True)
    guessed = np.flatnonzero(missing.to_numpy(dtype=bool))
    found[guessed] = [ids[i] for i in frame["index"].to_numpy(dtype="int64")[guessed].tolist()]
    return pd.Series(found, index=frame.index, dtype=object)


_INFER_COLUMNS = ("index", "started", "ended", "host", "port", "http_version", "connect", "websocket")


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
    they cost (dns + connect, ssl within connect). Each group's rows are picked by position in numpy columns,
    in start order (a connection's first use opened it)."""
    table = frame[["index", "started", "dns", "connect", "ssl"]].assign(_connection=connection_of, _group=by)
    order = start_order(table)
    first_use = ~table["_connection"].take(order).duplicated().to_numpy()
    connection, ids = pd.factorize(table["_connection"])
    version, versions = pd.factorize(frame["http_version"])
    connection, version = _strings_only(connection, ids)[order], _strings_only(version, versions)[order]
    dns, connect, ssl = (table[c].astype("float64").fillna(0).to_numpy()[order] for c in ("dns", "connect", "ssl"))
    results = []
    for label, rows in _groups(table["_group"], order):
        opened = rows[first_use[rows]]
        connections = len(_distinct(connection[rows]))
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
                protocols=tuple(sorted(str(versions[v]) for v in _distinct(version[rows]).tolist())),
            )
        )
    return results


def _groups(by: pd.Series, order: npt.NDArray[np.intp]) -> list[tuple[Any, npt.NDArray[np.intp]]]:
    """Each value of `by` (None for missing) with the positions in `order` of its rows, ascending: the values
    sorted, missing last, as `groupby(sort=True, dropna=False)` orders them."""
    codes, uniques = pd.factorize(by)
    if not len(codes):
        return []
    labels: list[Any] = uniques.tolist()
    codes = np.where(codes < 0, len(labels), codes)[order]
    members = np.argsort(codes, kind="stable")
    bounds = np.flatnonzero(np.diff(codes[members])) + 1
    found = codes[members][np.concatenate([[0], bounds])]
    rows = dict(zip(found.tolist(), np.split(members, bounds), strict=True))
    known = sorted((k for k in rows if k < len(labels)), key=labels.__getitem__)
    return [(labels[k] if k < len(labels) else None, rows[k]) for k in [*known, *(k for k in rows if k == len(labels))]]


def _strings_only(codes: npt.NDArray[np.intp], uniques: Any) -> npt.NDArray[np.intp]:
    """`pd.factorize` codes with -1 for the values that are not strings (as for missing ones)."""
    is_string = np.array([isinstance(u, str) for u in uniques] + [False], dtype=bool)  # [-1]: missing
    kept: npt.NDArray[np.intp] = np.where(is_string[codes], codes, -1)
    return kept


def _distinct(codes: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """The distinct codes of strings (-1 left out), ascending."""
    found: npt.NDArray[np.intp] = np.flatnonzero(np.bincount(codes[codes >= 0]))
    return found


def concurrency(frame: pd.DataFrame, connections: Sequence[Connection], capture_end: datetime | None,
                streams: Sequence[Stream]) -> list[HostConcurrency]:  # fmt: skip
    """Per host: the most requests and connections open at once, and when (a stream lasts to its end, or to the
    end of the capture where it has none)."""
    stream_end = {s.index: (s.ended or capture_end) for s in streams}
    is_stream = pd.Index(list(stream_end), dtype="int64").get_indexer(pd.Index(frame["index"].to_numpy(dtype="int64")))
    placed = np.append(moments_of(list(stream_end.values())), np.datetime64("NaT", "us"))[is_stream]
    started, ends = moments(frame["started"]), np.where(is_stream >= 0, placed, moments(frame["ended"]))
    by_host: dict[str, list[Connection]] = defaultdict(list)
    for connection in connections:
        by_host[connection.host or "(none)"].append(connection)
    results = []
    for host, rows in _groups(frame["host"].fillna("(none)"), np.arange(len(frame))):
        peak, at = _peak(started[rows], ends[rows])
        host_connections = by_host.get(str(host), [])
        conn_peak, conn_at = _peak(moments_of([c.opened_at for c in host_connections]),
                                   moments_of([c.last_used for c in host_connections]))  # fmt: skip
        results.append(HostConcurrency(host=str(host), max_open_requests=peak, at=at, max_open_connections=conn_peak,
                                       connections_at=conn_at))  # fmt: skip
    return results


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
    return "multiplexed" if text in MULTIPLEXED else (text or "unknown")
