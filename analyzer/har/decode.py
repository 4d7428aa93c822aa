"""Decode the JSON of a capture into the typed structs of `schema`, surviving what real writers produce.

The fast path is one msgspec pass over the whole document (entries kept as raw spans) and one typed decode per
entry. An entry whose fields have unexpected types is decoded again leniently: the offending field is dropped
with a warning and the rest of the entry is kept. A document cut off before its end (a big export that was
interrupted) is streamed with ijson instead, keeping every entry that was complete before the cut.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import msgspec

from analyzer.errors import InputError
from analyzer.har import schema
from analyzer.har.repair import Problem, decode_leniently, split_error
from analyzer.har.source import Source

_GOT = re.compile(r"got `(?P<got>[^`]+)`")
_BYTE = re.compile(r"\(byte (?P<byte>\d+)\)")


@dataclass
class Document:
    """The decoded top of a HAR: raw entries plus the log's metadata, and what had to be repaired."""

    entries: list[msgspec.Raw]
    log: schema.Log
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)


def decode_document(source: Source) -> Document:
    """Decode the HAR envelope, or raise InputError saying in one line why this is not a HAR."""
    try:
        har = msgspec.json.decode(source.data, type=schema.Har)
    except msgspec.ValidationError as exc:
        _check_syntax(source)  # a document both malformed and misshapen is first of all not JSON
        raise InputError(f"{source.name}: not a HAR file: {_shape_problem(exc)}") from None
    except msgspec.DecodeError as exc:
        if "truncated" not in str(exc):
            raise InputError(f"{source.name}: not valid JSON: {_where(source, exc)}") from None
        return _salvage(source)
    if har.log is None or har.log.entries is None:
        raise InputError(f"{source.name}: not a HAR file: no log.entries ({_keys_hint(source, har)})")
    return Document(entries=har.log.entries, log=har.log)


def _check_syntax(source: Source) -> None:
    try:
        msgspec.json.decode(source.data, type=msgspec.Raw)
    except msgspec.DecodeError as exc:
        raise InputError(f"{source.name}: not valid JSON: {_where(source, exc)}") from None


def decode_entries(raws: list[msgspec.Raw], first: int) -> tuple[list[schema.Entry], list[Problem]]:
    """Typed entries for `raws` (positions `first`...), repairing the ones real writers got wrong (`repair`)."""
    decoder = _DECODER
    try:
        return [decoder.decode(raw) for raw in raws], []
    except (msgspec.DecodeError, RecursionError):  # ValidationError too: some entry needs repairs
        return decode_leniently(raws, first)


_DECODER = msgspec.json.Decoder(schema.Entry, strict=False)


def _shape_problem(error: msgspec.ValidationError) -> str:
    what, path = split_error(error)
    got = _GOT.search(what)
    kind = got.group("got") if got else "something else"
    if path in ("", "$"):
        return f"the document is {_article(kind)}, not an object"
    if path == "$.log":
        return f"log is {_article(kind)}, not an object"
    if path == "$.log.entries":
        return f"log.entries is {_article(kind)}, not a list"
    return f"{path.removeprefix('$.')}: {what}"


def _article(kind: str) -> str:
    return f"an {kind}" if kind[:1] in "aeiou" else f"a {kind}"


def _keys_hint(source: Source, har: schema.Har) -> str:
    if har.log is not None:
        keys = _object_keys(source.data, ("log",))
        return f"log keys: {', '.join(sorted(keys)) or 'none'}"
    keys = _object_keys(source.data, ())
    return f"top-level keys: {', '.join(sorted(keys)) or 'none'}"


def _object_keys(data: bytes | memoryview, path: tuple[str, ...]) -> list[str]:
    try:
        return _keys_at(data, path)
    except msgspec.DecodeError:  # a key that is not UTF-8 (the typed decode skipped it unread): shown with U+FFFD
        return _keys_at(bytes(data).decode("utf-8", "replace").encode(), path)


def _keys_at(data: bytes | memoryview, path: tuple[str, ...]) -> list[str]:
    node: Any = msgspec.json.decode(data, type=dict[str, msgspec.Raw])
    for key in path:
        node = msgspec.json.decode(node[key], type=dict[str, msgspec.Raw])
    return list(node)


def _where(source: Source, error: msgspec.DecodeError) -> str:
    message = str(error).removeprefix("JSON is malformed: ")
    found = _BYTE.search(message)
    if not found:
        return message
    offset = int(found.group("byte"))
    head = bytes(source.data[:offset])
    line = head.count(b"\n") + 1
    column = offset - (head.rfind(b"\n") + 1) + 1
    return f"{_BYTE.sub('', message).strip()} at line {line}, column {column}"


def _salvage(source: Source) -> Document:
    """Stream a cut-off document: keep the log metadata and every entry completed before the cut."""
    import ijson

    log = schema.Log()
    entries: list[msgspec.Raw] = []
    for kind, value in _stream_log(ijson, source.data):
        if kind == "entry":
            entries.append(msgspec.Raw(msgspec.json.encode(value)))
        else:
            setattr(log, kind, msgspec.Raw(msgspec.json.encode(value)))
    if not entries and log.creator == schema.NULL:
        raise InputError(f"{source.name}: not valid JSON: the file ends before any HAR entry")
    document = Document(entries=entries, log=log, truncated=True)
    document.warnings.append(
        f"{source.name}: the file is cut off; read the {len(entries)} entries complete before the cut"
    )
    return document


def _stream_log(ijson: Any, data: bytes | memoryview) -> Iterator[tuple[str, Any]]:
    prefixes = {"log.entries.item": "entry", "log.pages": "pages", "log.creator": "creator",
                "log.browser": "browser", "log.version": "version"}  # fmt: skip
    builders: dict[str, Any] = {}
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(bytes(data)), use_float=True):
            kind = prefixes.get(prefix)
            if kind is not None and prefix not in builders and event in ("start_map", "start_array"):
                builders[prefix] = ijson.ObjectBuilder()
            builder = builders.get(prefix) if kind is not None else _innermost(builders, prefix)
            if builder is None:
                if kind is not None and event in ("string", "number"):
                    yield kind, value
                continue
            builder.event(event, value)
            if kind is not None and event in ("end_map", "end_array"):
                del builders[prefix]
                yield kind, builder.value
    except ijson.common.IncompleteJSONError:
        return
    except ijson.common.JSONError:
        return


def _innermost(builders: dict[str, Any], prefix: str) -> Any:
    for owner, builder in builders.items():
        if prefix.startswith(owner + "."):
            return builder
    return None
