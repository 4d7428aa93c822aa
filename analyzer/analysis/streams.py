"""Long-lived requests (streams): find them, type them, and tell how long they really lived and how they ended.

Kinds: a Kubernetes `watch` (over HTTP or a websocket), another `websocket`, server-sent events (`sse`),
Kubernetes `follow-logs`, and a `long-poll` (a request held open well beyond its host's normal latency).

`ended_by`, per writer:
- `complete`: the server closed it (a finished watch: compare its duration with `timeoutSeconds`);
- `open`: still open when the capture was written — Playwright writes `time` -1, or (plain `record_har`, a
  stream whose headers had come) `receive` -1; chrome-har and older Chrome status 200 with `receive` 0; Firefox
  `time` 0 with no timings; Chromium 156 DevTools and Safari leave such requests out of the export
  altogether, so an absence proves nothing;
- `aborted`: cancelled by the client (`net::ERR_ABORTED`, Playwright's failure text, Firefox's status 0 on a
  request that is not a stream still open), with `aborted_by_navigation` when the abort coincides with the
  next page load. A request a writer shows as still open although a later page load started cut it: the
  browser cancels the old document's requests when the main frame navigates (chrome-har writes a watch cut
  by a reload like an open one); it ended when that load started. A stream a writer shows as finished at the
  moment the next load started, before its `timeoutSeconds`, was cut by it too (Firefox writes no error);
- `error`: another network failure.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

import pandas as pd

from analyzer.analysis.values import Row, as_datetime, as_float, as_int, as_text, rows_of
from analyzer.har.loader import Capture
from analyzer.settings import Settings
from analyzer.summary import ENDED_BY, STREAM_KINDS, EndedBy, Navigation, Stream, one_of

_POLLABLE_TYPES = frozenset({"xhr", "fetch", "other", "eventsource"})
_ABORT_WORDS = ("err_aborted", "aborted", "ns_binding_aborted", "canceled", "cancelled")
_CLOSE_OPCODE = 8


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


def find_streams(capture: Capture, frame: pd.DataFrame, navigation_of: pd.Series, settings: Settings) -> list[Stream]:
    """Every long-lived request of the table, in start order; `frame` carries `request_outcomes` columns."""
    kinds = stream_kinds(frame, settings)
    streams = []
    selected = frame.assign(kind=kinds, navigation=navigation_of)[kinds.notna()]
    for record in rows_of(selected):
        record["navigation"] = int(record["navigation"])
        streams.append(_stream(capture, record))
    return streams


def request_outcomes(
    capture: Capture, frame: pd.DataFrame, navigations: Sequence[Navigation], settings: Settings
) -> pd.DataFrame:
    """`ended_by`, `aborted_by_navigation` and `cut_at` (when a page load cut a request its writer shows as
    open) for every request (websocket frames are read for websockets)."""
    starts = sorted(n.started for n in navigations if n.started is not None)
    # Only a later load cuts: requests before the first document belong to it, and nothing says it cut them.
    later_loads = starts[1:]
    writer = _writer(capture)
    superseded = _superseded_websockets(frame)
    ended_by: list[EndedBy] = []
    by_navigation: list[bool] = []
    cut_at: list[datetime | None] = []
    for row in rows_of(frame):
        frames = capture.websocket_frames(int(row["index"])) if row["websocket"] else []
        outcome = _ended_by(row, frames, writer, superseded=int(row["index"]) in superseded)
        started = as_datetime(row.get("started"))
        moment = as_datetime(row.get("ended")) or started
        cut = _next_start(started, later_loads) if outcome == "open" else None
        if cut is None and outcome == "complete" and _cut_short(row, moment, started, later_loads, settings):
            outcome = "aborted"
        if cut is not None:
            outcome = "aborted"
        ended_by.append(outcome)
        by_navigation.append(cut is not None or (outcome == "aborted" and _near_navigation(moment, starts, settings)))
        cut_at.append(cut)
    columns = {"ended_by": ended_by, "aborted_by_navigation": by_navigation}
    outcomes = pd.DataFrame(columns, index=frame.index)
    outcomes["cut_at"] = pd.Series(cut_at, index=frame.index, dtype="object")  # datetimes stay Python objects
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


def _superseded_websockets(frame: pd.DataFrame) -> set[int]:
    """Websockets followed by another one to the same host and path: the client reconnected, so each closed."""
    sockets = frame[frame["websocket"].fillna(False).astype(bool)].sort_values(["started", "index"])
    superseded: set[int] = set()
    for _, group in sockets.groupby([sockets["host"].fillna(""), sockets["path"].fillna("")], sort=False):
        superseded.update(int(i) for i in group["index"].iloc[:-1])
    return superseded


def _writer(capture: Capture) -> str:
    return (capture.creator or "").lower()


def _stream(capture: Capture, row: Row) -> Stream:
    index = int(row["index"])
    websocket = bool(row["websocket"])
    frames = capture.websocket_frames(index) if websocket else []
    times = [f.time for f in frames if f.time is not None]
    started = as_datetime(row["started"])
    ended_by = one_of(row["ended_by"], ENDED_BY)
    ended = _end(row, started, times, ended_by)
    # An open stream's true length is unknown: report what was observed (to its last frame) as a lower bound.
    last_seen = ended or (max(times) if times else None)
    duration = None if last_seen is None or started is None else (last_seen - started).total_seconds() * 1000
    return Stream(
        index=index,
        kind=one_of(row["kind"], STREAM_KINDS),
        transport="websocket" if websocket else "http",
        started=started,
        ended=ended,
        duration_ms=duration,
        ended_by=ended_by,
        aborted_by_navigation=bool(row["aborted_by_navigation"]),
        navigation=row["navigation"],
        connection=as_text(row.get("connection_id")),
        host=as_text(row.get("host")),
        protocol=as_text(row.get("http_version")),
        timeout_seconds=as_int(row.get("timeout_seconds")),
        frames=as_int(row.get("websocket_messages")),
        first_frame=min(times) if times else None,
        last_frame=max(times) if times else None,
    )


def _ended_by(row: Row, frames: Sequence[Any], writer: str, *, superseded: bool) -> EndedBy:
    status, error = as_int(row.get("status")), (as_text(row.get("error")) or "").lower()
    if error:
        return "aborted" if any(word in error for word in _ABORT_WORDS) else "error"
    if row["websocket"] and status in (None, 101):
        # No writer marks a socket's end but by a close frame; mitmproxy writes sockets only once closed, and
        # a socket the page replaced by a new one to the same place had closed.
        closed = any(f.opcode == _CLOSE_OPCODE for f in frames) or "mitmproxy" in writer or superseded
        return "complete" if closed else "open"
    if as_float(row.get("time_ms")) is None and (status is None or "playwright" in writer):
        return "open"  # Playwright's time -1: not finished when the context closed (status too if no headers)
    if _is_streaming(row) and _unfinished_at_export(row, writer, status):
        return "open"
    if status == 0:
        return "aborted"  # Firefox writes 0 ("arbitrary value if it's aborted") and no reason
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


def _end(row: Row, started: datetime | None, frame_times: list[datetime], ended_by: str) -> datetime | None:
    if ended_by == "open":
        return None
    cut = as_datetime(row.get("cut_at"))
    if cut is not None:
        return cut  # shown as open by its writer, cut when the next page load started
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
