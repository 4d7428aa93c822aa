"""The facts `check` and `diff` judge: a typed view of one v1 analysis report, read from a HAR or a saved one.

Both commands work from the `har-analyzer/analysis/v1` payload (`analyze --format json`), so a baseline kept in
a repository as `analysis.json` and a fresh HAR are judged by the same code. This module is the one place that
reads a saved report; raw dicts do not leave it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from analyzer.errors import InputError
from analyzer.model import Prefix

SCHEMA_PREFIX = "har-analyzer/analysis/"
# A report says what it is in its first bytes; a HAR that mentions the schema id that early is not plausible.
_SNIFF_BYTES = 65_536


@dataclass(frozen=True)
class Resource:
    """How one page load used one object or collection (a verdict of the report)."""

    key: str  # cluster/group/version/namespace/resource[/name], `-` and `core` for absent parts
    mode: str  # watch, poll, watch+poll, once
    counts: Mapping[str, int]  # get, list, watch
    poll_interval_s: float | None
    requests_per_min: float
    reads: tuple[int, ...]
    watches: tuple[int, ...]


@dataclass(frozen=True)
class Load:
    """A page load with its resources."""

    index: int
    url: str | None
    trigger: str  # initial, reload, navigate
    resources: tuple[Resource, ...]

    @property
    def requests_per_min(self) -> float:
        """Kubernetes get/list/watch requests a minute, as `analyze` shows them (the sum over its resources)."""
        return round(sum(r.requests_per_min for r in self.resources), 2)


@dataclass(frozen=True)
class Request:
    index: int
    url: str | None
    verb: str | None  # the Kubernetes verb, None for other requests
    resource: str | None  # resource key of a get/list/watch (None for a list's later pages)
    navigation: int


@dataclass(frozen=True)
class Stream:
    """A long-lived request (watch, websocket, server-sent events, follow-logs, long poll)."""

    index: int
    kind: str
    transport: str  # http or websocket
    navigation: int | None
    connection: str | None
    host: str | None
    protocol: str | None
    started: datetime | None
    ended: datetime | None  # when it closed, or when the capture ends for one still open
    duration_ms: float | None
    ended_by: str  # complete, open, aborted, error
    aborted_by_navigation: bool

    @property
    def is_http1(self) -> bool:
        return (self.protocol or "").upper().startswith("HTTP/1")


@dataclass(frozen=True)
class FindingFact:
    id: str
    severity: str
    navigation: int | None
    resource: str | None  # a resource key, or a host for connection findings
    summary: str
    evidence: tuple[int, ...]


@dataclass(frozen=True)
class Latency:
    requests: int
    p50_ms: float
    p95_ms: float


@dataclass(frozen=True)
class Report:
    """One analysed capture, as `check` and `diff` see it."""

    source: str  # the path given on the command line
    loads: tuple[Load, ...]
    requests: Mapping[int, Request]
    streams: tuple[Stream, ...]
    findings: tuple[FindingFact, ...]
    verbs: Mapping[str, int]  # Kubernetes requests per verb
    latency: Mapping[str, Latency]  # per verb, long-lived requests left out
    expired_watches: frozenset[int] = frozenset()  # watches answered with 410 Gone (resourceVersion expired)

    def load(self, index: int | None) -> Load | None:
        return next((load for load in self.loads if load.index == index), None)


def read_report(
    path: str, prefixes: Sequence[Prefix] = (), *, redact: bool = True, warn: Callable[[str], None] | None = None
) -> Report:
    """A HAR (analysed now) or a saved `analysis.json`, whichever `path` holds.

    Raises:
        InputError: unreadable, neither a HAR nor a v1 report, or a report missing a key.
    """
    if path != "-" and _is_report(Path(path)):
        return report_from_payload(_read_json(Path(path)), path)
    from analyzer.analysis.analyze import analyze
    from analyzer.har.loader import load_capture
    from analyzer.render.report import analysis_payload

    capture = load_capture(path)
    for warning in capture.warnings:
        if warn is not None:
            warn(warning)
    return report_from_payload(analysis_payload(analyze(capture, prefixes=prefixes), redact=redact), path)


def report_from_payload(payload: Mapping[str, Any], source: str) -> Report:
    """The typed view of a v1 payload.

    Raises:
        InputError: another schema, or a missing or mistyped key (the message names it).
    """
    schema = payload.get("schema")
    if schema != f"{SCHEMA_PREFIX}v1":
        raise InputError(f"{source}: unsupported report schema {schema!r} (expected {SCHEMA_PREFIX}v1)")
    try:
        return _report(payload, source)
    except (KeyError, TypeError, ValueError) as exc:
        detail = f"missing key {exc}" if isinstance(exc, KeyError) else str(exc)
        raise InputError(f"{source}: not a valid analysis report: {detail}") from None


def _report(payload: Mapping[str, Any], source: str) -> Report:
    capture_end = _time(payload["capture"].get("ended"))
    summary = payload["summary"]
    return Report(
        source=source,
        loads=tuple(_load(n) for n in payload["navigations"]),
        requests={int(r["index"]): _request(r) for r in payload["requests"]},
        streams=tuple(_stream(s, capture_end) for s in payload["streams"]),
        findings=tuple(_finding(f) for f in payload["findings"]),
        verbs={str(k): int(v) for k, v in summary["verbs"].items()},
        latency={
            str(verb): Latency(int(v["requests"]), float(v["p50_ms"]), float(v["p95_ms"]))
            for verb, v in summary["latency"].items()
        },
        expired_watches=frozenset(
            int(link["index"])
            for chain in payload.get("watch_chains", ())
            for link in chain["watches"]
            if link.get("expired")
        ),
    )


def _load(n: Mapping[str, Any]) -> Load:
    resources = tuple(
        Resource(
            key=str(r["key"]),
            mode=str(r["mode"]),
            counts={k: int(v) for k, v in r["counts"].items()},
            poll_interval_s=_number(r.get("poll_interval_s")),
            requests_per_min=float(r["requests_per_min"]),
            reads=tuple(r.get("reads", ())),
            watches=tuple(r.get("watches", ())),
        )
        for r in n["resources"]
    )
    return Load(index=int(n["index"]), url=n.get("url"), trigger=str(n["trigger"]), resources=resources)


def _request(r: Mapping[str, Any]) -> Request:
    return Request(
        index=int(r["index"]),
        url=r.get("url"),
        verb=r.get("verb"),
        resource=r.get("resource"),
        navigation=int(r["navigation"]),
    )


def _stream(s: Mapping[str, Any], capture_end: datetime | None) -> Stream:
    started, duration = _time(s.get("started")), _number(s.get("duration_ms"))
    ended = _time(s.get("ended"))
    if ended is None and started is not None:
        # Still open when the capture was written: it held its connection at least until the capture's end.
        ended = started + timedelta(milliseconds=duration) if duration is not None else capture_end
        if capture_end is not None and ended is not None and s.get("ended_by") == "open":
            ended = max(ended, capture_end)
    return Stream(
        index=int(s["index"]),
        kind=str(s["kind"]),
        transport=str(s.get("transport") or "http"),
        navigation=s.get("navigation"),
        connection=s.get("connection"),
        host=s.get("host"),
        protocol=s.get("protocol"),
        started=started,
        ended=ended,
        duration_ms=duration,
        ended_by=str(s["ended_by"]),
        aborted_by_navigation=bool(s.get("aborted_by_navigation")),
    )


def _finding(f: Mapping[str, Any]) -> FindingFact:
    return FindingFact(
        id=str(f["id"]),
        severity=str(f["severity"]),
        navigation=f.get("navigation"),
        resource=f.get("resource"),
        summary=str(f["summary"]),
        evidence=tuple(int(i) for i in f.get("evidence", ())),
    )


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


def _time(value: Any) -> datetime | None:
    if not value:
        return None
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _is_report(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            head = handle.read(_SNIFF_BYTES)
    except OSError:
        return False  # the HAR loader reports the problem, in its words
    return b'"schema"' in head and SCHEMA_PREFIX.encode() in head and b'"log"' not in head


def _read_json(path: Path) -> Mapping[str, Any]:
    import msgspec

    try:
        document = msgspec.json.decode(path.read_bytes())
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from None
    except msgspec.DecodeError as exc:
        raise InputError(f"{path}: invalid JSON: {exc}") from None
    if not isinstance(document, dict):
        raise InputError(f"{path}: not an analysis report (the top level is not an object)")
    return document
