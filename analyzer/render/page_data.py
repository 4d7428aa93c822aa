"""The typed document the HTML report's script (`assets/report.js`) reads: msgspec Structs whose fields, in
declaration order, are the keys of the JSON embedded in the page. Built by `analyzer.render.page.page_data`.

Times are seconds from the capture's first request; durations and HAR timings are milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal, get_args

import msgspec

from analyzer.summary import Severity, Trigger

Kind = Literal["get", "list", "watch", "other", "web"]  # the timeline's colour class
KINDS: tuple[Kind, ...] = get_args(Kind)
Header = tuple[str, str]  # name, value


class RequestRow(msgspec.Struct, frozen=True):
    """One request of the page's table (the page carries them as `RequestColumns`)."""

    index: int
    t: float | None  # start
    end: float | None  # end; the capture's end for a request still open
    ms: float | None  # duration (a stream's own for a long-lived request); None when unknown or negative
    bound: str | None  # "at_least" / "at_most" when `ms` bounds a duration the writer did not keep
    method: str | None
    status: int | None
    k8s: bool
    verb: str | None  # the Kubernetes verb, None for any other request
    kind: Kind
    resource: str | None  # the resource key of a get/list/watch
    target: str  # the terminal view's target for a Kubernetes request, else the path
    url: str
    host: str | None
    nav: int | None  # page load
    conn: str | None  # connection id
    conn_label: str  # the connection's lane
    http: str | None  # HTTP version
    size: int | None  # bytes transferred
    long: bool  # long-lived
    stream: str | None  # the long-lived request's kind
    ended_by: str | None
    open: bool  # no end: still open or unfinished when the capture was written
    aborted: bool
    error: str | None
    blocked: float | None  # the HAR timings, None when absent (-1)
    dns: float | None
    connect: float | None
    ssl: float | None
    send: float | None
    wait: float | None
    receive: float | None


class RequestColumns(msgspec.Struct, frozen=True):
    """The page's request table, one list per field of `RequestRow` (same names, same order), then two more:
    `drawn` (a bar in the timeline) and `lane` (its per-resource lane)."""

    index: list[int]
    t: list[float | None]
    end: list[float | None]
    ms: list[float | None]
    bound: list[str | None]
    method: list[str | None]
    status: list[int | None]
    k8s: list[bool]
    verb: list[str | None]
    kind: list[Kind]
    resource: list[str | None]
    target: list[str]
    url: list[str]
    host: list[str | None]
    nav: list[int | None]
    conn: list[str | None]
    conn_label: list[str]
    http: list[str | None]
    size: list[int | None]
    long: list[bool]
    stream: list[str | None]
    ended_by: list[str | None]
    open: list[bool]
    aborted: list[bool]
    error: list[str | None]
    blocked: list[float | None]
    dns: list[float | None]
    connect: list[float | None]
    ssl: list[float | None]
    send: list[float | None]
    wait: list[float | None]
    receive: list[float | None]
    drawn: list[bool]
    lane: list[str]

    @classmethod
    def of(cls, rows: Sequence[RequestRow], drawn: Sequence[bool], lanes: Sequence[str]) -> RequestColumns:
        """The rows turned into columns (their fields line up with the first fields here: a test checks it)."""
        columns: list[list[Any]] = [list(c) for c in zip(*map(msgspec.structs.astuple, rows), strict=True)]
        columns = (columns or [[] for _ in RequestRow.__struct_fields__]) + [list(drawn), list(lanes)]
        return cls(*columns)


class NavigationMark(msgspec.Struct, frozen=True):
    """A page load, as the timeline marks it."""

    index: int
    t: float | None
    trigger: Trigger
    url: str | None


class FindingEvidence(msgspec.Struct, frozen=True):
    """A finding, as the page selects its requests."""

    id: str
    severity: Severity
    evidence: tuple[int, ...]  # request indices


class Lanes(msgspec.Struct, frozen=True):
    """The timeline's lanes in order of first use, for each way of laying it out."""

    connection: list[str]
    resource: list[str]  # resource keys, other Kubernetes targets, `web · <host>`


class Headers(msgspec.Struct, frozen=True):
    request: list[Header]
    response: list[Header]


class Sampling(msgspec.Struct, frozen=True):
    """How much of the capture the page carries, and the notes that say so."""

    total: int  # requests in the capture
    rows: int  # in the page's table
    drawn: int  # as bars in the timeline
    notes: list[str]


class Overview(msgspec.Struct, frozen=True):
    """Requests started per bin over the whole capture, by kind (drawn when the timeline is sampled)."""

    t: list[float]  # bin starts
    width: float  # of a bin
    counts: dict[Kind, list[int]]  # per kind, in `KINDS` order


class PageData(msgspec.Struct, frozen=True):
    """Everything the page's script reads."""

    end_s: float  # the capture's end
    titles: list[str]  # the page titles the writer recorded
    origin: str | None  # the first request's start, ISO 8601
    requests: RequestColumns
    navigations: list[NavigationMark]
    findings: list[FindingEvidence]
    lanes: Lanes
    details: dict[int, Headers]  # by request index (string keys in JSON), for the first drawn requests
    sampling: Sampling
    overview: Overview | None  # None when every request is drawn
