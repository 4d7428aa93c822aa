"""The dataset's tables (`har-analyzer/dataset/v1`): their columns, and one analysed capture as those tables.

Every table starts with `capture_id`; the other columns are the typed summary's fields (`analyzer/summary.py`)
in plain Parquet types — string, int64, double, bool, timestamp[us, UTC], lists of strings or of int64, and
one map of strings (`captures.labels`) — so that DuckDB, pyarrow.dataset, Spark and Trino read them as they
are. `docs/dataset.md` lists them, generated from `TABLES` by `python -m analyzer.cli.docs`. Within a schema,
columns are only added (at the end of a table, nullable); a column renamed, retyped or removed makes a new
`DATASET_SCHEMA`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import msgspec
import pyarrow as pa

from analyzer.summary import SEVERITIES, Navigation, Request, ResourceKey, ResourceVerdict, Summary

DATASET_SCHEMA = "har-analyzer/dataset/v1"

TIMESTAMP = pa.timestamp("us", tz="UTC")
STRINGS = pa.list_(pa.string())
INTEGERS = pa.list_(pa.int64())
LABELS = pa.map_(pa.string(), pa.string())


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    meaning: str


CAPTURE_ID = Column(
    "capture_id",
    pa.string(),
    "sha256 (hex) of the capture's JSON text as the loader reads it (decompressed, unzipped, no BOM, JSONP "
    "wrapper or white space around it); null in `captures` for a file that could not be read at all",
)

TABLES: dict[str, tuple[Column, ...]] = {
    "captures": (
        CAPTURE_ID,
        Column("path", pa.string(), "the capture's path or URL as the batch found it (a folder or glob expanded)"),
        Column("analyzer_version", pa.string(), "the har-analyzer version that analysed it"),
        Column("dataset_schema", pa.string(), f"`{DATASET_SCHEMA}`"),
        Column(
            "error",
            pa.string(),
            "why the capture could not be read or analysed, one line; null when it was "
            "(such a capture has no row in the other tables)",
        ),
        Column("labels", LABELS, "labels from the path, a sidecar `<capture>.labels.json` and `--label`"),
        Column("creator", pa.string(), "the HAR writer (`log.creator.name`)"),
        Column("creator_version", pa.string(), "its version"),
        Column("browser", pa.string(), "`log.browser` name and version"),
        Column("started", TIMESTAMP, "the first request's start"),
        Column("ended", TIMESTAMP, "the last moment any request was seen"),
        Column("entries", pa.int64(), "entries in the capture"),
        Column("truncated", pa.bool_(), "the file was cut off and the entries before the cut were kept"),
        Column("warnings", STRINGS, "what the loader and the analysis warned about"),
        Column("loads", pa.int64(), "page loads (rows in `loads`)"),
        Column("requests", pa.int64(), "requests"),
        Column("kubernetes_requests", pa.int64(), "requests to the Kubernetes API"),
        Column("long_lived", pa.int64(), "long-lived requests (rows in `streams`)"),
        *(Column(f"findings_{s}", pa.int64(), f"findings of severity {s}") for s in SEVERITIES),
        Column("redacted", pa.bool_(), "secrets in URLs were redacted (false under `--show-secrets`)"),
    ),
    "loads": (
        CAPTURE_ID,
        Column("navigation", pa.int64(), "the page load's index, 0-based in start order"),
        Column("started", TIMESTAMP, "when it started"),
        Column("url", pa.string(), "the page's URL"),
        Column("url_path", pa.string(), "the path of that URL (no scheme, host, query or fragment)"),
        Column("trigger", pa.string(), "`initial`, `reload` (same URL as the previous load) or `navigate`"),
        Column("document", pa.int64(), "request index of its main-frame document; null when inferred"),
        Column("page_ref", pa.string(), "the HAR page id"),
        Column("requests", pa.int64(), "requests assigned to this load"),
        Column("run", pa.int64(), "WebPageTest's run (a fresh browser each), else null"),
        Column("resources", pa.int64(), "Kubernetes objects and collections it read (rows in `resources`)"),
        Column("requests_per_min", pa.float64(), "Kubernetes get/list/watch requests a minute; null under 60 s"),
        Column("bytes_per_min", pa.float64(), "their bytes a minute; null under 60 s"),
    ),
    "resources": (
        CAPTURE_ID,
        Column("navigation", pa.int64(), "the page load"),
        Column("key", pa.string(), "`{cluster}/{group or core}/{version}/{namespace or -}/{resource}[/{name}]`"),
        Column("cluster", pa.string(), "the key's parts: null where absent"),
        Column("api_group", pa.string(), "the API group, null for the core group (`group` is an SQL keyword)"),
        Column("version", pa.string(), "the API version"),
        Column("namespace", pa.string(), "null for a cluster-scoped or all-namespaces key"),
        Column("resource", pa.string(), "the resource (`pods`, `configmaps`, ...)"),
        Column("name", pa.string(), "the object's name; null for a collection"),
        Column("mode", pa.string(), "`watch`, `poll`, `watch+poll` or `once`"),
        Column("get_requests", pa.int64(), "its get requests in the load"),
        Column("list_requests", pa.int64(), "its list requests (a paged list counts once)"),
        Column("watch_requests", pa.int64(), "its watch requests"),
        Column("poll_interval_s", pa.float64(), "median gap between reads, when polled"),
        Column("poll_regularity", pa.float64(), "coefficient of variation of those gaps, when polled"),
        Column("count", pa.int64(), "its get, list and watch requests"),
        Column("span_s", pa.float64(), "how long the load lasted (to the next load or the end of the capture)"),
        Column("requests_per_min", pa.float64(), "the most requests in any 60 s of the load; null under 60 s"),
        Column("bytes_per_min", pa.float64(), "the load's bytes over its minutes; null under 60 s"),
        Column("reads", INTEGERS, "request indices of the gets and lists"),
        Column("watches", INTEGERS, "request indices of its watches"),
        Column("covered_by", INTEGERS, "watches of its collection in the same load"),
        Column("initiators", STRINGS, "who sent its requests, most requests first"),
    ),
    "streams": (
        CAPTURE_ID,
        Column("index", pa.int64(), "request index"),
        Column("kind", pa.string(), "`watch`, `websocket`, `sse`, `follow-logs` or `long-poll`"),
        Column("transport", pa.string(), "`http` or `websocket`"),
        Column("started", TIMESTAMP, "when it started"),
        Column("ended", TIMESTAMP, "when it ended; null when not known"),
        Column("duration_ms", pa.float64(), "measured, or the bound `duration_bound` names"),
        Column("duration_bound", pa.string(), "null when measured, else `at_least` or `at_most`"),
        Column("ended_by", pa.string(), "`complete`, `open`, `aborted`, `error` or `unknown`"),
        Column("aborted_by_navigation", pa.bool_(), "null when the evidence cannot tell"),
        Column("queued", pa.bool_(), "open at the end without being sent; null when the writer cannot tell"),
        Column("navigation", pa.int64(), "the page load"),
        Column("connection", pa.string(), "the writer's connection id"),
        Column("host", pa.string(), "the host"),
        Column("protocol", pa.string(), "HTTP/1.1, HTTP/2, ..."),
        Column("timeout_seconds", pa.int64(), "a watch's requested timeoutSeconds"),
        Column("frames", pa.int64(), "websocket frames kept by the writer"),
        Column("first_frame", TIMESTAMP, "the first websocket frame"),
        Column("last_frame", TIMESTAMP, "the last websocket frame"),
    ),
    "findings": (
        CAPTURE_ID,
        Column("id", pa.string(), "the rule's stable id, e.g. `watch-replaced-by-polling`"),
        Column("severity", pa.string(), "`error`, `warning` or `info`"),
        Column("navigation", pa.int64(), "the page load, when the finding has one"),
        Column("resource", pa.string(), "the resource key (or host) when there is one"),
        Column("summary", pa.string(), "one line"),
        Column("evidence", INTEGERS, "request indices that prove it"),
        Column("recommendation", pa.string(), "what to do"),
        Column("initiators", STRINGS, "who sent the evidence requests, most requests first"),
        Column("resources", STRINGS, "the keys or hosts a per-load finding concerns"),
    ),
    "requests": (
        CAPTURE_ID,
        Column("index", pa.int64(), "position in the capture's `log.entries`"),
        Column("started", TIMESTAMP, "when it started"),
        Column("method", pa.string(), "HTTP method"),
        Column("url", pa.string(), "the URL"),
        Column("status", pa.int64(), "HTTP status"),
        Column("verb", pa.string(), "the Kubernetes verb; null for other requests"),
        Column("resource", pa.string(), "resource key of a get, list or watch"),
        Column("navigation", pa.int64(), "the page load"),
        Column("connection", pa.string(), "its connection"),
        Column("long_lived", pa.bool_(), "a watch, websocket, server-sent events, follow-logs or long poll"),
        Column("ended_by", pa.string(), "`complete`, `open`, `aborted`, `error` or `unknown`"),
        Column("aborted_by_navigation", pa.bool_(), "null when the evidence cannot tell"),
        Column("duration_ms", pa.float64(), "a stream's duration (or its bound), else the writer's time"),
        Column("duration_bound", pa.string(), "null when measured, else `at_least` or `at_most`"),
        Column("http_version", pa.string(), "HTTP/1.1, HTTP/2, ..."),
        Column("transfer_size", pa.int64(), "bytes on the wire"),
        Column("initiator_type", pa.string(), "who sent it: script, parser, preflight, other"),
        Column("initiator_url", pa.string(), "the script or document that sent it"),
        Column("initiator_line", pa.int64(), "its line, 1-based"),
        Column("initiator_frames", STRINGS, "the call stack, innermost first"),
        Column("connection_inferred", pa.bool_(), "its connection is a guess"),
    ),
}
TABLE_NAMES: tuple[str, ...] = tuple(TABLES)
# Every table but `requests` is written for each capture; `requests` (the summary's requests: Kubernetes,
# long-lived, page-load and cited ones) only when asked for.
OPTIONAL_TABLES = frozenset({"requests"})
SCHEMAS: dict[str, pa.Schema] = {
    name: pa.schema([pa.field(c.name, c.type) for c in columns]) for name, columns in TABLES.items()
}


@dataclass(frozen=True)
class CaptureRow:
    """What the `captures` row says beside the summary: who the capture is and how it was analysed."""

    capture_id: str | None
    path: str
    analyzer_version: str
    labels: Mapping[str, str]
    redacted: bool = True
    error: str | None = None


def capture_tables(summary: Summary, row: CaptureRow, *, with_requests: bool = False) -> dict[str, pa.Table]:
    """One analysed capture as the dataset's tables (`requests` only `with_requests`); `summary` is written as
    it is, so pass the redacted one unless secrets were asked for."""
    capture_id = row.capture_id
    navigations = summary.navigations
    tables = {
        "captures": _table("captures", [_capture(summary, row)]),
        "loads": _table("loads", [_load(n, summary, capture_id) for n in navigations]),
        "resources": _table("resources", [_resource(v, capture_id) for n in navigations for v in n.resources]),
        "streams": _table("streams", [_fields(s, capture_id) for s in summary.streams]),
        "findings": _table("findings", [_fields(f, capture_id) for f in summary.findings]),
    }
    if with_requests:
        tables["requests"] = _table("requests", [_request(r, capture_id) for r in summary.requests])
    return tables


def error_table(row: CaptureRow) -> pa.Table:
    """The `captures` row of a capture that could not be read or analysed: its `error`, and nothing measured."""
    return _table("captures", [_identity(row)])


def _table(name: str, rows: Sequence[Mapping[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(list(rows), schema=SCHEMAS[name])


def _identity(row: CaptureRow) -> dict[str, Any]:
    return {
        "capture_id": row.capture_id,
        "path": row.path,
        "analyzer_version": row.analyzer_version,
        "dataset_schema": DATASET_SCHEMA,
        "error": row.error,
        "labels": sorted(row.labels.items()),
        "redacted": row.redacted if row.error is None else None,
    }


def _capture(summary: Summary, row: CaptureRow) -> dict[str, Any]:
    info, totals = summary.capture, summary.summary
    return {
        **_identity(row),
        "creator": info.creator,
        "creator_version": info.creator_version,
        "browser": info.browser,
        "started": info.started,
        "ended": info.ended,
        "entries": info.entries,
        "truncated": info.truncated,
        "warnings": list(info.warnings),
        "loads": len(summary.navigations),
        "requests": totals.requests,
        "kubernetes_requests": totals.kubernetes_requests,
        "long_lived": totals.long_lived,
        **{f"findings_{s}": totals.findings.get(s, 0) for s in SEVERITIES},
    }


def _load(navigation: Navigation, summary: Summary, capture_id: str | None) -> dict[str, Any]:
    cost = next((c for c in summary.summary.cost.per_navigation if c.navigation == navigation.index), None)
    return {
        "capture_id": capture_id,
        "navigation": navigation.index,
        "started": navigation.started,
        "url": navigation.url,
        "url_path": _url_path(navigation.url),
        "trigger": navigation.trigger,
        "document": navigation.document,
        "page_ref": navigation.page_ref,
        "requests": navigation.requests,
        "run": navigation.run,
        "resources": len(navigation.resources),
        "requests_per_min": navigation.requests_per_min,
        "bytes_per_min": cost.bytes_per_min if cost is not None else None,
    }


def _url_path(url: str | None) -> str | None:
    if url is None:
        return None
    try:
        return urlsplit(url).path or "/"
    except ValueError:  # a malformed URL (an unclosed IPv6 bracket): no path to tell
        return None


def _resource(verdict: ResourceVerdict, capture_id: str | None) -> dict[str, Any]:
    row = _fields(verdict, capture_id)
    key = ResourceKey.parse(verdict.key)
    counts = row.pop("counts")
    return {
        **row,
        "cluster": key.cluster,
        "api_group": key.group,
        "version": key.version,
        "namespace": key.namespace,
        "resource": key.resource,
        "name": key.name,
        "get_requests": counts.get("get", 0),
        "list_requests": counts.get("list", 0),
        "watch_requests": counts.get("watch", 0),
    }


def _request(request: Request, capture_id: str | None) -> dict[str, Any]:
    row = _fields(request, capture_id)
    initiator = row.pop("initiator")
    return {
        **row,
        "initiator_type": initiator.type if initiator else None,
        "initiator_url": initiator.url if initiator else None,
        "initiator_line": initiator.line if initiator else None,
        "initiator_frames": list(initiator.frames) if initiator else None,
    }


def _fields(struct: msgspec.Struct, capture_id: str | None) -> dict[str, Any]:
    """A Struct's fields as a row (the columns a table does not have are dropped when the table is built)."""
    return {"capture_id": capture_id, **msgspec.structs.asdict(struct)}
