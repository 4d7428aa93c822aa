"""Build the Arrow table of entries from the raw columns: typed arrays, clean values, URL parts, sorted order.

Everything here works on whole arrays (Arrow compute), or on the few distinct values of a column (HTTP
versions, MIME types, connections), never per entry in Python. A capture is built in parts (one per unit of
chunks, decoded by whichever process took it, see `chunks`), put together by `assemble`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from analyzer.har.bounds import bound_numbers, bound_times, quoted
from analyzer.har.columns import BODY_DIGEST, BODY_SPAN, INITIATOR_KEY, NOT_LOCATED, UNKEYED
from analyzer.har.fields import (
    PORT_CONNECTION_WRITERS,
    RESOURCE_TYPES,
    connection_id,
    infer_resource_type,
    normalize_http_version,
)
from analyzer.har.repair import Problem
from analyzer.har.spans import Chunk
from analyzer.har.times import TIMESTAMP, parse_started
from analyzer.har.urls import blank_to_null, split_urls

_TIMINGS = ("blocked", "queueing", "dns", "connect", "ssl", "send", "wait", "receive")
_STRINGS = ("status_text", "page_ref", "connection", "connection_explicit", "initiator_type", "frame_ref", "from_cache")
_RAW = frozenset({"connection_explicit"})  # the loader's own, done with once connection_id is known
# Each entry's span in the source's `data` (its first byte, the byte after its last), where the fast path's workers
# were asked for them: `assemble` takes them out of the table, and `columns.INITIATOR_KEY`, `columns.BODY_DIGEST` and
# `columns.BODY_SPAN` too; the Capture keeps them to read bodies, headers and initiators on demand.
SPAN_COLUMNS = ("span_start", "span_end")
# The loader's columns, in the request table's order, with their meaning (`docs/columns.md` is generated from
# these and the Kubernetes columns: `analyzer.k8s.request_table.COLUMNS`).
ENTRY_COLUMNS: dict[str, str] = {
    "index": "0-based position of the entry in log.entries as written",
    "started": "startedDateTime, UTC (a time without a zone is read as UTC, with a warning)",
    "ended": "started + time_ms, UTC; null when the writer gave no total time",
    "time_ms": "entry.time in ms as the writer computed it; null for -1 (Playwright: unfinished)",
    "method": "HTTP method, upper-case",
    "url": "request URL as written",
    "scheme": "URL scheme, lower-case (http, https, ws, wss); null for a path-only URL",
    "host": "URL host, lower-case, IPv6 in brackets",
    "port": "URL port, or the scheme's default",
    "path": "URL path, still percent-encoded",
    "query": "URL query string without '?'",
    "status": "response status; 0 for failed requests; null for -1 (unfinished) or absent",
    "status_text": "response statusText",
    "http_version": "HTTP/1.0, HTTP/1.1, HTTP/2 or HTTP/3; null when the writer wrote none or junk",
    "http_version_raw": "httpVersion as written (response, else request)",
    "resource_type": "Chrome's _resourceType (document, script, xhr, fetch, websocket, ...), else inferred from the "
    "MIME type",
    "mime_type": "response content.mimeType",
    "page_ref": "pageref as written (may dangle)",
    "connection": "the entry's `connection` as written (a socket id, a server port, or Fiddler's ports)",
    "connection_id": "a real connection identity (_connectionId, old Chrome's socket id, Safari's index, Fiddler's "
    "client port); null where the writer gave only a server port",
    "server_ip": "serverIPAddress without brackets",
    "server_port": "_serverPort (Playwright, Safari)",
    "blocked": "timings.blocked in ms (Chrome: queueing + stall + proxy)",
    "queueing": "timings._blocked_queueing (Chrome) or _queued (chrome-har), part of blocked",
    "dns": "timings.dns in ms",
    "connect": "timings.connect in ms (includes ssl for browsers)",
    "ssl": "timings.ssl in ms",
    "send": "timings.send in ms",
    "wait": "timings.wait in ms (time to first byte)",
    "receive": "timings.receive in ms",
    "transfer_size": "response._transferSize: bytes on the wire",
    "content_size": "response.content.size: body bytes (decoded for browsers, encoded for mitmproxy)",
    "error": "response._error (Chrome, mitmproxy) or _failureText (Playwright)",
    "websocket": "a websocket: _resourceType websocket, status 101, or a ws/wss URL",
    "websocket_messages": "number of _webSocketMessages frames; null when the writer kept none",
    "initiator_type": "_initiator.type (parser, script, preflight, other), else chrome-har's _initiator_type",
    "frame_ref": "Playwright _frameref: the frame that issued the request",
    "from_cache": "Chrome _fromCache: memory or disk",
}
_ORDER = list(ENTRY_COLUMNS)


@dataclass(frozen=True)
class Part:
    """The entries of one stretch of `log.entries`, in file order, before the file-wide columns."""

    table: pa.Table
    naive: list[int]  # positions (within the part) of start times read as UTC for lack of a zone
    # Values that could not be kept (a field of the wrong type, a number out of range, a start time that is no
    # date): (position within the part, what was wrong), in the order found.
    problems: list[Problem]
    # The chunks the fast path decoded this part from, in order (`spans.EntrySpans` finds each entry in them).
    chunks: list[Chunk] = field(default_factory=list)


def build_part(columns: dict[str, pa.Array], problems: list[Problem] | None = None) -> Part:
    """Typed, cleaned Arrow columns for the raw columns (`columns.Rows.to_arrays`) of some consecutive entries.

    `problems` are those found while decoding them (`repair`); the values out of bounds (`bounds`) are added."""
    problems = list(problems or [])
    problems += bound_numbers(columns)
    times = parse_started(columns["started_text"])
    texts = columns["started_text"]
    problems += [
        (p, f"startedDateTime {quoted(texts[p].as_py())} is no date; kept as unknown") for p in times.unreadable
    ]
    started, outside = bound_times(times.values, texts)
    problems += outside
    arrays: dict[str, pa.Array] = {"started": started}
    time_ms = _not_negative(columns["time_ms"])
    arrays["ended"] = _ended(started, time_ms)
    arrays["time_ms"] = time_ms
    urls = columns["url"]
    arrays["method"] = pc.utf8_upper(columns["method"])
    arrays["url"] = urls
    arrays.update(split_urls(urls))
    arrays.update(_response(columns, arrays["scheme"]))
    arrays["server_ip"] = blank_to_null(pc.replace_substring_regex(columns["server_ip"], r"^\[(.*)\]$", r"\1"))
    arrays["server_port"] = _int(columns["server_port"], pa.int32())
    for column in _TIMINGS:
        arrays[column] = _not_negative(columns[column])
    arrays["queueing"] = pc.coalesce(arrays["queueing"], _not_negative(columns["queued"]))
    for column in _STRINGS:
        arrays[column] = blank_to_null(columns[column])
    # A field left out of a repaired entry may be one its initiator key or body digest would have been made of:
    # such an entry's initiator and body are read on their own.
    repaired = sorted({position for position, _ in problems})
    if INITIATOR_KEY in columns:
        keys = columns[INITIATOR_KEY]
        arrays[INITIATOR_KEY] = _replaced(keys, repaired, pa.scalar(UNKEYED, keys.type))
    if BODY_DIGEST in columns:
        digests = columns[BODY_DIGEST]
        arrays[BODY_DIGEST] = _replaced(digests, repaired, pa.scalar(None, digests.type))
    for column in BODY_SPAN:
        if column in columns:
            arrays[column] = _replaced(columns[column], repaired, pa.scalar(NOT_LOCATED, pa.int64()))
    return Part(table=pa.table(arrays), naive=times.naive, problems=sorted(problems, key=lambda p: p[0]))


def _replaced(values: pa.Array, positions: list[int], value: pa.Scalar) -> pa.Array:
    """`values` with `value` at `positions`."""
    if not positions:
        return values
    chosen = pc.is_in(pa.array(range(len(values)), type=pa.int64()), pa.array(positions, type=pa.int64()))
    return pc.if_else(chosen, value, values)


def join_parts(parts: list[Part]) -> Part:
    """Consecutive parts as one (the tables' chunks are kept, not copied)."""
    if len(parts) == 1:
        return parts[0]
    naive: list[int] = []
    problems: list[Problem] = []
    chunks: list[Chunk] = []
    offset = 0
    for part in parts:
        naive += [offset + position for position in part.naive]
        problems += [(offset + position, text) for position, text in part.problems]
        chunks += part.chunks
        offset += part.table.num_rows
    table = pa.concat_tables([part.table for part in parts])
    return Part(table=table, naive=naive, problems=problems, chunks=chunks)


@dataclass(frozen=True)
class Assembled:
    table: pa.Table  # sorted by start time
    time_warnings: list[str]
    problems: list[Problem]  # positions in `log.entries`
    # The chunks the entries were decoded from, in order, where the fast path read every part (`Part.chunks`)
    chunks: list[Chunk] | None
    spans: tuple[pa.Array, pa.Array] | None  # SPAN_COLUMNS by position in `log.entries`, where the parts had them
    initiator_keys: pa.Array | None  # INITIATOR_KEY by position in `log.entries`, where the parts had them
    digests: pa.Array | None  # BODY_DIGEST by position in `log.entries`, where the parts had them
    bodies: tuple[pa.ChunkedArray, pa.ChunkedArray] | None  # BODY_SPAN by position in `log.entries`, where known


def assemble(parts: list[Part], *, creator: str | None, name: str) -> Assembled:
    """The entries of a capture as one Arrow table sorted by start time, warnings about their times, the
    problems of its values, and the chunks the parts were decoded from and each entry's span where they tell them.

    `index` is each entry's position in `log.entries` as written; `connection_id` is resolved here because
    whether `connection` is a server port is a fact of the whole file.
    """
    joined = join_parts(parts)
    table = joined.table  # chunked as decoded: copying it into one chunk would cost more than it saves
    table, (start, end, initiator_keys, digests) = _taken(table, [*SPAN_COLUMNS, INITIATOR_KEY, BODY_DIGEST])
    spans = (start, end) if start is not None and end is not None else None
    # As decoded, not joined into one chunk: a few hundred are read, and a copy would add 16 MB at 1,000,000 entries.
    bodies = (table.column(BODY_SPAN[0]), table.column(BODY_SPAN[1])) if BODY_SPAN[0] in table.column_names else None
    table = table.drop_columns([name for name in BODY_SPAN if name in table.column_names])
    chunks = joined.chunks if sum(chunk.entries for chunk in joined.chunks) == table.num_rows else None
    count = table.num_rows
    table = table.append_column("index", pa.array(range(count), type=pa.int64()))
    explicit = table.column("connection_explicit")
    table = table.append_column("connection_id", _connection_ids(table.column("connection"), explicit, creator))
    table = table.select(_ORDER + [name for name in table.column_names if name not in _ORDER and name not in _RAW])
    started = table.column("started")
    if count and not _is_sorted(started):
        table = table.take(pc.sort_indices(table, [("started", "ascending"), ("index", "ascending")]))
    warnings = _time_warnings(name, joined.naive)
    return Assembled(table, warnings, joined.problems, chunks, spans, initiator_keys, digests, bodies)


def _taken(table: pa.Table, names: list[str]) -> tuple[pa.Table, list[pa.Array | None]]:
    """`table` without the columns `names`, and each of them in one chunk (None where the table had none)."""
    taken = [table.column(name).combine_chunks() if name in table.column_names else None for name in names]
    return table.drop_columns([name for name in names if name in table.column_names]), taken


def _connection_ids(raw: pa.ChunkedArray, explicit: pa.ChunkedArray, creator: str | None) -> pa.Array:
    # New Chrome writes `_connectionId` beside `connection` (then the server port); Firefox writes the port.
    writer = (creator or "").lower()
    is_port = any(name in writer for name in PORT_CONNECTION_WRITERS) or pc.any(pc.is_valid(explicit)).as_py()
    from_raw = _per_distinct(raw.combine_chunks(), lambda r: connection_id(r, None, connection_is_port=bool(is_port)))
    return pc.coalesce(explicit.combine_chunks(), from_raw)


def _is_sorted(started: pa.ChunkedArray) -> bool:
    values = started.combine_chunks()
    if values.null_count:
        return False
    return bool(pc.all(pc.greater_equal(values[1:], values[:-1])).as_py())


def _response(columns: dict[str, pa.Array], scheme: pa.Array) -> dict[str, pa.Array]:
    status = _int(columns["status"], pa.int32())
    declared = pc.utf8_lower(columns["declared_type"])
    websocket = pc.fill_null(
        pc.or_kleene(
            pc.or_kleene(pc.equal(declared, "websocket"), pc.equal(status, 101)),
            pc.is_in(scheme, pa.array(["ws", "wss"])),
        ),
        False,
    )
    raw_version = pc.coalesce(
        blank_to_null(columns["http_version_raw"]),
        blank_to_null(columns["request_http_version"]),
    )
    mime = blank_to_null(columns["mime_type"])
    inferred = _per_distinct(mime, lambda m: infer_resource_type(None, m, False))
    valid = pc.is_in(declared, pa.array(sorted(RESOURCE_TYPES)))
    known = pc.if_else(pc.is_null(declared), None, pc.if_else(valid, declared, "other"))
    return {
        "status": status,
        "status_text": columns["status_text"],
        "http_version": _per_distinct(raw_version, normalize_http_version),
        "http_version_raw": raw_version,
        "resource_type": pc.coalesce(known, pc.if_else(websocket, "websocket", inferred)),
        "mime_type": mime,
        "transfer_size": _int(columns["transfer_size"], pa.int64()),
        "content_size": _int(columns["content_size"], pa.int64()),
        "error": pc.coalesce(
            blank_to_null(columns["error"]),
            blank_to_null(columns["failure"]),
        ),
        "websocket": websocket,
        "websocket_messages": columns["websocket_messages"],
    }


def _per_distinct(values: pa.Array, convert: Callable[[Any], Any]) -> pa.Array:
    """Apply a Python function to each distinct value only (a column has a handful: versions, MIME types)."""
    encoded = values.dictionary_encode()
    mapped = pa.array([convert(v) for v in encoded.dictionary.to_pylist()], type=pa.string())
    return mapped.take(encoded.indices)


def _not_negative(values: pa.Array) -> pa.Array:
    # HAR writes -1 for "does not apply"; no negative time or size is meaningful.
    return pc.if_else(pc.less(values, 0), None, values)


def _int(values: pa.Array, kind: pa.DataType) -> pa.Array:
    return pc.cast(pc.floor(_not_negative(values)), kind)


def _ended(started: pa.Array, time_ms: pa.Array) -> pa.Array:
    micros = pc.cast(pc.round(pc.multiply(time_ms, 1000.0)), pa.int64())
    return pc.add(started, pc.cast(micros, pa.duration("us"))).cast(TIMESTAMP)


def _time_warnings(name: str, naive: list[int]) -> list[str]:
    if not naive:
        return []
    return [f"{name}: {len(naive)} startedDateTime values have no time zone (first: entry {naive[0]}); read as UTC"]
