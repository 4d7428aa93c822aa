"""Flatten typed HAR entries into the loader's Arrow columns, values exactly as written.

Per-value clean-up (negative timings, status -1, HTTP version spellings, connection ids) happens later on
whole Arrow arrays (`table`), so this module does nothing per value but fetch attributes, in C: a row tuple
per entry, and one conversion of a batch of rows into a struct array whose fields are the columns.
"""

from __future__ import annotations

import hashlib
from functools import cache
from itertools import repeat
from operator import attrgetter
from typing import TYPE_CHECKING, Any

import msgspec

from analyzer.har import schema
from analyzer.har.fields import body_of
from analyzer.har.hooks import Digest

if TYPE_CHECKING:
    import pyarrow as pa

# column name -> attribute path in schema.Entry (a number, or else a string; see NUMBERS)
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
    "frame_ref": "_frameref",
    "from_cache": "_fromCache",
    "initiator_declared": "_initiator_type",  # chrome-har's; Chrome's is the type of its `_initiator` object
}
NUMBERS = frozenset({"time_ms", "status", "server_port", "blocked", "queueing", "queued", "dns", "connect", "ssl",
                     "send", "wait", "receive", "transfer_size", "content_size"})  # fmt: skip
_ROW = attrgetter(*ENTRY_FIELDS.values())  # one C call per entry fetches every field of its row
# Fields that are not one value: an initiator (an object in Chrome, a URL in chrome-har), websocket frames.
_INITIATOR = attrgetter("_initiator")
_FRAMES = attrgetter("_webSocketMessages")
# The columns `Rows` adds for the lazy reads: each entry's initiator key (`initiator_key`; UNKEYED for an entry
# that had to be repaired: its initiator is read on its own), and its body's digest (`digests`, null for none).
INITIATOR_KEY = "initiator_key"
BODY_DIGEST = "body_digest"
UNKEYED = bytes(16)
# Where each entry's body text lies in the source's data (`Rows(located=True)`): its first byte and the byte after
# its last, so that `Capture.decoded_body` reads the text alone, without finding the entry first. NO_TEXT: the entry
# has none (no body); NOT_LOCATED: read the entry instead (a body in a sidecar file or with an `encoding`, an entry
# that had to be repaired).
BODY_SPAN = ("body_start", "body_end")
NO_TEXT, NOT_LOCATED = -2, -1
_CONTENT = attrgetter("response.content")
_KEY_ENCODER = msgspec.json.Encoder()


def initiator_key(entry: schema.Entry) -> bytes:
    """A digest of every initiator field `initiators.read_initiator` reads: entries with the same key have the
    same initiator, so an analysis reads one entry per key (a console sends its thousands of polls and watches
    from a few places) instead of every entry. Chrome's request ids, which differ, are left out."""
    initiator = entry._initiator
    if isinstance(initiator, schema.Initiator):
        fields: tuple[Any, ...] = (initiator.type, initiator.url, initiator.lineNumber, initiator.stack)
    else:
        fields = (initiator, entry._initiator_detail, entry._initiator_type, entry._initiator_line,
                  entry._initiator_function_name)  # fmt: skip
    return hashlib.blake2b(_KEY_ENCODER.encode(fields), digest_size=16).digest()


class Rows:
    """The rows of consecutive entries, turned into Arrow a batch of about BATCH_ROWS rows at a time.

    Converting while the batch's Python values are fresh in the CPU's caches, and freeing them right away so
    that the next batch reuses their memory, makes decoding and converting a fifth faster than converting
    10,000 rows at once (measured on an 80,000-entry capture: from 256 to 1,024 rows a batch, the same).
    """

    def __init__(self, *, keyed: bool = True, digest: Digest | None = None, located: bool = False) -> None:
        """`keyed`: key each entry by its initiator (`initiator_key`), for the lazy reads of initiators; `digest`:
        reduce the bodies it wants (`hooks.Digest`); `located`: tell where each body's text lies (`BODY_SPAN`)."""
        self._keyed = keyed
        self._digest = digest
        self._located = located
        self._digests: list[bytes | None] = []
        self._body_starts: list[int] = []
        self._body_ends: list[int] = []
        self._values: list[tuple[Any, ...]] = []
        self._initiators: list[schema.Initiator | str | None] = []
        self._frames: list[list[schema.Frame] | None] = []
        self._keys: list[bytes] = []
        self._batches: list[tuple[pa.StructArray, pa.Array, pa.Array, pa.Array]] = []
        self._converted = 0

    def append(self, entries: list[schema.Entry], source: tuple[memoryview, int] | None = None) -> None:
        """The rows of `entries`; `source`: the view they were decoded from and where its first byte lies in the
        source's data, for `located` (None: entries repaired one by one, whose bodies are not located)."""
        self._values.extend(map(_ROW, entries))
        self._initiators.extend(map(_INITIATOR, entries))
        self._frames.extend(map(_FRAMES, entries))
        if self._keyed:
            self._keys.extend(map(initiator_key, entries))
        if self._digest is not None:
            self._digests.extend(digests(entries, self._digest))
        if self._located:
            body_spans(entries, source, self._body_starts, self._body_ends)
        if len(self._values) >= BATCH_ROWS:
            self._convert()

    def __len__(self) -> int:
        return self._converted + len(self._values)

    def to_arrays(self) -> dict[str, pa.Array]:
        """One array per column of ENTRY_FIELDS, plus `initiator_type`, `websocket_messages`, when keyed
        `initiator_key`, and with a digest `body_digest`."""
        import pyarrow as pa
        import pyarrow.compute as pc

        if self._values or not self._batches:
            self._convert()
        batches = zip(*self._batches, strict=True)
        rows, initiators, sockets, keys = (pa.concat_arrays(list(arrays)) for arrays in batches)
        arrays: dict[str, pa.Array] = dict(zip(ENTRY_FIELDS, rows.flatten(), strict=True))
        arrays["initiator_type"] = pc.coalesce(initiators, arrays.pop("initiator_declared"))
        arrays["websocket_messages"] = sockets
        if self._keyed:
            arrays[INITIATOR_KEY] = keys
        if self._digest is not None:
            arrays[BODY_DIGEST] = pa.array(self._digests, type=pa.binary())
        if self._located:
            arrays[BODY_SPAN[0]] = pa.array(self._body_starts, type=pa.int64())
            arrays[BODY_SPAN[1]] = pa.array(self._body_ends, type=pa.int64())
        return arrays

    def _convert(self) -> None:
        import pyarrow as pa

        rows = pa.array(self._values, type=_row_type())
        # The type of each initiator object; None for an initiator URL (a str) and for no initiator.
        initiators = pa.array(list(map(getattr, self._initiators, repeat("type"), repeat(None))), type=pa.string())
        frames, count = self._frames, len(self._frames)
        if frames.count(None) == count:  # no websocket, as in most batches
            sockets = pa.nulls(count, pa.int32())
        else:
            sockets = pa.array([None if f is None else len(f) for f in frames], type=pa.int32())
        keys = pa.array(self._keys, type=pa.binary(16)) if self._keyed else pa.nulls(0, pa.binary(16))
        self._batches.append((rows, initiators, sockets, keys))
        self._converted += len(self._values)
        self._values, self._initiators, self._frames, self._keys = [], [], [], []


BATCH_ROWS = 512


def digests(entries: list[schema.Entry], digest: Digest) -> list[bytes | None]:
    """Each entry's body digest, where `digest` wants it and the body is in the capture's text (not a sidecar)."""
    wants, reduce = digest.wants, digest.reduce
    found: list[bytes | None] = []
    for entry in entries:
        url, content = entry.request.url, entry.response.content
        found.append(reduce(body_of(content)) if url and wants(url) and not content._file else None)
    return found


def body_spans(
    entries: list[schema.Entry], source: tuple[memoryview, int] | None, starts: list[int], ends: list[int]
) -> None:
    """Append where each entry's body text lies (`BODY_SPAN`) to `starts` and `ends`: a Raw decoded from a buffer
    is a view into it, so its address tells its place in `source`'s view (as `spans.locate` finds entries)."""
    import pyarrow as pa  # its buffers tell the address of any buffer's memory, without a copy

    if source is None:
        starts.extend(repeat(NOT_LOCATED, len(entries)))
        ends.extend(repeat(NOT_LOCATED, len(entries)))
        return
    view, offset = source
    low = pa.py_buffer(view).address
    high = low + len(view)
    for content in map(_CONTENT, entries):
        text = content.text
        if content._file is not None or content.encoding is not None:
            start = end = NOT_LOCATED  # read as the entry says: from the sidecar file, or decoded
        elif text is schema.NULL:
            start = end = NO_TEXT
        else:
            address = pa.py_buffer(text).address
            if low <= address and address + len(text) <= high:
                start = address - low + offset
                end = start + len(text)
            else:  # not a view into the chunk (never seen): read the entry
                start = end = NOT_LOCATED
        starts.append(start)
        ends.append(end)


@cache
def _row_type() -> pa.StructType:
    import pyarrow as pa

    return pa.struct([(name, pa.float64() if name in NUMBERS else pa.string()) for name in ENTRY_FIELDS])
