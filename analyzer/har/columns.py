"""Flatten typed HAR entries into the loader's columns: Python lists of values exactly as written.

Per-value clean-up (negative timings, status -1, HTTP version spellings, connection ids) happens later on
whole Arrow arrays, so this module does nothing per value but fetch attributes: it runs for every entry of
the capture.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from analyzer.har import schema

Columns = dict[str, list[Any]]

# column name -> attribute path in schema.Entry
ENTRY_FIELDS: dict[str, str] = {
    "started_text": "startedDateTime",
    "time_ms": "time",
    "method": "request.method",
    "url": "request.url",
    "request_http_version": "request.httpVersion",
    "status": "response.status",
    "status_text": "response.statusText",
    "http_version_raw": "response.httpVersion",
    "declared_type": "_resourceType",
    "mime_type": "response.content.mimeType",
    "page_ref": "pageref",
    "connection": "connection",
    "connection_explicit": "_connectionId",
    "server_ip": "serverIPAddress",
    "server_port": "_serverPort",
    "blocked": "timings.blocked",
    "queueing": "timings._blocked_queueing",
    "queued": "timings._queued",
    "dns": "timings.dns",
    "connect": "timings.connect",
    "ssl": "timings.ssl",
    "send": "timings.send",
    "wait": "timings.wait",
    "receive": "timings.receive",
    "transfer_size": "response._transferSize",
    "content_size": "response.content.size",
    "error": "response._error",
    "failure": "response._failureText",
    "initiator": "_initiator",
    "initiator_type": "_initiator_type",
    "frame_ref": "_frameref",
    "from_cache": "_fromCache",
    "frames": "_webSocketMessages",
}
_ROW = attrgetter(*ENTRY_FIELDS.values())  # one C call per entry fetches every field of its row


def empty_columns() -> Columns:
    return {name: [] for name in ENTRY_FIELDS}


def append_entries(columns: Columns, entries: list[schema.Entry]) -> None:
    """Append one chunk of entries: a row tuple per entry (C), transposed into the columns (C).

    An empty chunk transposes to no columns at all, hence the outer `strict=False`."""
    for column, values in zip(columns.values(), zip(*map(_ROW, entries), strict=True), strict=False):
        column.extend(values)


def finish_columns(columns: Columns) -> Columns:
    """Resolve the columns that need several fields of an entry; returns the loader's raw columns."""
    initiators = columns.pop("initiator")
    chrome_har_types = columns.pop("initiator_type")
    columns["initiator_type"] = [
        i.type if isinstance(i, schema.Initiator) else t for i, t in zip(initiators, chrome_har_types, strict=True)
    ]
    frames = columns.pop("frames")
    columns["websocket_messages"] = [None if f is None else len(f) for f in frames]
    return columns
