"""The one place that reads captures: `load_capture(path) -> Capture`.

A Capture holds the log's metadata, its pages, and one Arrow table of entries sorted by start time (the
`index` column keeps each entry's position in `log.entries` as written). Bodies, headers and websocket
frames are not copied into Python objects: `Capture.body(index)` and friends decode them on demand from the
raw spans of the capture.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import msgspec

from analyzer.har import columns as cols
from analyzer.har import schema
from analyzer.har.decode import Document, decode_document, decode_entries
from analyzer.har.fields import decode_headers, raw_text
from analyzer.har.source import Source, open_source
from analyzer.model import Body, Page, WebSocketFrame

CHUNK = 4096
Progress = Callable[[int, int], None]  # (entries done, entries in all)


class _Lazy(msgspec.Struct, gc=False):
    """What an entry holds that is decoded only on demand."""

    request: _LazyMessage = msgspec.field(default_factory=lambda: _LazyMessage())
    response: _LazyMessage = msgspec.field(default_factory=lambda: _LazyMessage())
    _webSocketMessages: list[schema.Frame] | None = None


class _LazyMessage(msgspec.Struct, gc=False):
    headers: msgspec.Raw = schema.NULL
    content: schema.Content = msgspec.field(default_factory=schema.Content)


@dataclass
class Capture:
    """A loaded capture. `entries` is an Arrow table; `analyzer.table` turns it into the request table."""

    name: str
    creator: str | None
    creator_version: str | None
    browser: str | None
    har_version: str | None
    pages: tuple[Page, ...]
    entries: object  # pyarrow.Table (kept untyped so that importing this module stays cheap)
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False
    _raws: list[msgspec.Raw] = field(default_factory=list, repr=False)
    _source: Source | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self._raws)

    def body(self, index: int) -> Body | None:
        """The response body of entry `index` (position as written), or None when the writer kept none."""
        content = self._lazy(index).response.content
        text = raw_text(content.text)
        if text is None and content._file and self._source and self._source.read_member:
            try:
                text = self._source.read_member(content._file).decode("utf-8", "replace")
            except KeyError:
                text = None
        if text is None:
            return None
        size = None if content.size is None or content.size < 0 else int(content.size)
        return Body(text=text, encoding=content.encoding, mime_type=content.mimeType, size=size)

    def request_headers(self, index: int) -> list[tuple[str, str]]:
        return decode_headers(self._lazy(index).request.headers)

    def response_headers(self, index: int) -> list[tuple[str, str]]:
        return decode_headers(self._lazy(index).response.headers)

    def websocket_frames(self, index: int) -> list[WebSocketFrame]:
        from analyzer.har.frames import to_frames

        return to_frames(self._lazy(index)._webSocketMessages or [])

    def _lazy(self, index: int) -> _Lazy:
        try:
            return _LAZY.decode(self._raws[index])
        except msgspec.ValidationError:
            return _Lazy()


_LAZY = msgspec.json.Decoder(_Lazy, strict=False)


def load_capture(path: str | Path, *, stdin: BinaryIO | None = None, progress: Progress | None = None) -> Capture:
    """Read a HAR (path, or `-` for stdin) into a Capture.

    Raises:
        InputError: the file cannot be read or is not a HAR; the message is one line naming the file.
    """
    return _load(open_source(path, stdin), progress)


def load_bytes(data: bytes, name: str = "<memory>") -> Capture:
    """A capture from HAR bytes already in memory (compressed, zipped or plain, like a file)."""
    from analyzer.har.source import decode_container

    return _load(decode_container(name, data), None)


def _load(source: Source, progress: Progress | None) -> Capture:
    document = decode_document(source)
    columns = cols.empty_columns()
    total = len(document.entries)
    for first in range(0, total, CHUNK):
        raws = document.entries[first : first + CHUNK]
        cols.append_entries(columns, decode_entries(document, raws, first))
        source.release_span(raws[0], raws[-1])  # the columns hold what we need; drop these pages from RSS
        if progress is not None:
            progress(min(first + CHUNK, total), total)
    creator = _decode_meta(document.log.creator, schema.Creator)
    columns = cols.finish_columns(columns, creator.name if creator else None)

    from analyzer.har.table import build_entries_table

    entries, time_warnings = build_entries_table(columns, source.name)
    browser = _decode_meta(document.log.browser, schema.Creator)
    return Capture(
        name=source.name,
        creator=creator.name if creator else None,
        creator_version=creator.version if creator else None,
        browser=_join(browser.name, browser.version) if browser else None,
        har_version=_decode_meta(document.log.version, str),
        pages=_pages(document),
        entries=entries,
        warnings=document.warnings + time_warnings,
        truncated=document.truncated,
        _raws=document.entries,
        _source=source,
    )


def _decode_meta(raw: msgspec.Raw, kind: Any) -> Any:
    try:
        return msgspec.json.decode(raw, type=kind | None, strict=False)
    except msgspec.MsgspecError:
        return None


def _pages(document: Document) -> tuple[Page, ...]:
    from analyzer.har.times import parse_time

    pages = _decode_meta(document.log.pages, list[schema.Page | None]) or []
    return tuple(Page(id=p.id, title=p.title, started=parse_time(p.startedDateTime)) for p in pages if p is not None)


def _join(*parts: str | None) -> str | None:
    text = " ".join(p for p in parts if p)
    return text or None
