"""The one place that reads captures: `load_capture(path) -> Capture`.

A Capture holds the log's metadata, its pages, and one Arrow table of entries sorted by start time (the
`index` column keeps each entry's position in `log.entries` as written). Bodies, headers and websocket
frames are not copied into Python objects: `Capture.body(index)` and friends decode them on demand from the
raw spans of the capture.

Two paths read the entries. The fast one (`chunks`) decodes well-formed captures chunk by chunk, in worker
processes when asked to; its workers tell how many entries each chunk held, so that a later read finds its
entry by scanning that chunk alone (`spans`, once per chunk), key each entry by its initiator (`lazy`), so that
one entry is read per distinct initiator, and reduce the bodies a caller's `hooks.Digest` wants (the CLI's: the
watches' events) while they hold them; the careful one (`decode`) scans the whole document for each entry's span
first, repairs entries field by field and salvages cut-off files. The careful one runs whenever the fast one
declines, and its spans are its scan's.

How the file is read depends on the platform (`platform.choose_path`): on Linux it is mapped and read in place,
and big captures are decoded in forked workers; elsewhere (or with `portable=True`) it is read with read() and
decoded chunk by chunk in this process, the careful path still taking over what the chunks decline.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

import msgspec

from analyzer.errors import InputError
from analyzer.har import columns as cols
from analyzer.har import schema
from analyzer.har.columns import NO_TEXT, UNKEYED
from analyzer.har.fields import body_of, decode_headers, raw_text
from analyzer.har.hooks import Digest, Progress, Refine
from analyzer.har.initiators import InitiatorFields, read_initiator
from analyzer.har.limits import Limits
from analyzer.har.platform import can_decode_in_workers, loader_platform
from analyzer.har.repair import Problem
from analyzer.har.source import Buffer, Source, open_source
from analyzer.model import Body, Page, WebSocketFrame
from analyzer.summary import Initiator

if TYPE_CHECKING:
    from analyzer.har.decode import Document
    from analyzer.har.spans import EntrySpans
    from analyzer.har.table import Part

CHUNK = 4096
RELEASE_BYTES = 16 << 20  # how much of a mapped file many lazy reads touch before its pages are handed back
MAX_PROBLEMS_SHOWN = 10  # warnings about damaged values, one each; the rest are counted in one more


class _Lazy(InitiatorFields, gc=False):
    """What an entry holds that is decoded only on demand (its initiator fields too)."""

    request: _LazyMessage = msgspec.field(default_factory=lambda: _LazyMessage())
    response: _LazyMessage = msgspec.field(default_factory=lambda: _LazyMessage())
    _webSocketMessages: list[schema.Frame] | None = None


class _LazyMessage(msgspec.Struct, gc=False):
    headers: msgspec.Raw = schema.NULL
    content: schema.Content = msgspec.field(default_factory=schema.Content)


@dataclass
class Capture:
    """A loaded capture. `entries` is an Arrow table; `analyzer.k8s.request_table` turns it into the request table."""

    name: str
    creator: str | None
    creator_version: str | None
    browser: str | None
    har_version: str | None
    pages: tuple[Page, ...]
    entries: object  # pyarrow.Table (kept untyped so that importing this module stays cheap)
    warnings: list[str] = field(default_factory=list)
    truncated: bool = False
    # The warnings about damage (values kept as unknown, entries lost to a cut): what `strict=True` refuses.
    damage: list[str] = field(default_factory=list)
    _raws: list[msgspec.Raw] | None = field(default=None, repr=False)  # each entry's span, found on demand
    # Where each entry lies in the source's data, found from the chunks the fast path decoded (None elsewhere).
    _spans: EntrySpans | None = field(default=None, repr=False)
    # Each entry's initiator key (`columns.initiator_key`, a pyarrow array by position as written); None for a
    # Capture made elsewhere (`analyzer.interop`).
    _initiator_keys: Any = field(default=None, repr=False)
    # The name of the `hooks.Digest` the fast path ran, and each entry's digest (a pyarrow array by position as
    # written; null where it made none).
    _digests: tuple[str, Any] | None = field(default=None, repr=False)
    # Where each entry's body text lies in the source's data (`columns.BODY_SPAN`: two pyarrow arrays by position as
    # written), where the fast path found them.
    _bodies: tuple[Any, Any] | None = field(default=None, repr=False)
    _source: Source | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return int(self.entries.num_rows)  # type: ignore[attr-defined]

    def body(self, index: int) -> Body | None:
        """The response body of entry `index` (position as written), or None when the writer kept none."""
        return self._body_of(_decode_entry(self._span(index), _LazyResponse).response.content)

    def decoded_body(self, index: int) -> bytes | None:
        """`body(index).decoded()`: the bytes of entry `index`'s response body, base64 undone; None when the writer
        kept none. Where the fast path found the body's text (`columns.BODY_SPAN`), only the text is read."""
        if self._bodies is not None and self._source is not None:
            start, end = self._bodies[0][index].as_py(), self._bodies[1][index].as_py()
            if start == NO_TEXT:
                return None
            if start >= 0:
                text = raw_text(self._source.read(start, end - start))
                return Body(text=text, encoding=None, mime_type=None, size=None).decoded()
        body = self.body(index)
        return body.decoded() if body else None

    def _body_of(self, content: schema.Content) -> Body | None:
        return body_of(content, self._source.read_member if self._source else None)

    def request_headers(self, index: int) -> list[tuple[str, str]]:
        return decode_headers(self._lazy(index).request.headers)

    def response_headers(self, index: int) -> list[tuple[str, str]]:
        return decode_headers(self._lazy(index).response.headers)

    def initiator(self, index: int) -> Initiator | None:
        """Who sent entry `index`, where its writer recorded it (see `analyzer.har.initiators`)."""
        return read_initiator(self._lazy(index))

    def initiators(self, indices: Sequence[int]) -> dict[int, Initiator]:
        """`initiator` of many entries, by index (those whose writer recorded one): one entry read for each
        distinct initiator (a console sends its polls and watches from a few places; the loader keyed each
        entry by its initiator fields, `columns.initiator_key`), and the entries that share one share its
        `Initiator`."""
        if self._initiator_keys is None:
            return self._read_initiators(indices)
        import numpy as np
        import pyarrow as pa

        wanted = np.asarray(indices, dtype=np.int64)
        keys = self._initiator_keys.take(pa.array(wanted))
        keys = (keys.combine_chunks() if isinstance(keys, pa.ChunkedArray) else keys).fill_null(UNKEYED)
        encoded = keys.dictionary_encode()
        codes = encoded.indices.to_numpy(zero_copy_only=False)  # per entry, its key's number (by first use)
        distinct = encoded.dictionary.to_pylist()
        firsts = np.unique(codes, return_index=True)[1].tolist()  # each key's first entry, read for all of them
        unkeyed = distinct.index(UNKEYED) if UNKEYED in distinct else -1
        alone = np.flatnonzero(codes == unkeyed)  # repaired entries: read each
        shared = [int(wanted[first]) for code, first in enumerate(firsts) if code != unkeyed]
        read = self._read_initiators([*shared, *wanted[alone].tolist()])
        by_key = np.empty(len(distinct), dtype=object)  # a key's initiator, None for none (and for UNKEYED)
        for code, first in enumerate(firsts):
            by_key[code] = None if code == unkeyed else read.get(int(wanted[first]))
        found = by_key[codes]  # every entry's initiator from its key's, with no Python step per entry
        for position, index in zip(alone.tolist(), wanted[alone].tolist(), strict=True):
            found[position] = read.get(index)
        present = np.fromiter((initiator is not None for initiator in by_key), dtype=bool, count=len(by_key))[codes]
        present[alone] = [found[position] is not None for position in alone.tolist()]
        return dict(zip(wanted[present].tolist(), found[present].tolist(), strict=True))

    def _read_initiators(self, indices: Sequence[int]) -> dict[int, Initiator]:
        """`initiators` read entry by entry, each distinct set of initiator fields decoded once."""
        found: dict[int, Initiator] = {}
        seen: dict[tuple[object, ...], Initiator | None] = {}
        for index, fields in zip(indices, self._decode_many(indices, InitiatorFields), strict=True):
            key = (bytes(fields._initiator), fields._initiator_detail, fields._initiator_type,
                   fields._initiator_line, fields._initiator_function_name)  # fmt: skip
            if key not in seen:
                seen[key] = read_initiator(fields)
            if (initiator := seen[key]) is not None:
                found[index] = initiator
        return found

    def digests(self, indices: Sequence[int], name: str) -> dict[int, bytes]:
        """The digests of these entries' bodies that the loader made with the `hooks.Digest` named `name`
        (`load_capture(digest=...)`), by index, where it made one; the caller reads the other bodies."""
        if self._digests is None or self._digests[0] != name or not indices:
            return {}
        import pyarrow as pa

        found = self._digests[1].take(pa.array(indices, type=pa.int64())).to_pylist()
        return {index: value for index, value in zip(indices, found, strict=True) if value is not None}

    def bodies(self, indices: Sequence[int]) -> dict[int, Body]:
        """`body` of many entries, by index (those whose writer kept one): only their response content decoded."""
        return dict(self.each_body(indices))

    def each_body(self, indices: Sequence[int]) -> Iterator[tuple[int, Body]]:
        """`bodies`, one at a time (index, body): a caller that reduces each body to a few facts holds one."""
        for index, entry in zip(indices, self._decode_many(indices, _LazyResponse), strict=True):
            if (body := self._body_of(entry.response.content)) is not None:
                yield index, body

    def _decode_many(self, indices: Sequence[int], kind: type[_T]) -> Iterator[_T]:
        """The entries `indices` decoded as `kind`, one at a time, which holds only what is asked for (the rest
        of each span is skipped, not built)."""
        if self._spans is None or self._source is None:
            span = self._span
            return (_decode_entry(span(i), kind) for i in indices)
        return self._decode_in_place(indices, kind)

    def _decode_in_place(self, indices: Sequence[int], kind: type[_T]) -> Iterator[_T]:
        """`_decode_many` where the fast path decoded the entries: each decoded where it lies in the source's data
        (a view: neither a copy nor a system call per entry). A mapped file's pages are handed back after every
        RELEASE_BYTES of spans, so that no more than about that much of it stays in our memory."""
        assert self._spans is not None and self._source is not None
        source, data, where = self._source, self._source.data, self._spans.span
        low = high = -1
        for index in indices:
            found = where(index)
            if found is None:
                yield _decode_entry(self._span(index), kind)
                continue
            start, end = found
            yield _decode_entry(data[start:end], kind)
            low, high = (start, end) if low < 0 else (min(low, start), max(high, end))
            if high - low >= RELEASE_BYTES:
                source.release(low, high)
                low = high = -1
        if low >= 0:
            source.release(low, high)

    def websocket_frames(self, index: int) -> list[WebSocketFrame]:
        from analyzer.har.frames import to_frames

        return to_frames(self._lazy(index)._webSocketMessages or [])

    def _lazy(self, index: int) -> _Lazy:
        return _decode_entry(self._span(index), _Lazy)

    def _span(self, index: int) -> msgspec.Raw | Buffer:
        """Entry `index`'s span in the capture: where it lies in the chunk the fast path decoded it from (read,
        not viewed: a page fault in a mapped file maps its neighbours too, and a few thousand reads of entries
        spread over the file would keep hundreds of MB of it in our memory), or after the careful path its
        scan's. Failing both (a Capture made by hand), the document is scanned once."""
        found = self._spans.span(index) if self._spans is not None and self._source is not None else None
        if found is not None and self._source is not None:
            start, end = found
            return self._source.read(start, end - start)
        if self._raws is None:
            from analyzer.har.decode import decode_document  # the careful path's scan: not needed before

            self._raws = decode_document(self._source).entries if self._source is not None else []
            if self._raws and self._source is not None:
                self._source.release_span(self._raws[0], self._raws[-1])
        return self._raws[index]


class _LazyContent(msgspec.Struct, gc=False):
    content: schema.Content = msgspec.field(default_factory=schema.Content)


class _LazyResponse(msgspec.Struct, gc=False):
    """An entry's response content alone (`Capture.bodies`)."""

    response: _LazyContent = msgspec.field(default_factory=_LazyContent)


_T = TypeVar("_T", _Lazy, InitiatorFields, _LazyResponse)
_KINDS = (_Lazy, InitiatorFields, _LazyResponse)
_ONE: dict[type[Any], msgspec.json.Decoder[Any]] = {kind: msgspec.json.Decoder(kind, strict=False) for kind in _KINDS}


def _decode_entry(raw: msgspec.Raw | Buffer, kind: type[_T]) -> _T:
    """One entry's span as `kind`: `kind()` (nothing known) where it cannot be read."""
    try:
        decoded: _T = _ONE[kind].decode(raw)
        return decoded
    except (msgspec.ValidationError, RecursionError):  # nested past msgspec's depth: as good as unreadable
        return kind()
    except msgspec.DecodeError:  # bytes that are not UTF-8 (the loader warned): read with U+FFFD
        try:
            decoded = _ONE[kind].decode(bytes(raw).decode("utf-8", "replace").encode())
            return decoded
        except (msgspec.DecodeError, msgspec.ValidationError, RecursionError):
            return kind()


def load_capture(
    path: str | Path,
    *,
    stdin: BinaryIO | None = None,
    progress: Progress | None = None,
    workers: int = 1,
    refine: Refine | None = None,
    portable: bool | None = None,
    limits: Limits | None = None,
    strict: bool = False,
    lazy: bool = True,
    digest: Digest | None = None,
    spans: bool = False,
) -> Capture:
    """Read a HAR (path, or `-` for stdin) into a Capture.

    A value that cannot be kept (a field of the wrong type, a number out of range, bytes that are not UTF-8, a
    file cut off) makes that field or entry unknown, with a warning naming the entry (`Capture.warnings`, and
    `Capture.damage` for these alone), unless `strict`.

    Args:
        workers: how many processes may decode a big capture (forked, Linux only; the CLI uses every CPU).
            A library caller with threads of its own should keep the default: only a single-threaded
            process forks anyway.
        refine: adds columns, computed row by row, to a table of entries; run where the entries are decoded
            (in each worker process, on its share), so that `Capture.entries` has those columns too.
        portable: True reads the way macOS and Windows do (read() and decode in this process) on any platform;
            False the way this platform can; None (the default) follows `analyzer.har.platform.forced` when it
            is set (the test suite's `--portable-loader`), else this platform.
        limits: how far a compressed capture may expand (default: `Limits()`, see docs/security.md).
        strict: refuse a damaged capture (InputError, naming the first damage) instead of keeping what can be read.
        lazy: have the fast path's workers key each entry by its initiator (`columns.initiator_key`), so that
            one entry is read per distinct initiator. False for a caller that reads no initiators (`requests`):
            they are then read entry by entry. Either way bodies, headers and initiators are read straight from
            where the entry lies, found in the chunk the fast path decoded it from (`spans`).
        digest: reduce the response bodies it wants where the fast path decodes the entries (in the worker
            processes), for `Capture.digests`.
        spans: have the fast path's workers find where every entry lies (one more scan of each chunk, where it
            is decoded), for a caller that reads entries spread over the whole capture (the report's page); by
            default a chunk is scanned when one of its entries is first read (`spans.EntrySpans`).

    Raises:
        InputError: the file cannot be read or is not a HAR, or is damaged and `strict`; the message is one line
            naming the file (and the entry and field where the damage is).
        DecompressionBombError: a compressed capture expands past `limits`.
    """
    platform = loader_platform(portable)
    workers = workers if can_decode_in_workers(platform) else 1
    source = open_source(path, stdin, platform, limits)
    return _load(source, progress, workers, refine, strict, lazy, digest, spans)


def load_bytes(data: bytes, name: str = "<memory>", limits: Limits | None = None, strict: bool = False) -> Capture:
    """A capture from HAR bytes already in memory (compressed, zipped or plain, like a file)."""
    from analyzer.har.source import decode_container

    return _load(decode_container(name, data, None, limits), None, 1, None, strict, True)


@dataclass(frozen=True)
class OpenedCapture:
    """A capture opened (decompressed, unzipped, its JSON text found) and not decoded yet: its `digest` is known
    before its entries are decoded, so that a batch skips a capture it has already analysed at little cost."""

    source: Source
    workers: int  # as `load_capture` takes them, already limited to what the platform can do

    def digest(self) -> str:
        """sha256 (hex) of the capture's JSON text as the loader reads it: decompressed and unzipped, with no BOM
        or JSONP wrapper, UTF-16 as UTF-8, and no white space around it. The same HAR has the same digest in any
        container. A mapped file is read in blocks with pread, so that hashing it does not map its pages into
        this process."""
        read, size = self.source.read, len(self.source.data)
        head, tail = read(0, 4096), read(max(0, size - 4096), 4096)
        start, end = len(head) - len(head.lstrip()), size - (len(tail) - len(tail.rstrip()))
        hasher = hashlib.sha256()
        for offset in range(start, end, DIGEST_BLOCK):
            hasher.update(read(offset, min(DIGEST_BLOCK, end - offset)))
        return hasher.hexdigest()

    def load(self, *, strict: bool = False, digest: Digest | None = None) -> Capture:
        """The Capture, as `load_capture` reads it (see there for `strict`, `digest` and what it raises)."""
        return _load(self.source, None, self.workers, None, strict, True, digest=digest)


DIGEST_BLOCK = 8 << 20


def open_capture(
    path: str | Path,
    *,
    data: bytes | None = None,
    workers: int = 1,
    portable: bool | None = None,
    limits: Limits | None = None,
) -> OpenedCapture:
    """A capture file opened for its digest, then `load`; `data`, when given, is the file's bytes read elsewhere
    (an fsspec URL), and `path` only names it. The arguments are `load_capture`'s.

    Raises:
        InputError: the file is missing or unreadable, or a container that cannot be opened (one line).
        DecompressionBombError: a compressed capture expands past `limits`.
    """
    if data is not None:
        from analyzer.har.source import decode_container

        return OpenedCapture(decode_container(str(path), data, None, limits), 1)
    platform = loader_platform(portable)
    workers = workers if can_decode_in_workers(platform) else 1
    return OpenedCapture(open_source(path, None, platform, limits), workers)


def _load(
    source: Source,
    progress: Progress | None,
    workers: int,
    refine: Refine | None,
    strict: bool,
    lazy: bool,
    digest: Digest | None = None,
    spans: bool = False,
) -> Capture:
    try:
        capture = _decode(source, progress, workers, refine, lazy, digest, spans)
    except RecursionError:  # msgspec counts its depth against Python's recursion limit
        raise InputError(f"{source.name}: not a HAR file: JSON nested too deeply to decode") from None
    if strict and capture.damage:
        raise InputError(f"{_KEPT.sub('', capture.damage[0])} (--strict)")
    return capture


# What a damage warning says was kept instead, which --strict does not keep.
_KEPT = re.compile(r"; (?:kept as .*|replaced by U\+FFFD|left out|read the \d+ entries complete before the cut)$")


def _decode(
    source: Source,
    progress: Progress | None,
    workers: int,
    refine: Refine | None,
    lazy: bool,
    digest: Digest | None,
    spans: bool,
) -> Capture:
    from analyzer.har.chunks import read_chunked
    from analyzer.har.table import Part, assemble

    fast = read_chunked(
        source, workers=workers, progress=progress, refine=refine, lazy=lazy, digest=digest, spans=spans
    )
    damage = list(source.damage)
    if fast is not None:
        log, parts, raws, truncated = fast.log, fast.parts, None, False
    else:
        from analyzer.har.decode import decode_document

        document = decode_document(source)
        log, raws, truncated = document.log, document.entries, document.truncated
        damage += document.warnings
        part = _careful_part(document, source, progress)
        parts = [Part(refine(part.table), part.naive, part.problems) if refine else part]
    creator = _decode_meta(log.creator, schema.Creator)
    assembled = assemble(parts, creator=creator.name if creator else None, name=source.name)
    entries, time_warnings, problems = assembled.table, assembled.time_warnings, assembled.problems
    where = None
    if assembled.chunks is not None and raws is None:
        from analyzer.har.spans import EntrySpans

        known = assembled.spans
        where = EntrySpans(
            source, assembled.chunks, None if known is None else (known[0].to_numpy(), known[1].to_numpy())
        )
    pages, page_problems = _pages(log, source.name)
    damage += entry_problems(source.name, problems) + page_problems
    browser = _decode_meta(log.browser, schema.Creator)
    return Capture(
        name=source.name,
        creator=creator.name if creator else None,
        creator_version=creator.version if creator else None,
        browser=_join(browser.name, browser.version) if browser else None,
        har_version=_decode_meta(log.version, str),
        pages=pages,
        entries=entries,
        warnings=damage + time_warnings,
        truncated=truncated,
        damage=damage,
        _raws=raws,
        _spans=where,
        _initiator_keys=assembled.initiator_keys,
        _digests=(digest.name, assembled.digests) if digest is not None and assembled.digests is not None else None,
        _bodies=assembled.bodies,
        _source=source,
    )


def entry_problems(name: str, problems: list[Problem], shown: int = MAX_PROBLEMS_SHOWN) -> list[str]:
    """One warning per problem of the first `shown`, then one for the rest: a capture broken everywhere must not
    bury its output under warnings."""
    lines = [f"{name}: entry {position}: {text}" for position, text in problems[:shown]]
    if len(problems) > shown:
        rest = problems[shown:]
        entries = len({position for position, _ in rest})
        lines.append(f"{name}: {len(rest)} more values kept as unknown, in {entries} more entries")
    return lines


def _careful_part(document: Document, source: Source, progress: Progress | None) -> Part:
    from analyzer.har.decode import decode_entries
    from analyzer.har.table import build_part

    rows = cols.Rows()
    problems: list[Problem] = []
    total = len(document.entries)
    for first in range(0, total, CHUNK):
        raws = document.entries[first : first + CHUNK]
        entries, found = decode_entries(raws, first)
        rows.append(entries)
        problems += found
        source.release_span(raws[0], raws[-1])  # the columns hold what we need; drop these pages from RSS
        if progress is not None:
            progress(min(first + CHUNK, total), total)
    return build_part(rows.to_arrays(), problems)


def _decode_meta(raw: msgspec.Raw, kind: Any) -> Any:
    try:
        return msgspec.json.decode(raw, type=kind | None, strict=False)
    except msgspec.MsgspecError:
        return None


def _pages(log: schema.Log, name: str) -> tuple[tuple[Page, ...], list[str]]:
    """The log's pages, and a warning for each that could not be read (left out) or whose start is unknown."""
    from analyzer.har.bounds import quoted
    from analyzer.har.times import parse_time

    raws = _decode_meta(log.pages, list[msgspec.Raw]) or []
    pages, problems = [], []
    for number, raw in enumerate(raws):
        try:
            page = _PAGE.decode(raw)
        except (msgspec.MsgspecError, RecursionError) as exc:
            problems.append(f"{name}: page {number}: unreadable ({exc}); left out")
            continue
        if page is None:
            continue
        started = _bounded(parse_time(page.startedDateTime))
        if started is None and page.startedDateTime:
            problems.append(f"{name}: page {number}: startedDateTime {quoted(page.startedDateTime)} is no date "
                            "in range; kept as unknown")  # fmt: skip
        pages.append(Page(id=page.id, title=page.title, started=started, run=_whole(page._run),
                          repeat_view=bool(page._cached)))  # fmt: skip
    return tuple(pages), problems


_PAGE = msgspec.json.Decoder(schema.Page | None, strict=False)


def _bounded(moment: datetime | None) -> datetime | None:
    from analyzer.har.bounds import EARLIEST, LATEST

    return moment if moment is not None and EARLIEST <= moment < LATEST else None


def _whole(value: float | None) -> int | None:
    """A run number: a whole number of a sensible size, else unknown."""
    is_whole = value is not None and math.isfinite(value) and float(value).is_integer() and 0 <= value < 2**31
    return int(value) if is_whole and value is not None else None


def _join(*parts: str | None) -> str | None:
    text = " ".join(p for p in parts if p)
    return text or None
