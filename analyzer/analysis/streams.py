"""Long-lived requests (streams): find them, type them, and tell how long they really lived and how they ended.

Kinds: a Kubernetes `watch` (over HTTP or a websocket), another `websocket`, server-sent events (`sse`),
Kubernetes `follow-logs`, and a `long-poll` (a request held open well beyond its host's normal latency).

`ended_by`, per writer:
- `complete`: the server closed it (a finished watch: compare its duration with `timeoutSeconds`);
- `open`: still open (or still queued, never sent: `queued`) when the capture was written — Playwright writes
  `time` -1, or (plain `record_har`, a stream whose headers had come) `receive` -1; chrome-har and older Chrome
  status 200 with `receive` 0; Firefox `time` 0 with no timings; Chromium 156 DevTools and Safari leave such
  requests out of the export altogether, so an absence proves nothing;
- `aborted`: cancelled by the client (`net::ERR_ABORTED`, Playwright's failure text), with
  `aborted_by_navigation` True when the next page load cut it, False when something else did, None when the
  evidence cannot tell (a request the page renewed in its own load may have been cancelled by the page). A
  request a writer shows as still open although a later page load started was cut by it: the browser cancels
  the old document's requests when the main frame navigates (chrome-har writes a watch cut by a reload like an
  open one). A stream a writer shows as finished at the moment the next load started, before its
  `timeoutSeconds`, was cut by it too (Firefox writes no error);
- `error`: another network failure;
- `unknown`: the writer kept no evidence of the end: Firefox's status 0 alone (written for a request still
  waiting as for a cancelled one), a Firefox websocket (no frames are kept, so no close frame either).

Where the writer did not keep the true end, the duration is a bound (`duration_bound`), never a number it did
not measure: `at_least` for a stream still open (to the end of the capture or its last frame) or one whose
writer kept the time to its headers only (Firefox over HTTP/2), `at_most` where a later event bounds it (the
load that cut a Playwright watch written with its headers' time only, the request that renewed it, the socket
that replaced a Firefox websocket).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from analyzer.analysis.values import Row, as_datetime, as_float, as_int, as_text, as_tri_state, is_missing, rows_of
from analyzer.har.loader import Capture
from analyzer.settings import Settings
from analyzer.summary import (
    DURATION_BOUNDS,
    ENDED_BY,
    STREAM_KINDS,
    DurationBound,
    EndedBy,
    Navigation,
    Stream,
    one_of,
)

_POLLABLE_TYPES = frozenset({"xhr", "fetch", "other", "eventsource"})
_ABORT_WORDS = ("err_aborted", "aborted", "ns_binding_aborted", "canceled", "cancelled")
_CLOSE_OPCODE = 8
_RESTART_PARAMETERS = r"(?:^|&)(?:resourceVersion|resourceVersionMatch|timeoutSeconds)=[^&]*"


def stream_kinds(frame: pd.DataFrame, settings: Settings) -> pd.Series:
    """Per row: the stream kind, or None for an ordinary request."""
    verb = frame["verb"].astype("object")
    mime = frame["mime_type"].fillna("").astype(str).str.lower()
    query = frame["query"].fillna("").astype(str)
    kinds = pd.Series(None, index=frame.index, dtype="object")
    follow = (frame["subresource"] == "log") & query.str.contains(r"(?:^|&)follow=(?:true|1)", regex=True)
    sse = mime.str.contains("text/event-stream", regex=False) | (frame["resource_type"] == "eventsource")
    others = (follow | sse | frame["websocket"] | (verb == "watch")).fillna(False).astype(bool)
    long_poll = _long_polls(frame, others, settings)
    for kind, mask in (
        ("long-poll", long_poll),
        ("sse", sse),
        ("follow-logs", follow),
        ("websocket", frame["websocket"]),
        ("watch", verb == "watch"),
    ):  # later rules win: a websocket watch is a watch
        kinds = kinds.mask(mask.fillna(False).astype(bool), kind)
    return kinds


def _long_polls(frame: pd.DataFrame, streams: pd.Series, settings: Settings) -> pd.Series:
    """Held open `long_poll_min_ms` and `long_poll_host_factor` times its host's median (other streams aside)."""
    time_ms = frame["time_ms"].astype("float64")
    typical = time_ms.where(~streams).groupby(frame["host"].fillna("")).transform("median")
    pollable = frame["resource_type"].isin(list(_POLLABLE_TYPES)) | frame["resource_type"].isna()
    held = (time_ms >= settings.long_poll_min_ms) & (time_ms >= settings.long_poll_host_factor * typical)
    return (held & pollable).fillna(False)


def find_streams(capture: Capture, frame: pd.DataFrame, navigation_of: pd.Series, settings: Settings,
                 capture_end: datetime | None) -> list[Stream]:  # fmt: skip
    """Every long-lived request of the table, in start order; `frame` carries `request_outcomes` columns."""
    kinds = stream_kinds(frame, settings)
    streams = []
    selected = frame.assign(kind=kinds, navigation=navigation_of)[kinds.notna()]
    for record in rows_of(selected):
        record["navigation"] = int(record["navigation"])
        streams.append(_stream(capture, record, capture_end))
    return streams


def request_outcomes(
    capture: Capture, frame: pd.DataFrame, navigations: Sequence[Navigation], settings: Settings
) -> pd.DataFrame:
    """For every request: `ended_by`; `aborted_by_navigation` (True, False, or None when the evidence cannot
    tell); `end_at`, where the end is placed when the writer's own end is not it (the load that cut a request
    its writer shows as open, the socket that replaced one); and `end_bound`, None when the end was measured,
    else `at_least` or `at_most` (websocket frames are read for websockets)."""
    starts = sorted(n.started for n in navigations if n.started is not None)
    # Only a later load cuts: requests before the first document belong to it, and nothing says it cut them.
    later_loads = starts[1:]
    writer = _writer(capture)
    successors = _websocket_successors(frame)
    replaced = _replaced_in_load(frame, starts)
    ended_by: list[EndedBy] = []
    by_navigation: list[bool | None] = []
    end_at: list[datetime | None] = []
    end_bound: list[DurationBound | None] = []
    for row in rows_of(frame):
        index = int(row["index"])
        frames = capture.websocket_frames(index) if row["websocket"] else []
        outcome = _ended_by(row, frames, writer, superseded=index in successors)
        started = as_datetime(row.get("started"))
        moment = as_datetime(row.get("ended")) or started
        next_load = _next_start(started, later_loads)
        cut: bool | None = False
        at: datetime | None = None
        bound: DurationBound | None = None
        if outcome == "open" and next_load is not None:
            # shown as open, though a later load started: the browser cancelled it when the main frame navigated
            outcome, cut, at = "aborted", True, next_load
        elif outcome == "complete" and _cut_short(row, moment, started, later_loads, settings):
            outcome, cut = "aborted", True  # shown as finished when the next load started, before its timeout
        elif outcome in ("aborted", "unknown") and _near_navigation(moment, later_loads, settings):
            outcome, cut = "aborted", True
        elif outcome == "aborted" and _is_streaming(row) and as_float(row.get("receive")) is None:
            # The writer kept the time to the response headers only (Playwright's `receive` -1): the body was
            # still streaming when the abort came, some time before the next load, if there is one.
            timeout = as_int(row.get("timeout_seconds"))
            if next_load is not None:
                at, bound = next_load, "at_most"
                cut = None if index in replaced else True  # replaced in its own load: the page may have cut it
            elif timeout is not None and started is not None:
                at, bound = started + timedelta(seconds=timeout), "at_most"  # the server ends it by then
            else:
                bound = "at_least"
        elif outcome == "unknown":
            cut = None
        if outcome == "open" or (outcome == "unknown" and not frames):
            bound = "at_least"  # still open (or not known to have ended) when the writer wrote the file
        elif outcome == "complete" and row["websocket"] and not frames and index in successors:
            at, bound = successors[index], "at_most"  # closed before the socket that replaced it opened
        elif outcome == "complete" and _end_not_kept(row, writer):
            # ended before the page renewed it, if it did; else all that is known is that it lived that long
            at, bound = (replaced[index], "at_most") if replaced.get(index) else (None, "at_least")
        ended_by.append(outcome)
        by_navigation.append(cut)
        end_at.append(at)
        end_bound.append(bound)
    outcomes = pd.DataFrame({"ended_by": ended_by}, index=frame.index)
    outcomes["aborted_by_navigation"] = pd.Series(by_navigation, index=frame.index, dtype="object")
    outcomes["end_at"] = pd.Series(end_at, index=frame.index, dtype="object")  # datetimes stay Python objects
    outcomes["end_bound"] = pd.Series(end_bound, index=frame.index, dtype="object")
    return outcomes


def _next_start(started: datetime | None, starts: list[datetime]) -> datetime | None:
    """The start of the first page load after `started`: the moment the browser cancelled the request."""
    if started is None:
        return None
    return next((start for start in starts if start > started), None)


def _cut_short(row: Row, ended: datetime | None, started: datetime | None, starts: list[datetime],
               settings: Settings) -> bool:  # fmt: skip
    """A stream shown as finished when a later load started, before the end it asked for."""
    if not _is_streaming(row) or ended is None or started is None:
        return False
    later = [start for start in starts if start > started]
    if not _near_navigation(ended, later, settings):
        return False
    timeout = as_int(row.get("timeout_seconds"))
    return timeout is None or (ended - started).total_seconds() < timeout


def _replaced_in_load(frame: pd.DataFrame, starts: list[datetime]) -> dict[int, datetime | None]:
    """Requests followed, in their own page load, by another for the same thing (host, path and query but for
    the version and timeout a re-watch changes), with the start of the next one: the page itself may have
    cancelled the first (a component torn down, a watch restarted), and a watch ended before it was renewed."""
    ordered = frame.sort_values(["started", "index"])
    started = pd.to_datetime(ordered["started"], utc=True)
    load = pd.Series(0, index=ordered.index)
    for start in starts:
        load = load + (started >= pd.Timestamp(start)).astype(int)
    query = ordered["query"].fillna("").astype(str).str.replace(_RESTART_PARAMETERS, "", regex=True)
    place = [ordered["host"].fillna(""), ordered["path"].fillna(""), query, load]
    following = ordered.groupby(place, sort=False)["started"].shift(-1)
    return {int(i): as_datetime(t) for i, t in zip(ordered["index"], following, strict=True) if not is_missing(t)}


def _websocket_successors(frame: pd.DataFrame) -> dict[int, datetime | None]:
    """Websockets followed by another one to the same host and path (the client reconnected, so each closed),
    with the start of the one that followed."""
    sockets = frame[frame["websocket"].fillna(False).astype(bool)].sort_values(["started", "index"])
    successors: dict[int, datetime | None] = {}
    for _, group in sockets.groupby([sockets["host"].fillna(""), sockets["path"].fillna("")], sort=False):
        indices, starts = group["index"].tolist(), group["started"].tolist()
        for position in range(len(indices) - 1):
            successors[int(indices[position])] = as_datetime(starts[position + 1])
    return successors


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


def _ended_by(row: Row, frames: Sequence[Any], writer: str, *, superseded: bool) -> EndedBy:
    status, error = as_int(row.get("status")), (as_text(row.get("error")) or "").lower()
    if error:
        return "aborted" if any(word in error for word in _ABORT_WORDS) else "error"
    if row["websocket"] and status in (None, 101):
        # No writer marks a socket's end but by a close frame; mitmproxy writes sockets only once closed, and
        # a socket the page replaced by a new one to the same place had closed. Firefox keeps no frames, so
        # neither a close nor an open socket can be seen.
        closed = any(f.opcode == _CLOSE_OPCODE for f in frames) or "mitmproxy" in writer or superseded
        return "complete" if closed else "unknown" if "firefox" in writer and not frames else "open"
    if as_float(row.get("time_ms")) is None and (status is None or "playwright" in writer):
        return "open"  # Playwright's time -1: not finished when the context closed (status too if no headers)
    if _is_streaming(row) and _unfinished_at_export(row, writer, status):
        return "open"
    if status == 0:
        # Firefox writes 0 ("arbitrary value if it's aborted") and no reason, for a request still waiting too:
        # alone it is no abort (`request_outcomes` makes it one when the next page load started then)
        return "unknown"
    return "complete"


def _is_streaming(row: Row) -> bool:
    return row.get("verb") == "watch" or row.get("resource_type") == "eventsource"


def _unfinished_at_export(row: Row, writer: str, status: int | None) -> bool:
    """How each writer shows a stream whose body was still coming when it wrote the file."""
    receive, time_ms = as_float(row.get("receive")), as_float(row.get("time_ms"))
    if "playwright" in writer:
        return status is not None and receive is None  # plain record_har: `receive` -1 until the body ends
    if "chrome-har" in writer or "webinspector" in writer:
        return status == 200 and receive == 0  # headers in, body still streaming
    if "firefox" in writer:
        return receive is None and not time_ms  # `time` 0 and `timings {}` (status 0 when no byte had come)
    return False


def _end_not_kept(row: Row, writer: str) -> bool:
    """A finished stream whose writer kept the time to its headers only: Firefox over HTTP/2 (`receive` 0)."""
    return "firefox" in writer and not row["websocket"] and _is_streaming(row) and as_float(row.get("receive")) == 0


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


def _near_navigation(moment: datetime | None, starts: list[datetime], settings: Settings) -> bool:
    if moment is None:
        return False
    window = timedelta(milliseconds=settings.abort_navigation_window_ms)
    return any(abs(start - moment) <= window for start in starts)
