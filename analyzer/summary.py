"""The typed summary of one analysed capture (`har-analyzer/analysis/v2`): what every view and the gate read.

`analyzer.analysis.summarize` builds it once, from unredacted facts; `redacted()` is the copy that views and
written files show unless the user asks for secrets. `analysis.json` is this summary encoded with msgspec
(`render.json`), and `decode_summary` reads it back into the same types, so a saved baseline and a fresh capture
are judged by the same code. The JSON Schema (`analyzer/schemas/analysis-v2.schema.json`) is generated from these
Structs.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Literal, TypeVar, get_args

import msgspec

SCHEMA_PREFIX = "har-analyzer/analysis/"
SCHEMA_ID = f"{SCHEMA_PREFIX}v2"

Mode = Literal["watch", "poll", "watch+poll", "once"]
Severity = Literal["error", "warning", "info"]
Trigger = Literal["initial", "reload", "navigate"]
EndedBy = Literal["complete", "open", "aborted", "error", "unknown"]
DurationBound = Literal["at_least", "at_most"]
StreamKind = Literal["watch", "websocket", "sse", "follow-logs", "long-poll"]
Transport = Literal["http", "websocket"]
AccessVerb = Literal["get", "list", "watch"]

MODES: tuple[Mode, ...] = get_args(Mode)
SEVERITIES: tuple[Severity, ...] = get_args(Severity)  # strongest first
ENDED_BY: tuple[EndedBy, ...] = get_args(EndedBy)
DURATION_BOUNDS: tuple[DurationBound, ...] = get_args(DurationBound)
SEVERITY_ORDER: dict[Severity, int] = {severity: rank for rank, severity in enumerate(SEVERITIES)}
TRIGGERS: tuple[Trigger, ...] = get_args(Trigger)
ACCESS_VERBS: tuple[AccessVerb, ...] = get_args(AccessVerb)
STREAM_KINDS: tuple[StreamKind, ...] = get_args(StreamKind)

_L = TypeVar("_L", bound=str)


def one_of(value: object, choices: tuple[_L, ...]) -> _L:
    """`value` as one of an enumeration's `choices` (for values read back out of a table).

    Raises:
        ValueError: not one of them (a bug in the analysis, never the capture's doing).
    """
    for choice in choices:
        if value == choice:
            return choice
    raise ValueError(f"{value!r} is not one of {', '.join(choices)}")


class ResourceKey(msgspec.Struct, frozen=True):
    """A Kubernetes object or collection as the analysis keys it; `str(key)` is its one string form:
    `{cluster or -}/{group or core}/{version or -}/{namespace or -}/{resource}[/{name}]`."""

    cluster: str | None
    group: str | None  # None for the core group
    version: str | None
    namespace: str | None
    resource: str
    name: str | None = None

    ABSENT = "-"
    CORE = "core"
    SEPARATOR = "/"

    def __str__(self) -> str:
        *parts, name = self.labels
        return self.SEPARATOR.join([*parts, name] if name else parts)

    @classmethod
    @functools.cache
    def parse(cls, text: str) -> ResourceKey:
        """The key of a string form (the inverse of `str`).

        Raises:
            ValueError: fewer than five parts.
        """
        parts = text.split(cls.SEPARATOR)
        if len(parts) < 5:
            raise ValueError(f"not a resource key: {text!r}")
        cluster, group, version, namespace, resource, *rest = parts
        name = cls.SEPARATOR.join(rest)  # a name from a fieldSelector may hold the separator
        return cls(
            cluster=None if cluster == cls.ABSENT else cluster,
            group=None if group == cls.CORE else group,
            version=None if version == cls.ABSENT else version,
            namespace=None if namespace == cls.ABSENT else namespace,
            resource=resource,
            name=name or None,
        )

    @property
    def labels(self) -> tuple[str, str, str, str, str, str]:
        """cluster, group, version, namespace, resource and name as the string form writes them (a policy's
        selectors match these): `-` for an absent cluster, version or namespace, `core`, `""` for no name."""
        return (
            self.cluster or self.ABSENT,
            self.group or self.CORE,
            self.version or self.ABSENT,
            self.namespace or self.ABSENT,
            self.resource,
            self.name or "",
        )

    @property
    def collection(self) -> ResourceKey:
        """The collection the object belongs to; a collection is its own."""
        return msgspec.structs.replace(self, name=None)

    @property
    def all_namespaces(self) -> ResourceKey:
        """The cross-namespace collection that also covers this key."""
        return msgspec.structs.replace(self, namespace=None, name=None)


class Generator(msgspec.Struct, frozen=True, kw_only=True):
    name: str = "har-analyzer"
    version: str


class CaptureInfo(msgspec.Struct, frozen=True):
    """The capture as its writer described it."""

    path: str  # as given on the command line (`-` for stdin)
    creator: str | None
    creator_version: str | None
    browser: str | None
    entries: int
    started: datetime | None  # the first request's start
    ended: datetime | None  # the last moment any request was seen
    truncated: bool  # the file was cut off and what could be read was kept
    warnings: tuple[str, ...] = ()


class ResourceVerdict(msgspec.Struct, frozen=True):
    """How one page load used one Kubernetes object or collection."""

    navigation: int
    key: str  # ResourceKey's string form; `resource_key` is the typed one
    mode: Mode
    counts: dict[AccessVerb, int]  # get, list, watch requests (a paged list counts once)
    poll_interval_s: float | None  # median gap between reads, when polled
    poll_regularity: float | None  # coefficient of variation of those gaps, when polled
    count: int  # its get, list and watch requests in the load
    span_s: float | None  # how long the load lasted (to the next load or the end of the capture)
    # The most requests in any 60 s of the load; None when the load lasted under 60 s (`count` in `span_s` is
    # what was measured: a rate from a few seconds misleads)
    requests_per_min: float | None
    bytes_per_min: float | None  # the load's bytes over its minutes; None under 60 s
    reads: tuple[int, ...]  # request indices of the gets and lists
    watches: tuple[int, ...]  # request indices of the watches of this key itself: with the reads, they decide the mode
    # Watches of its collection in the same load (in its namespace or across all namespaces): they deliver this
    # object's changes too, and are reported beside its verdict, but never decide its mode.
    covered_by: tuple[int, ...]
    # Who sent its requests: the distinct initiators (`poll ← watchResource (console.js:160)`), most requests first
    initiators: tuple[str, ...] = ()

    @property
    def resource_key(self) -> ResourceKey:
        return ResourceKey.parse(self.key)


class Navigation(msgspec.Struct, frozen=True):
    """A page load: a main-frame document request (a redirect chain counts once), or a `pages[]` record."""

    index: int  # 0-based, in start order
    started: datetime | None
    url: str | None
    trigger: Trigger  # reload: same URL as the previous load, fragment ignored
    document: int | None  # request index of the main-frame document, None when inferred from pages/requests
    page_ref: str | None
    requests: int  # requests assigned to this load by start time (by page, across WebPageTest's runs)
    resources: tuple[ResourceVerdict, ...] = ()  # its verdicts, ordered by key
    run: int | None = None  # WebPageTest's run (a fresh browser each): loads of different runs are not compared

    @property
    def requests_per_min(self) -> float | None:
        """Kubernetes get/list/watch requests a minute (the sum over its resources); None under 60 s."""
        rates = [r.requests_per_min for r in self.resources]
        return None if not rates or any(r is None for r in rates) else round(sum(r or 0.0 for r in rates), 2)


class Connection(msgspec.Struct, frozen=True):
    """One transport connection and what it carried."""

    id: str  # the writer's id, or `inferred:<host>:<port>#<n>`
    inferred: bool  # True when the writer gave no connection id and requests were grouped here
    host: str | None
    protocol: str | None  # HTTP/1.1, HTTP/2, ...
    opened_at: datetime | None
    last_used: datetime | None
    requests: tuple[int, ...]  # request indices, in start order
    long_lived: tuple[int, ...]  # the long-lived requests it carried
    navigation: int | None  # the page load that opened it
    reused_by: tuple[int, ...]  # later page loads that sent requests on it


class Stream(msgspec.Struct, frozen=True):
    """A long-lived request: a watch, websocket, server-sent events, a follow-logs stream or a long poll."""

    index: int  # request index
    kind: StreamKind
    transport: Transport
    started: datetime | None
    ended: datetime | None  # None when the end is not known (still open, or the writer kept no end)
    duration_ms: float | None  # measured, or the bound `duration_bound` names
    duration_bound: DurationBound | None  # None when measured; `at_least`: still open, or its end was not kept
    ended_by: EndedBy
    aborted_by_navigation: bool | None  # None when the evidence cannot tell what cut it
    queued: bool | None  # open at the end without being sent: True, False, or None when the writer cannot tell
    navigation: int | None
    connection: str | None  # the writer's own connection id (a guessed one is on the request's `connection`)
    host: str | None
    protocol: str | None
    timeout_seconds: int | None  # a watch's requested timeoutSeconds
    frames: int | None  # websocket frames kept by the writer
    first_frame: datetime | None
    last_frame: datetime | None

    @property
    def is_http1(self) -> bool:
        return (self.protocol or "").upper().startswith("HTTP/1")


class Saturation(msgspec.Struct, frozen=True):
    """An interval during which a host had the browser's whole HTTP/1.x connection budget held by streams."""

    host: str
    protocol: str
    started: datetime
    ended: datetime
    open_streams: int  # the most long-lived requests open at once in the interval
    streams: tuple[int, ...]  # the long-lived requests open in the interval
    queued: tuple[int, ...]  # requests to the host that waited in the browser's queue meanwhile


class HostReuse(msgspec.Struct, frozen=True):
    """How one host's requests shared connections (the handshakes are those of connections opened to it)."""

    host: str | None
    requests: int
    connections: int
    requests_per_connection: float | None
    reused_share: float | None  # share of requests sent on a connection an earlier request had opened
    new_connections: int
    handshake_ms: float  # dns + connect of the new connections (ssl is within connect)
    ssl_ms: float
    protocols: tuple[str, ...]  # HTTP versions seen, sorted


class NavigationReuse(msgspec.Struct, frozen=True):
    """How one page load's requests shared connections: the figures of `HostReuse`, per load."""

    navigation: int | None
    requests: int
    connections: int
    requests_per_connection: float | None
    reused_share: float | None
    new_connections: int
    handshake_ms: float
    ssl_ms: float
    protocols: tuple[str, ...]


class HostConcurrency(msgspec.Struct, frozen=True):
    """The most requests and connections a host had open at once, and when (streams open to their end)."""

    host: str  # `(none)` for requests without one
    max_open_requests: int
    at: datetime | None
    max_open_connections: int
    connections_at: datetime | None


class HostLatency(msgspec.Struct, frozen=True):
    """Latency of one verb on one host, long-lived requests left out (their duration is not latency)."""

    verb: str  # the Kubernetes verb, `(not k8s)` for other requests
    host: str  # `(none)` for requests without one
    requests: int
    wait_p50_ms: float | None  # time to first byte; None when the writer gave no `wait`
    wait_p95_ms: float | None
    time_p50_ms: float | None
    time_p95_ms: float | None


class TrafficFacts(msgspec.Struct, frozen=True):
    """What the `connections` and `streams` views show beside the connections and streams themselves."""

    saturations: tuple[Saturation, ...]
    reuse_by_host: tuple[HostReuse, ...]  # ordered by host
    reuse_by_navigation: tuple[NavigationReuse, ...]  # ordered by page load
    concurrency: tuple[HostConcurrency, ...]  # ordered by host
    host_latency: tuple[HostLatency, ...]  # ordered by verb, then host


class Finding(msgspec.Struct, frozen=True):
    """A rule that fired, with the requests that prove it."""

    id: str  # stable rule id, e.g. watch-replaced-by-polling
    severity: Severity
    navigation: int | None
    resource: str | None  # resource key, or a host for connection findings
    summary: str  # one line
    evidence: tuple[int, ...]  # request indices
    recommendation: str
    initiators: tuple[str, ...] = ()  # who sent the evidence requests, most requests first
    # A finding of a rule whose advice is the same for every resource is one per page load: the resources (keys or
    # hosts) it concerns are listed here, `resource` is set only when there is one
    resources: tuple[str, ...] = ()


class Initiator(msgspec.Struct, frozen=True, gc=False):
    """Who sent a request, as its writer recorded it (Chrome's `_initiator`, chrome-har's `_initiator_*`)."""

    type: str | None  # script, parser, preflight, other
    url: str | None  # the script or document
    line: int | None  # 1-based, as DevTools shows it
    # The call stack, innermost first, each `function (script:line)`; an async boundary (the code that set a
    # timer or awaited) as `(async setInterval)`, followed by the frames of the code that scheduled it.
    frames: tuple[str, ...] = ()


# Neither a Request nor its Initiator can be part of a reference cycle (they hold only values, and are frozen), so
# the collector does not track them (`gc=False`): a capture's tens of thousands of requests are not scanned at
# each collection, and each is 16 bytes smaller.
class Request(msgspec.Struct, frozen=True, gc=False):
    """One request of the capture, as the views and the gate need it (the full table is `requests.parquet`)."""

    index: int
    started: datetime | None
    method: str | None
    url: str | None
    status: int | None
    verb: str | None  # the Kubernetes verb, None for other requests
    resource: str | None  # resource key of a get/list/watch (None for a list's later pages)
    navigation: int
    connection: str | None
    long_lived: bool
    ended_by: EndedBy
    aborted_by_navigation: bool | None  # None when the evidence cannot tell
    duration_ms: float | None  # a stream's duration (or its bound), else the writer's time
    duration_bound: DurationBound | None  # None when measured
    http_version: str | None
    transfer_size: int | None
    initiator: Initiator | None = None  # for Kubernetes and long-lived requests, where the writer recorded one
    connection_inferred: bool = False  # its connection is a guess (the writer records no connection ids)

    @property
    def is_kubernetes(self) -> bool:
        return self.verb is not None


class WatchLink(msgspec.Struct):
    """One watch of a chain (built in place by `analysis.chains`, then left alone)."""

    index: int
    started: datetime | None
    ended: datetime | None
    ended_by: EndedBy
    resource_version: str | None  # the resourceVersion the watch asked for
    timeout_seconds: int | None
    events: dict[str, int] | None  # events by type, None when the writer kept no body
    last_resource_version: str | None  # the last version its events delivered
    first_event: datetime | None  # known for websocket frames only (HTTP bodies carry no times)
    gap_s: float | None = None  # since the previous watch of the chain ended
    resumed: bool | None = None  # started from the last version the previous watch saw
    expired: bool = False  # HTTP 410, or an ERROR event with code 410
    expiry_inferred: bool = False  # no body kept: an early end answered by a re-list (how a client meets 410)
    relist: int | None = None  # the read that followed an expiry or failure


class WatchChain(msgspec.Struct):
    """The successive watches of one key in one page load."""

    navigation: int
    key: str
    watches: list[WatchLink] = msgspec.field(default_factory=list)
    preceding_read: int | None = None  # the last get/list of the key before the first watch
    read_resource_version: str | None = None  # the version that read returned (when its body was kept)
    started_from_read: bool | None = None


class Latency(msgspec.Struct, frozen=True):
    requests: int
    p50_ms: float
    p95_ms: float


class LoadCost(msgspec.Struct, frozen=True, omit_defaults=True):
    """The request rate of one page load, and what N open pages would put on the API server."""

    navigation: int
    requests_per_min: float | None  # None when the load lasted under 60 s
    bytes_per_min: float | None
    users: int | None = None
    api_requests_per_min: float | None = None
    polling_requests_per_min: float | None = None
    if_watched_requests_per_min: float | None = None


class Cost(msgspec.Struct, frozen=True):
    per_navigation: tuple[LoadCost, ...]
    users: int | None
    watch_assumption: str


class Totals(msgspec.Struct, frozen=True):
    requests: int
    kubernetes_requests: int
    verbs: dict[str, int]  # Kubernetes requests per verb
    long_lived: int
    latency: dict[str, Latency]  # per verb, long-lived requests left out
    latency_note: str
    findings: dict[Severity, int]
    rules: dict[str, Severity]  # every rule id with its default severity
    cost: Cost


class OtherRequests(msgspec.Struct, frozen=True):
    """Requests `Summary.requests` leaves out, counted by host and type: neither Kubernetes nor long-lived, no
    finding names them and they load no page (scripts, styles, images, other APIs). The whole table is
    `requests.parquet` (`har-analyzer requests`)."""

    host: str | None
    type: str | None  # the writer's resource type: script, stylesheet, image, fetch, ... (None: not written)
    requests: int
    transfer_size: int  # bytes on the wire, where the writer kept them


class UnknownPrefix(msgspec.Struct, frozen=True):
    """Requests that look like the Kubernetes API under a path no known or configured prefix reads."""

    prefix: str  # the suggested `--prefix` pattern, e.g. `/proxy/clusters/{cluster}/k8s/`
    requests: int  # how many requests it would read
    example: str  # the path of one of them, query removed


class Summary(msgspec.Struct, frozen=True, kw_only=True, dict=True):
    """One analysed capture."""

    schema: Literal["har-analyzer/analysis/v2"] = "har-analyzer/analysis/v2"
    generator: Generator
    capture: CaptureInfo
    navigations: tuple[Navigation, ...]
    requests: tuple[Request, ...]  # by index: Kubernetes, long-lived, page-load and cited ones (`other_requests`)
    connections: tuple[Connection, ...]
    streams: tuple[Stream, ...]
    watch_chains: tuple[WatchChain, ...]
    findings: tuple[Finding, ...]
    summary: Totals
    notes: tuple[str, ...] = ()
    traffic: TrafficFacts  # last, so that the keys before it keep their order in analysis.json
    unknown_prefixes: tuple[UnknownPrefix, ...] = ()  # found by `analyzer.k8s.discovery` (none under --prefix auto)
    # The requests `requests` leaves out, counted by host and type (a big capture stays usable: its full table
    # is requests.parquet); `requests` keeps the Kubernetes, long-lived and page-load ones and every one cited.
    other_requests: tuple[OtherRequests, ...] = ()

    def load(self, index: int | None) -> Navigation | None:
        """The page load of that index, if any."""
        return next((n for n in self.navigations if n.index == index), None)

    def request(self, index: int) -> Request | None:
        return self._requests_by_index.get(index)

    @functools.cached_property
    def _requests_by_index(self) -> dict[int, Request]:
        return {r.index: r for r in self.requests}

    @property
    def verdicts(self) -> list[ResourceVerdict]:
        """Every page load's verdicts, in load order."""
        return [v for n in self.navigations for v in n.resources]

    @functools.cached_property
    def expired_watches(self) -> frozenset[int]:
        """Watches answered with 410 Gone (resourceVersion expired), that reported it in the stream, or (where
        the writer kept no body) that ended early and were answered by a re-list."""
        return frozenset(
            w.index for chain in self.watch_chains for w in chain.watches if w.expired or w.expiry_inferred
        )


class SummaryError(ValueError):
    """Bytes that are not a v2 summary; the message says why in one line."""


def decode_summary(data: bytes) -> Summary:
    """A saved `analysis.json` read back.

    Raises:
        SummaryError: invalid JSON, another schema (v1 included), or a missing or mistyped key.
    """
    try:
        header = msgspec.json.decode(data, type=_Header)
    except msgspec.ValidationError:  # a DecodeError too: the JSON was fine
        raise SummaryError("not an analysis report (no schema)") from None
    except msgspec.DecodeError as exc:
        raise SummaryError(f"invalid JSON: {exc}") from None
    if header.schema != SCHEMA_ID:
        raise SummaryError(
            f"unsupported report schema {header.schema!r} (this version reads {SCHEMA_ID}; "
            "re-run `har-analyzer analyze --format json` on the capture)"
        )
    try:
        return msgspec.json.decode(data, type=Summary)
    except msgspec.ValidationError as exc:
        raise SummaryError(f"not a valid analysis report: {exc}") from None


def summary_schema() -> dict[str, object]:
    """The JSON Schema of `analysis.json`, generated from the Structs."""
    schema = msgspec.json.schema(Summary)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"https://har-analyzer.invalid/schemas/{SCHEMA_ID}",
        "title": f"har-analyzer analysis report ({SCHEMA_ID})",
        **schema,
    }


class _Header(msgspec.Struct):
    schema: str
