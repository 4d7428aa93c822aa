"""Flatten typed HAR entries into the loader's columns: Python lists of values exactly as written.

Per-value clean-up (negative timings, status -1, HTTP version spellings) happens later on whole Arrow
arrays, so this module does nothing per value but fetch attributes: it runs for every entry of the capture.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any

from analyzer.har import schema
from analyzer.har.fields import PORT_CONNECTION_WRITERS, connection_id

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
_GETTERS = {column: attrgetter(path) for column, path in ENTRY_FIELDS.items()}


def empty_columns() -> Columns:
    return {name: [] for name in ENTRY_FIELDS}


def append_entries(columns: Columns, entries: list[schema.Entry]) -> None:
    """Append one chunk of entries: one C-level `map` per column, nothing per value in Python."""
    for column, getter in _GETTERS.items():
        columns[column].extend(map(getter, entries))


def finish_columns(columns: Columns, creator: str | None) -> Columns:
    """Resolve what needs several fields or the whole file; returns the loader's final raw columns."""
    initiators = columns.pop("initiator")
    chrome_har_types = columns.pop("initiator_type")
    columns["initiator_type"] = [
        i.type if isinstance(i, schema.Initiator) else t for i, t in zip(initiators, chrome_har_types, strict=True)
    ]
    frames = columns.pop("frames")
    columns["websocket_messages"] = [None if f is None else len(f) for f in frames]
    explicit = columns.pop("connection_explicit")
    name = (creator or "").lower()
    # Whether `connection` is the server port is a file-wide fact: new Chrome writes `_connectionId` beside it.
    is_port = any(writer in name for writer in PORT_CONNECTION_WRITERS) or any(explicit)
    if not any(columns["connection"]) and not any(explicit):
        columns["connection_id"] = explicit
    else:
        columns["connection_id"] = [
            connection_id(raw, given, connection_is_port=is_port)
            for raw, given in zip(columns["connection"], explicit, strict=True)
        ]
    return columns
