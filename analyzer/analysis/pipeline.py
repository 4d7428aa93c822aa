"""Derive the traffic facts of a capture: page loads, streams, connections, reuse, concurrency, saturation."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

import msgspec
import pandas as pd

from analyzer.analysis.connections import (
    MULTIPLEXED,
    assign_connections,
    build_connections,
    concurrency,
    reuse_figures,
)
from analyzer.analysis.latency import latency_table
from analyzer.analysis.navigations import SINGLE_LOAD_HINT, assign_navigations, find_navigations
from analyzer.analysis.outcomes import request_outcomes
from analyzer.analysis.saturations import find_saturations
from analyzer.analysis.streams import find_streams
from analyzer.analysis.values import as_datetime
from analyzer.har.loader import Capture
from analyzer.k8s.request_table import request_table, to_frame
from analyzer.settings import Settings
from analyzer.summary import (
    Connection,
    HostConcurrency,
    HostLatency,
    HostReuse,
    Navigation,
    NavigationReuse,
    Saturation,
    Stream,
)
from analyzer.wording import plural

# What each writer leaves out, so that nobody reads an absence as a fact.
WRITER_BLIND_SPOTS = {
    "webinspector": "Chrome DevTools leaves requests still open at export (an open watch, or one cut off by a "
    "reload) out of the file: a missing watch is not proof that the page did not watch",
    "webkit": "Safari exports only finished requests: open watches and websockets are missing",
    "playwright": "Playwright records no queueing time, and writes requests still queued or open with status -1",
    "firefox": "Firefox exports no websocket frames",
}


@dataclass
class Traffic:
    """Everything derived from one capture; `frame` is the request table plus `navigation`, `connection`,
    `stream` (the kind, or null), `long_lived`, `ended_by` and `aborted_by_navigation` columns."""

    capture: Capture
    frame: pd.DataFrame
    navigations: list[Navigation]
    streams: list[Stream]
    connections: list[Connection]
    saturations: list[Saturation]
    reuse_by_host: list[HostReuse]
    reuse_by_navigation: list[NavigationReuse]
    concurrency: list[HostConcurrency]
    latency: list[HostLatency]  # per verb and host
    capture_end: datetime | None = None  # the last moment any request was seen
    notes: list[str] = field(default_factory=list)

    def navigation_end(self, index: int) -> datetime | None:
        """When page load `index` ended: the next load's start, or the end of the capture."""
        return self._starts.get(index + 1) or self.capture_end

    @functools.cached_property
    def _starts(self) -> dict[int, datetime]:
        """Each page load's start by its index (the first load of an index that has several), where known: asked
        once per verdict, a walk of the loads each time was quadratic (1,000 loads, 3,000 walks)."""
        starts: dict[int, datetime] = {}
        for navigation in self.navigations:
            if navigation.started is not None:
                starts.setdefault(navigation.index, navigation.started)
        return starts

    def navigations_frame(self) -> pd.DataFrame:
        """The page loads as a DataFrame (one row each), for notebooks."""
        return _records_frame(self.navigations)

    def streams_frame(self) -> pd.DataFrame:
        return _records_frame(self.streams)

    def connections_frame(self) -> pd.DataFrame:
        return _records_frame(self.connections)

    def saturations_frame(self) -> pd.DataFrame:
        return _records_frame(self.saturations)


def _records_frame(records: Sequence[msgspec.Struct]) -> pd.DataFrame:
    if not records:
        return pd.DataFrame()
    return pd.DataFrame([msgspec.structs.asdict(r) for r in records])


def derive(capture: Capture, settings: Settings | None = None) -> Traffic:
    """Classify and derive; pure: reads nothing but the capture (bodies and frames lazily)."""
    settings = settings or Settings()
    frame = to_frame(request_table(capture, classifier=settings.classifier))
    navigations = find_navigations(frame, capture.pages, settings, lambda index: _fetch_dest(capture, index))
    runs = any(n.run is not None for n in navigations)
    navigation_of = assign_navigations(frame, [n.started for n in navigations],
                                       [n.page_ref for n in navigations] if runs else None)  # fmt: skip
    outcomes = request_outcomes(capture, frame, navigations, settings)
    frame = frame.assign(**{column: outcomes[column] for column in outcomes.columns})
    frame = frame.assign(http_version=settled_versions(frame))
    end = _capture_end(frame)
    streams = find_streams(capture, frame, navigation_of, settings, end)
    frame = frame.drop(columns=["end_at", "end_bound"])  # the stream's `ended` and `duration_bound` hold them
    connection_of = assign_connections(frame)
    long_lived = frame["index"].isin([s.index for s in streams])
    kinds = {s.index: s.kind for s in streams}
    saturations = find_saturations(frame, streams, end, settings)
    streams = _with_queueing(streams, saturations, set(frame.loc[frame["status"].isna(), "index"]))
    connections = build_connections(frame, connection_of, navigation_of, streams)
    derived = frame.assign(
        navigation=navigation_of,
        connection=connection_of,
        stream=frame["index"].map(kinds),
        long_lived=long_lived,
    )
    return Traffic(
        capture=capture,
        frame=derived,
        navigations=navigations,
        streams=streams,
        connections=connections,
        saturations=saturations,
        reuse_by_host=reuse_figures(frame, connection_of, frame["host"], HostReuse),
        reuse_by_navigation=reuse_figures(frame, connection_of, navigation_of, NavigationReuse),
        concurrency=concurrency(frame, connections, end, streams),
        latency=latency_table(frame, long_lived),
        capture_end=end,
        notes=_notes(capture, navigations, connections, has_queueing=bool(frame["blocked"].notna().any())),
    )


def _with_queueing(streams: list[Stream], saturations: Sequence[Saturation], unanswered: set[int]) -> list[Stream]:
    """`queued` on a stream still open at the end without response headers: True when it was sent while its
    host's HTTP/1.x connections were all held by other streams (`find_saturations`), so it never left the
    browser's queue; None (cannot tell) otherwise, and where its writer does not say that no headers came
    (Firefox's status 0 is also written for a request sent and waiting)."""

    def waited(stream: Stream) -> bool:
        return stream.index in queued or any(
            s.host == stream.host and stream.started is not None and s.started <= stream.started <= s.ended
            for s in saturations
        )

    queued = {i for saturation in saturations for i in saturation.queued}
    return [
        msgspec.structs.replace(s, queued=True)
        if s.ended_by == "open" and s.queued is None and s.index in unanswered and waited(s)
        else s
        for s in streams
    ]


def guessed_connections_note(guessed: int, total: int) -> str:
    are = "is" if guessed == 1 else "are"
    return (f"{guessed} of {plural(total, 'connection')} {are} guessed: the writer records no "
            "connection ids, so requests were grouped by host, protocol and timing; reuse and concurrency figures "
            "are estimates")  # fmt: skip


def settled_versions(frame: pd.DataFrame) -> pd.Series:
    """`http_version`, with a multiplexed host's protocol on its unfinished requests: Playwright labels an h2
    request still open at the end `HTTP/1.1`, Firefox writes none for one still waiting for its first byte.
    A host whose finished requests all used one multiplexed protocol used it for the others too."""
    versions = frame["http_version"]
    finished = frame.loc[(frame["ended_by"] == "complete") & versions.notna(), ["host", "http_version"]]
    per_host: dict[str, set[str]] = {}
    pairs = finished.assign(host=finished["host"].fillna("")).drop_duplicates()
    for host, version in zip(pairs["host"].tolist(), pairs["http_version"].tolist(), strict=True):
        per_host.setdefault(str(host), set()).add(str(version))
    multiplexed = {host: next(iter(v)) for host, v in per_host.items() if len(v) == 1 and v <= MULTIPLEXED}
    if not multiplexed:
        return versions
    protocol = frame["host"].fillna("").map(multiplexed)
    relabel = protocol.notna() & (frame["ended_by"] != "complete") & (versions.isna() | (versions == "HTTP/1.1"))
    return versions.where(~relabel, protocol)


def _fetch_dest(capture: Capture, index: int) -> str | None:
    """The request's `Sec-Fetch-Dest` header, lower-case (headers are read lazily, for documents only)."""
    for name, value in capture.request_headers(index):
        if name.lower() == "sec-fetch-dest":
            return value.strip().lower()
    return None


def _capture_end(frame: pd.DataFrame) -> datetime | None:
    ends = pd.concat([frame["ended"], frame["started"]]).dropna()
    return None if ends.empty else as_datetime(ends.max())


def _notes(capture: Capture, navigations: Sequence[Navigation], connections: Sequence[Connection], *,
           has_queueing: bool) -> list[str]:  # fmt: skip
    notes = []
    if len(navigations) == 1:
        notes.append(SINGLE_LOAD_HINT)
    guessed = sum(c.inferred for c in connections)
    if guessed:
        notes.append(guessed_connections_note(guessed, len(connections)))
    creator = (capture.creator or "").lower()
    for writer, text in WRITER_BLIND_SPOTS.items():
        if writer in creator and not (writer == "playwright" and has_queueing):
            notes.append(text)  # `har-analyzer record` adds Chrome's queueing to Playwright's HAR
    return notes
