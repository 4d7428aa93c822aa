"""How each request ended (`ended_by`), whether a page load cut it, and where its end lies when its writer did
not keep it: one pass of column operations over the request table.

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

Where the writer did not keep the true end, the duration is a bound (`end_bound`), never a number it did not
measure: `at_least` for a stream still open (to the end of the capture or its last frame) or one whose writer
kept the time to its headers only (Firefox over HTTP/2), `at_most` where a later event bounds it (the load that
cut a Playwright watch written with its headers' time only, the request that renewed it, the socket that
replaced a Firefox websocket).

Every rule is a mask over the whole table; only websockets (few, and their frames are read) are looked at one
by one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from analyzer.analysis.values import Moments, moments, moments_of, start_order
from analyzer.har.loader import Capture
from analyzer.settings import Settings
from analyzer.summary import ENDED_BY, Navigation

_ABORT_WORDS = ("err_aborted", "aborted", "ns_binding_aborted", "canceled", "cancelled")
_CLOSE_OPCODE = 8
_RESTART_PARAMETERS = r"(?:^|&)(?:resourceVersion|resourceVersionMatch|timeoutSeconds)=[^&]*"

Bools = npt.NDArray[np.bool_]
_NAT = np.datetime64("NaT", "us")
# `ended_by` is worked out as codes, positions in ENDED_BY (comparing small integers, not strings, row by row).
Outcomes = npt.NDArray[np.int8]
_NAMES = np.array(ENDED_BY, dtype=object)
COMPLETE, OPEN, ABORTED, ERROR, UNKNOWN = map(ENDED_BY.index, ("complete", "open", "aborted", "error", "unknown"))


def _as_series(values: Moments, index: pd.Index) -> pd.Series:
    series: pd.Series = pd.Series(values, index=index).dt.tz_localize("UTC")
    return series


@dataclass(frozen=True)
class _Columns:
    """The columns the rules read, as numpy arrays."""

    started: Moments
    moment: Moments  # the writer's end, or the start where it wrote none
    status: npt.NDArray[np.int64]  # -1 where missing
    has_status: Bools
    time_missing: Bools
    time_zero: Bools
    receive_missing: Bools
    receive_zero: Bools
    websocket: Bools
    streaming: Bools  # a watch or an event stream
    timeout_us: npt.NDArray[np.float64]  # timeoutSeconds in microseconds, NaN where missing

    @classmethod
    def of(cls, frame: pd.DataFrame) -> _Columns:
        started, ended = moments(frame["started"]), moments(frame["ended"])
        status = frame["status"]
        time_ms, receive = frame["time_ms"].astype("float64"), frame["receive"].astype("float64")
        streaming = (frame["verb"] == "watch") | (frame["resource_type"] == "eventsource")
        return cls(
            started=started,
            moment=np.where(np.isnat(ended), started, ended),
            status=status.fillna(-1).to_numpy(dtype="int64"),
            has_status=status.notna().to_numpy(dtype=bool),
            time_missing=time_ms.isna().to_numpy(),
            time_zero=(time_ms == 0).to_numpy(),
            receive_missing=receive.isna().to_numpy(),
            receive_zero=(receive == 0).to_numpy(),
            websocket=frame["websocket"].fillna(False).to_numpy(dtype=bool),
            streaming=streaming.fillna(False).to_numpy(dtype=bool),
            timeout_us=np.multiply(
                frame["timeout_seconds"].astype("float64").to_numpy(dtype="float64", na_value=np.nan),
                1e6,
                dtype="float64",
            ),
        )


def request_outcomes(
    capture: Capture, frame: pd.DataFrame, navigations: Sequence[Navigation], settings: Settings
) -> pd.DataFrame:
    """For every request: `ended_by`; `aborted_by_navigation` (True, False, or None when the evidence cannot
    tell); `end_at`, where the end is placed when the writer's own end is not it (the load that cut a request
    its writer shows as open, the socket that replaced one); and `end_bound`, None when the end was measured,
    else `at_least` or `at_most` (websocket frames are read for websockets)."""
    loads = np.sort(moments_of([n.started for n in navigations if n.started is not None]))
    # Only a later load cuts: requests before the first document belong to it, and nothing says it cut them.
    later = loads[1:]
    writer = (capture.creator or "").lower()
    window = np.timedelta64(round(settings.abort_navigation_window_ms * 1000), "us")
    c = _Columns.of(frame)
    successors = moments(_websocket_successors(frame))
    replaced = _replaced_in_load(frame, loads)
    has_frames, closed = _socket_evidence(capture, frame, writer, has_successor=~np.isnat(successors))
    base = _base_outcomes(frame, c, writer, closed, has_frames)

    next_load = _next_after(later, c.started)
    near_any = _near(later, c.moment, window, not_before=None)
    timed_out = ~np.isnan(c.timeout_us) & ~(_elapsed_us(c.started, c.moment) < c.timeout_us)
    cut_short = (c.streaming & ~np.isnat(c.moment) & ~np.isnat(c.started)
                 & _near(later, c.moment, window, not_before=c.started) & ~timed_out)  # fmt: skip

    # The rules in order; each row takes the first that holds.
    shown_open = (base == OPEN) & ~np.isnat(next_load)  # open, though a later load started: cancelled by it
    finished_cut = ~shown_open & (base == COMPLETE) & cut_short  # shown finished as it started, before timeout
    near_cut = ~shown_open & ~finished_cut & ((base == ABORTED) | (base == UNKNOWN)) & near_any
    cut_by_load = shown_open | finished_cut | near_cut
    # The writer kept the time to the response headers only (Playwright's `receive` -1): the body was still
    # streaming when the abort came, some time before the next load, if there is one.
    headers_only = ~cut_by_load & (base == ABORTED) & c.streaming & c.receive_missing
    before_load = headers_only & ~np.isnat(next_load)
    before_timeout = headers_only & ~before_load & ~np.isnan(c.timeout_us) & ~np.isnat(c.started)

    ended_by = np.where(cut_by_load, ABORTED, base)
    # aborted_by_navigation: 1 True, 0 False, -1 None
    cut = np.where(cut_by_load, 1, 0)
    cut = np.where(before_load, np.where(np.isnat(replaced), 1, -1), cut)  # replaced in its load: page may have
    cut = np.where(~cut_by_load & ~headers_only & (base == UNKNOWN), -1, cut)
    end_at = np.where(shown_open, next_load, _NAT)
    end_at = np.where(before_load, next_load, end_at)
    end_at = np.where(before_timeout, c.started + np.nan_to_num(c.timeout_us).astype("timedelta64[us]"), end_at)
    bound = np.full(len(frame), None, dtype=object)
    bound[before_load | before_timeout] = "at_most"
    bound[headers_only & ~before_load & ~before_timeout] = "at_least"

    # Where the end lies for what is known not to have ended, or ended without its end kept.
    still_open = (ended_by == OPEN) | ((ended_by == UNKNOWN) & ~has_frames)
    socket_replaced = (~still_open & (ended_by == COMPLETE) & c.websocket & ~has_frames
                       & ~np.isnat(successors))  # fmt: skip
    # Firefox over HTTP/2 (`receive` 0) keeps a finished stream's time to its headers only: it ended before the
    # page renewed it, if it did; else all that is known is that it lived that long.
    end_not_kept = (~still_open & ~socket_replaced & (ended_by == COMPLETE) & ("firefox" in writer)
                    & ~c.websocket & c.streaming & c.receive_zero)  # fmt: skip
    bound[still_open] = "at_least"
    bound[socket_replaced] = "at_most"
    end_at = np.where(socket_replaced, successors, end_at)
    renewed = end_not_kept & ~np.isnat(replaced)
    bound[renewed] = "at_most"
    bound[end_not_kept & ~renewed] = "at_least"
    end_at = np.where(renewed, replaced, end_at)

    tri_state = np.array([None, False, True], dtype=object)[cut + 1]
    return pd.DataFrame(
        {
            "ended_by": pd.Series(_NAMES[ended_by], index=frame.index, dtype="object"),
            "aborted_by_navigation": pd.Series(tri_state, index=frame.index, dtype="object"),
            "end_at": _as_series(end_at, frame.index),
            "end_bound": pd.Series(bound, index=frame.index, dtype="object"),
        },
        index=frame.index,
    )


def _base_outcomes(frame: pd.DataFrame, c: _Columns, writer: str, closed: Bools, has_frames: Bools) -> Outcomes:
    """`ended_by` (its code) as the writer shows it, before page loads are taken into account."""
    error = frame["error"].fillna("").astype(str).str.lower()
    has_error = (error != "").to_numpy()
    aborted = error.str.contains("|".join(map(re.escape, _ABORT_WORDS)), regex=True).to_numpy(dtype=bool)
    # No writer marks a socket's end but by a close frame; mitmproxy writes sockets only once closed, and a
    # socket the page replaced by a new one to the same place had closed. Firefox keeps no frames, so neither a
    # close nor an open socket can be seen.
    socket = c.websocket & (~c.has_status | (c.status == 101))
    socket_outcome = np.where(closed, COMPLETE, np.where(("firefox" in writer) & ~has_frames, UNKNOWN, OPEN))
    # Playwright's time -1: not finished when the context closed (status too if no headers)
    unsent = c.time_missing & (~c.has_status | ("playwright" in writer))
    conditions = [
        has_error & aborted,
        has_error,
        socket,
        unsent,
        c.streaming & _unfinished_at_export(c, writer),
        # Firefox writes 0 ("arbitrary value if it's aborted") and no reason, for a request still waiting too:
        # alone it is no abort (`request_outcomes` makes it one when the next page load started then)
        c.has_status & (c.status == 0),
    ]
    choices = [np.full(len(frame), code, dtype=np.int8) for code in (ABORTED, ERROR)]
    choices += [socket_outcome.astype(np.int8), *(np.full(len(frame), code, dtype=np.int8) for code in (OPEN, OPEN))]
    choices.append(np.full(len(frame), UNKNOWN, dtype=np.int8))
    outcomes: Outcomes = np.select(conditions, choices, default=np.int8(COMPLETE))
    return outcomes


def _unfinished_at_export(c: _Columns, writer: str) -> Bools:
    """How each writer shows a stream whose body was still coming when it wrote the file."""
    if "playwright" in writer:
        return c.has_status & c.receive_missing  # plain record_har: `receive` -1 until the body ends
    if "chrome-har" in writer or "webinspector" in writer:
        streaming: Bools = (c.status == 200) & c.receive_zero  # headers in, body still streaming
        return streaming
    if "firefox" in writer:
        return c.receive_missing & (c.time_missing | c.time_zero)  # `time` 0 and `timings {}`
    return np.zeros(len(c.status), dtype=bool)


def _socket_evidence(capture: Capture, frame: pd.DataFrame, writer: str, *,
                     has_successor: Bools) -> tuple[Bools, Bools]:  # fmt: skip
    """Per row: whether the writer kept websocket frames, and whether the socket is known to have closed (a
    close frame, a writer that writes only closed sockets, or a later socket to the same place)."""
    has_frames = np.zeros(len(frame), dtype=bool)
    close_frame = np.zeros(len(frame), dtype=bool)
    indices = frame["index"].to_numpy(dtype="int64")
    for position in np.flatnonzero(frame["websocket"].fillna(False).to_numpy(dtype=bool)).tolist():
        frames = capture.websocket_frames(int(indices[position]))
        has_frames[position] = bool(frames)
        close_frame[position] = any(f.opcode == _CLOSE_OPCODE for f in frames)
    return has_frames, close_frame | ("mitmproxy" in writer) | has_successor


def _next_after(loads: Moments, started: Moments) -> Moments:
    """Per row, the start of the first page load after it started (NaT when none): when the browser would
    have cancelled it."""
    if not len(loads):
        return np.full(len(started), _NAT)
    position = np.searchsorted(loads, started, side="right")
    found = (position < len(loads)) & ~np.isnat(started)
    return np.where(found, loads[np.minimum(position, len(loads) - 1)], _NAT)


def _near(loads: Moments, moment: Moments, window: np.timedelta64, *, not_before: Moments | None) -> Bools:
    """Per row, whether a page load started within `window` of `moment` (and, with `not_before`, after it)."""
    if not len(loads):
        return np.zeros(len(moment), dtype=bool)
    position = np.searchsorted(loads, moment - window, side="left")
    if not_before is not None:
        position = np.maximum(position, np.searchsorted(loads, not_before, side="right"))
    inside = position < len(loads)
    candidate = loads[np.minimum(position, len(loads) - 1)]
    valid = ~np.isnat(moment) & inside & (candidate <= moment + window)
    return valid if not_before is None else valid & ~np.isnat(not_before)


def _elapsed_us(started: Moments, ended: Moments) -> npt.NDArray[np.float64]:
    elapsed = (ended - started).astype("timedelta64[us]").astype("float64")
    elapsed[np.isnat(ended) | np.isnat(started)] = np.nan
    return elapsed


def _replaced_in_load(frame: pd.DataFrame, loads: Moments) -> Moments:
    """Per row, the start of the next request for the same thing (host, path and query but for the version and
    timeout a re-watch changes) in the same page load, NaT when none: the page itself may have cancelled the
    first (a component torn down, a watch restarted), and a watch ended before it was renewed.

    "Next" in the order of (start, index); the place is one code per row, and each place's rows are found
    next to one another by a stable sort of the codes."""
    started = moments(frame["started"])
    # Each distinct query is stripped once (a watch's resourceVersion makes most of them distinct, not all).
    queries, distinct = pd.factorize(frame["query"].fillna("").astype(str))
    stripped = pd.Series(distinct).str.replace(_RESTART_PARAMETERS, "", regex=True)
    place = _combined_codes([
        pd.factorize(frame["host"].fillna(""))[0], pd.factorize(frame["path"].fillna(""))[0],
        pd.factorize(stripped)[0][queries], np.searchsorted(loads, started, side="right"),
    ])  # fmt: skip
    order = start_order(frame)
    grouped = order[np.argsort(place[order], kind="stable")]
    same_place = place[grouped[1:]] == place[grouped[:-1]]
    following = np.full(len(frame), _NAT)
    following[grouped[:-1][same_place]] = started[grouped[1:][same_place]]
    return following


def _combined_codes(codes: Sequence[npt.NDArray[np.integer]]) -> npt.NDArray[np.int64]:
    """One code per row for the combination of several non-negative codes (equal where all of them are)."""
    combined = np.zeros(len(codes[0]), dtype="int64")
    for more in codes:
        combined = pd.factorize(combined * (int(more.max(initial=0)) + 1) + more)[0].astype("int64")
    return combined


def _websocket_successors(frame: pd.DataFrame) -> pd.Series:
    """Per row, for a websocket followed by another one to the same host and path (the client reconnected, so
    each closed), the start of the one that followed; NaT otherwise."""
    is_socket = frame["websocket"].fillna(False).astype(bool)
    sockets = frame.loc[is_socket, ["index", "started", "host", "path"]].sort_values(["started", "index"])
    following = sockets.groupby([sockets["host"].fillna(""), sockets["path"].fillna("")], sort=False)["started"]
    return following.shift(-1).reindex(frame.index)
