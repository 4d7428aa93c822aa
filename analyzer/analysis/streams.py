"""Long-lived requests (streams): find them, type them, and tell how long they really lived and how they ended.

Kinds: a Kubernetes `watch` (over HTTP or a websocket), another `websocket`, server-sent events (`sse`),
Kubernetes `follow-logs`, and a `long-poll` (a request held open well beyond its host's normal latency).

How each ended, and the bound on a duration whose end the writer did not keep, come from
`analysis.outcomes` (`request_outcomes`); this module makes them `Stream`s.
"""

from __future__ import annotations

from datetime import datetime

import numpy as np
import numpy.typing as npt
import pandas as pd

from analyzer.analysis.values import (
    Moments,
    Row,
    as_datetime,
    as_int,
    as_text,
    as_tri_state,
    datetimes,
    floats,
    ints,
    is_missing,
    moments,
    rows_of,
    texts,
    tri_states,
)
from analyzer.har.loader import Capture
from analyzer.settings import Settings
from analyzer.summary import (
    DURATION_BOUNDS,
    ENDED_BY,
    STREAM_KINDS,
    DurationBound,
    Stream,
    one_of,
)

_NAT = np.datetime64("NaT", "us")
_POLLABLE_TYPES = frozenset({"xhr", "fetch", "other", "eventsource"})
_CLOSE_OPCODE = 8


def stream_kinds(frame: pd.DataFrame, settings: Settings) -> pd.Series:
    """Per row: the stream kind, or None for an ordinary request."""
    websocket = frame["websocket"].fillna(False).to_numpy(dtype=bool)
    watch = (frame["verb"] == "watch").to_numpy(dtype=bool)
    follow = _follows(frame)
    # MIME types are few: each distinct one is read once
    mimes, distinct = pd.factorize(frame["mime_type"].fillna(""))
    is_sse = pd.Series(distinct, dtype="str").str.lower().str.contains("text/event-stream", regex=False)
    eventsource = (frame["resource_type"] == "eventsource").to_numpy(dtype=bool)
    sse = np.append(is_sse.to_numpy(dtype=bool), False)[mimes] | eventsource
    others = pd.Series(follow | sse | websocket | watch, index=frame.index)
    long_poll = _long_polls(frame, others, settings).to_numpy(dtype=bool)
    kinds = np.full(len(frame), None, dtype=object)
    for kind, mask in (
        ("long-poll", long_poll),
        ("sse", sse),
        ("follow-logs", follow),
        ("websocket", websocket),
        ("watch", watch),
    ):  # later rules win: a websocket watch is a watch
        kinds[mask] = kind
    return pd.Series(kinds, index=frame.index, dtype="object")


def _follows(frame: pd.DataFrame) -> npt.NDArray[np.bool_]:
    """Per row: a Kubernetes log request that follows the log (only `log` rows' queries are read)."""
    logs = (frame["subresource"] == "log").to_numpy(dtype=bool)
    follow = np.zeros(len(frame), dtype=bool)
    if logs.any():
        query = frame["query"][logs].fillna("").astype(str)
        follow[logs] = query.str.contains(r"(?:^|&)follow=(?:true|1)", regex=True).to_numpy(dtype=bool)
    return follow


def _long_polls(frame: pd.DataFrame, streams: pd.Series, settings: Settings) -> pd.Series:
    """Held open `long_poll_min_ms` and `long_poll_host_factor` times its host's median (other streams aside)."""
    time_ms = frame["time_ms"].astype("float64")
    typical = time_ms.where(~streams).groupby(frame["host"].fillna("")).transform("median")
    pollable = frame["resource_type"].isin(list(_POLLABLE_TYPES)) | frame["resource_type"].isna()
    held = (time_ms >= settings.long_poll_min_ms) & (time_ms >= settings.long_poll_host_factor * typical)
    return (held & pollable).fillna(False)


# What `_stream` reads of a row (a few of the table's columns: the rows are made into dicts).
_STREAM_COLUMNS = ("index", "kind", "navigation", "websocket", "started", "ended", "ended_by", "end_bound", "end_at",
                   "aborted_by_navigation", "status", "connection_id", "host", "http_version", "timeout_seconds",
                   "websocket_messages")  # fmt: skip


def find_streams(capture: Capture, frame: pd.DataFrame, navigation_of: pd.Series, settings: Settings,
                 capture_end: datetime | None) -> list[Stream]:  # fmt: skip
    """Every long-lived request of the table, in table order; `frame` carries `request_outcomes` columns.
    HTTP streams are made column by column; websockets (few, and their frames are read) one by one."""
    kinds = stream_kinds(frame, settings)
    columns = [c for c in _STREAM_COLUMNS if c not in ("kind", "navigation")]
    is_stream = kinds.notna()
    selected = frame.loc[is_stream, columns].assign(kind=kinds[is_stream], navigation=navigation_of[is_stream])
    selected = selected[list(_STREAM_COLUMNS)]
    sockets = selected["websocket"].fillna(False).to_numpy(dtype=bool)
    streams: list[Stream | None] = [None] * len(selected)
    for position, stream in zip(np.flatnonzero(~sockets).tolist(), _http_streams(selected[~sockets], capture_end),
                                strict=True):  # fmt: skip
        streams[position] = stream
    for position, record in zip(np.flatnonzero(sockets).tolist(), rows_of(selected[sockets]), strict=True):
        record["navigation"] = int(record["navigation"])
        streams[position] = _stream(capture, record, capture_end)
    return [s for s in streams if s is not None]


def _http_streams(rows: pd.DataFrame, capture_end: datetime | None) -> list[Stream]:
    """`_stream` of rows that are not websockets (no frames), as column operations."""
    started, recorded, placed = moments(rows["started"]), moments(rows["ended"]), moments(rows["end_at"])
    ended_by = rows["ended_by"].to_numpy(dtype=object)
    bound = rows["end_bound"].to_numpy(dtype=object)
    for value in set(ended_by.tolist()):
        one_of(value, ENDED_BY)
    for value in set(rows["kind"].tolist()):
        one_of(value, STREAM_KINDS)
    is_open = ended_by == "open"
    unknown_end = is_open | (bound == "at_least")
    failed_at_start = np.isnat(recorded) & np.isin(ended_by, ("aborted", "error"))  # `started`, or NaT too
    ended = np.where(
        unknown_end, _NAT, np.where(~np.isnat(placed), placed, np.where(failed_at_start, started, recorded))
    )
    end_of_capture = moments(pd.Series([capture_end], dtype="object"))[0]
    # Where the end is not known, the duration is a lower bound: to the end of the capture for one still open,
    # to the writer's own end where it kept no other.
    last_seen = np.where(~np.isnat(ended), ended, np.where(is_open, end_of_capture, recorded))
    elapsed = (last_seen - started).astype("timedelta64[us]").astype("float64") / 1e6 * 1000
    unseen = np.isnat(last_seen) | np.isnat(started) | (np.isnat(ended) & ~(elapsed > 0))
    durations = np.where(unseen, np.nan, elapsed)
    statuses = ints(rows["status"])
    duration_bounds = bound.copy()  # `end_bound`: None or a name
    duration_bounds[unseen | pd.isna(bound)] = None
    columns = (
        rows["index"].astype("int64").tolist(),
        rows["kind"].tolist(),
        ["http"] * len(rows),
        datetimes(_utc(started)),
        datetimes(_utc(ended)),
        floats(pd.Series(durations)),
        duration_bounds.tolist(),
        ended_by.tolist(),
        tri_states(rows["aborted_by_navigation"]),
        # open with its response headers: it had been sent; without them, `pipeline.derive` knows the queue
        [False if o and s not in (None, 0) else None for o, s in zip(is_open.tolist(), statuses, strict=True)],
        rows["navigation"].astype("int64").tolist(),
        texts(rows["connection_id"], shared=True),
        texts(rows["host"], shared=True),
        texts(rows["http_version"], shared=True),
        ints(rows["timeout_seconds"]),
        ints(rows["websocket_messages"]),
        [None] * len(rows),
        [None] * len(rows),
    )
    return list(map(Stream, *columns))


def _utc(values: Moments) -> pd.Series:
    series: pd.Series = pd.Series(values).dt.tz_localize("UTC")
    return series


def _writer(capture: Capture) -> str:
    return (capture.creator or "").lower()


def _stream(capture: Capture, row: Row, capture_end: datetime | None) -> Stream:
    index = int(row["index"])
    websocket = bool(row["websocket"])
    frames = capture.websocket_frames(index) if websocket else []
    times = [f.time for f in frames if f.time is not None]
    started = as_datetime(row["started"])
    ended_by = one_of(row["ended_by"], ENDED_BY)
    bound = _bound(row.get("end_bound"))
    ended = _end(row, started, times, ended_by, bound)
    # Where the end is not known, the duration is a lower bound: to the last moment it was seen alive (its
    # last frame; the end of the capture for one still open; the writer's own end where it kept no other).
    if ended is not None:
        last_seen: datetime | None = ended
    elif ended_by == "open":
        last_seen = max([*times, capture_end] if capture_end is not None else times, default=None)
    else:
        last_seen = max([*times, recorded] if (recorded := as_datetime(row.get("ended"))) else times, default=None)
    duration = None if last_seen is None or started is None else (last_seen - started).total_seconds() * 1000
    if ended is None and duration is not None and duration <= 0:
        duration = None  # nothing was seen of it after it started
    return Stream(
        index=index,
        kind=one_of(row["kind"], STREAM_KINDS),
        transport="websocket" if websocket else "http",
        started=started,
        ended=ended,
        duration_ms=duration,
        duration_bound=bound if duration is not None else None,
        ended_by=ended_by,
        aborted_by_navigation=as_tri_state(row["aborted_by_navigation"]),
        # open with its response headers: it had been sent; without them, `pipeline.derive` knows the queue
        queued=False if ended_by == "open" and as_int(row.get("status")) not in (None, 0) else None,
        navigation=row["navigation"],
        connection=as_text(row.get("connection_id")),
        host=as_text(row.get("host")),
        protocol=as_text(row.get("http_version")),
        timeout_seconds=as_int(row.get("timeout_seconds")),
        frames=as_int(row.get("websocket_messages")),
        first_frame=min(times) if times else None,
        last_frame=max(times) if times else None,
    )


def _bound(value: object) -> DurationBound | None:
    return None if is_missing(value) else one_of(value, DURATION_BOUNDS)


def _end(row: Row, started: datetime | None, frame_times: list[datetime], ended_by: str,
         bound: DurationBound | None) -> datetime | None:  # fmt: skip
    """The end: measured, or the upper bound `at_most` names; None where only a lower bound is known."""
    if ended_by == "open" or bound == "at_least":
        return None
    placed = as_datetime(row.get("end_at"))
    if placed is not None:
        return placed  # the load that cut what its writer shows as open, the socket that replaced one
    if frame_times:
        return max(frame_times)
    ended = as_datetime(row.get("ended"))
    if ended is None and started is not None and ended_by in ("aborted", "error"):
        return started
    return ended
