"""Decode `log.entries` chunk by chunk into parts of the entries table, in worker processes for big captures.

This is the loader's fast path. Each chunk (see `layout`) is framed by `[ ]` (`source.Frames`: in place in a
mapped file, else in a copy) and decoded in one msgspec call, so every byte of the capture is parsed once. A chunk
with an entry of the wrong types is decoded again entry by entry, each repaired as the careful path would
(`repair`), in the process that decodes it. A chunk that is no JSON list (a wrong guess of `layout`) rejects the
fast path as a whole, and `read_chunked` returns None.
"""

from __future__ import annotations

import gc
import struct
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from typing import BinaryIO

import msgspec

from analyzer.har import columns as cols
from analyzer.har import schema
from analyzer.har.hooks import Digest, Progress, Refine
from analyzer.har.layout import Layout, find_layouts
from analyzer.har.repair import Problem, decode_leniently
from analyzer.har.source import Frames, Source
from analyzer.har.spans import Chunk as SpanChunk
from analyzer.har.spans import locate
from analyzer.har.table import SPAN_COLUMNS, Part, build_part
from analyzer.har.workers import MAX_JOBS, WorkerError, available_workers, can_fork, map_forked

CHUNK_BYTES = 2 << 20
UNIT_BYTES = 32 << 20
PARALLEL_BYTES = 32 << 20  # below this a worker process costs more than it saves
Chunk = tuple[int, int]

_ENTRIES = msgspec.json.Decoder(list[schema.Entry], strict=False)
_RAWS = msgspec.json.Decoder(list[msgspec.Raw])


class ChunkRejected(Exception):
    """A chunk is not a list of well-typed entries."""


@dataclass
class Chunked:
    log: schema.Log  # the envelope: everything but the entries
    parts: list[Part]


def read_chunked(
    source: Source,
    *,
    workers: int = 1,
    progress: Progress | None = None,
    chunk_bytes: int = CHUNK_BYTES,
    unit_bytes: int = UNIT_BYTES,
    parallel_bytes: int = PARALLEL_BYTES,
    refine: Refine | None = None,
    lazy: bool = False,
    digest: Digest | None = None,
    spans: bool = False,
) -> Chunked | None:
    """The capture's envelope and entries, or None when the fast path does not apply to it.

    `workers` > 1 decodes big captures (at least `parallel_bytes`) in that many processes, each taking the
    next unit of about `unit_bytes` (chunks of about `chunk_bytes`) until none is left. `refine` adds the
    caller's columns to the parts, in each process once, on all the parts it decoded. `lazy` adds what lazy
    reads of initiators need: each entry's initiator key (`columns.INITIATOR_KEY`).
    `digest` reduces the bodies it wants where they are decoded (`columns.BODY_DIGEST`). `spans` adds where each
    entry lies (`table.SPAN_COLUMNS`: one more scan of each chunk, where it is decoded), for a caller that reads
    entries spread over the whole capture. With or without it, every part tells the chunks it was decoded from
    (`Part.chunks`), in which `spans.EntrySpans` finds an entry when it is read.
    """
    size = len(source.data)
    read = source.read
    frames = Frames(source)
    found = _first_proven(frames, find_layouts(read, size, chunk_bytes), read, size)
    if found is None:
        return None
    layout, log = found
    count = min(workers, available_workers()) if size >= parallel_bytes and can_fork() else 1
    units = _units(layout.chunks, max(unit_bytes, size // MAX_JOBS + 1), count)
    count = min(count, len(units))
    finish = partial(_refine_parts, refine) if refine else None
    try:
        with _gc_paused():  # millions of new row tuples would trigger collections that find nothing to free
            if count == 1:
                parts = _read_here(frames, units, progress, finish, lazy, digest, spans)
            else:
                try:
                    work = partial(_read_unit, frames, lazy=lazy, digest=digest, spans=spans)
                    parts = map_forked(work, units, count, _send_parts, _receive_parts, progress, finish)
                except WorkerError as exc:
                    if str(exc).startswith(ChunkRejected.__name__):
                        raise ChunkRejected(str(exc)) from None
                    # A worker died (killed, out of memory, a bug): do its work here, where a failure is ours.
                    parts = _read_here(frames, units, progress, finish, lazy, digest, spans)
    except ChunkRejected:
        return None
    if progress is not None:
        progress(len(units), len(units))
    return Chunked(log=log, parts=parts)


def _read_here(
    frames: Frames,
    units: list[list[Chunk]],
    progress: Progress | None,
    finish: Callable[[list[tuple[int, Part]]], list[tuple[int, Part]]] | None,
    lazy: bool,
    digest: Digest | None,
    spans: bool,
) -> list[Part]:
    """Every unit in this process, in order."""
    parts = []
    for done, unit in enumerate(units, 1):
        parts.append(_read_unit(frames, unit, lazy=lazy, digest=digest, spans=spans))
        if progress is not None:
            progress(done, len(units))
    return [part for _, part in finish(list(enumerate(parts)))] if finish else parts


def _first_proven(
    frames: Frames, layouts: Iterator[Layout], read: Callable[[int, int], bytes], size: int
) -> tuple[Layout, schema.Log] | None:
    """The first guess whose envelope is a HAR without entries and whose last chunk is a list of entries (the
    `]` of `pages` after log.entries leaves a valid envelope too, but not a valid last chunk)."""
    for layout in layouts:
        log = _envelope(layout, read, size)
        if log is None:
            continue
        start, end = layout.chunks[-1]
        try:
            decode_chunk(frames, start, end)
        except ChunkRejected:
            continue
        return layout, log
    return None


def _envelope(layout: Layout, read: Callable[[int, int], bytes], size: int) -> schema.Log | None:
    try:
        har = msgspec.json.decode(layout.envelope(read, size), type=schema.Har)
    except msgspec.MsgspecError:
        return None
    # Only the log's own entries array, cut out, leaves exactly an empty log.entries behind.
    if har.log is None or har.log.entries != []:
        return None
    return har.log


def _units(chunks: list[Chunk], unit_bytes: int, processes: int) -> list[list[Chunk]]:
    """Runs of consecutive chunks: what one process decodes into one part at a time.

    Units are of about `unit_bytes`, and shrink towards the end when several processes share them (to a
    fraction of what is left, down to a quarter of `unit_bytes`), so that they run out at about the same time.
    """
    remaining = sum(end - start for start, end in chunks)
    units: list[list[Chunk]] = [[]]
    pending = 0
    for chunk in chunks:
        target = unit_bytes if processes == 1 else max(unit_bytes // 4, min(unit_bytes, remaining // (2 * processes)))
        if pending >= target:
            units.append([])
            pending = 0
        units[-1].append(chunk)
        pending += chunk[1] - chunk[0]
        remaining -= chunk[1] - chunk[0]
    return units


def _read_unit(
    frames: Frames, chunks: Sequence[Chunk], *, lazy: bool = False, digest: Digest | None = None, spans: bool = False
) -> Part:
    """Decode a run of chunks into one part (their Python values become Arrow a batch at a time, as they are
    decoded: `columns.Rows`), with how many entries each chunk held (`Part.chunks`), each entry's initiator key
    when asked for (`lazy`), the digests of the bodies `digest` wants, and with `spans` each entry's span in the
    capture (`SPAN_COLUMNS`)."""
    import pyarrow as pa

    rows = cols.Rows(keyed=lazy, digest=digest, located=lazy)
    problems: list[Problem] = []
    counts: list[SpanChunk] = []
    starts: list[int] = []
    ends: list[int] = []
    for start, end in chunks:
        # The rows are taken while the chunk's pages are mapped in: the initiator keys and body digests read
        # views into them, and read after the pages were handed back they would map them in again, for good
        # (at 1,000,000 entries each process came to hold its whole share of the file, 1.6 GB).
        first = len(rows)
        found = decode_chunk(frames, start, end, (starts, ends) if spans else None, use=rows.append)
        problems += [(first + position, text) for position, text in found]
        counts.append(SpanChunk(start, end, len(rows) - first))
    part = build_part(rows.to_arrays(), problems)
    if spans:
        table = part.table.append_column(SPAN_COLUMNS[0], pa.array(starts, type=pa.int64()))
        part = replace(part, table=table.append_column(SPAN_COLUMNS[1], pa.array(ends, type=pa.int64())))
    return replace(part, chunks=counts)


def decode_chunk(
    frames: Frames,
    start: int,
    end: int,
    spans: tuple[list[int], list[int]] | None = None,
    use: Callable[[list[schema.Entry], tuple[memoryview, int] | None], None] | None = None,
) -> list[Problem]:
    """Decode the entries between byte `start` and `end` (a run of `{...},{...}`) and hand them to `use` while
    the chunk's bytes are still mapped in (their `msgspec.Raw` fields are views into them), with the view they
    were decoded from and the offset of its first byte in the source's `data` (None for entries repaired one by
    one); the problems of those that had to be repaired (positions in the chunk). With `spans`, each entry's
    first byte and the byte after its last (offsets in the source's `data`) are appended to its two lists.

    Raises:
        ChunkRejected: the bytes are not a JSON list (a cut in the wrong place), or one nested too deeply.
    """
    with frames.framed(start, end) as view:
        raws = None
        try:
            entries, problems = _ENTRIES.decode(view), list[Problem]()
        except (msgspec.MsgspecError, RecursionError):
            # Some entry is not of the expected types: the chunk is still a list, of entries repaired one by one.
            try:
                raws = _RAWS.decode(view)
            except (msgspec.MsgspecError, RecursionError) as exc:
                raise ChunkRejected(str(exc)) from None
            entries, problems = decode_leniently(raws)
        if spans is not None:
            found = locate(view, start - 1, raws if raws is not None else _RAWS.decode(view))
            spans[0].extend(found[0])
            spans[1].extend(found[1])
        if use is not None:
            use(entries, (view, start - 1) if raws is None else None)
        return problems


def _refine_parts(refine: Refine, parts: list[tuple[int, Part]]) -> list[tuple[int, Part]]:
    """`refine` once on all these parts together (its columns are computed row by row), sliced back."""
    import pyarrow as pa

    refined = refine(pa.concat_tables([part.table for _, part in parts]))
    result, offset = [], 0
    for unit, part in parts:
        rows = part.table.num_rows
        result.append((unit, replace(part, table=refined.slice(offset, rows))))
        offset += rows
    return result


def _send_parts(parts: list[tuple[int, Part]], out: BinaryIO) -> None:
    """Each part as its unit's number, a length, and an Arrow IPC stream (positions in its metadata), written
    straight from the part's buffers into `out` (a file: the length is filled in once the stream is written)."""
    import pyarrow as pa

    for unit, part in parts:
        positions = {b"naive": msgspec.json.encode(part.naive), b"problems": msgspec.json.encode(part.problems),
                     b"chunks": msgspec.json.encode(part.chunks)}  # fmt: skip
        table = part.table.replace_schema_metadata(positions)
        frame = out.tell()
        out.write(_FRAME.pack(unit, 0))
        with pa.ipc.new_stream(pa.PythonFile(out, mode="w"), table.schema) as writer:
            writer.write_table(table)
        end = out.tell()
        out.seek(frame)
        out.write(_FRAME.pack(unit, end - frame - _FRAME.size))
        out.seek(end)


def _receive_parts(data: memoryview) -> list[tuple[int, Part]]:
    import pyarrow as pa

    parts, offset = [], 0
    while offset < len(data):
        unit, size = _FRAME.unpack_from(data, offset)
        offset += _FRAME.size
        table = pa.ipc.open_stream(pa.py_buffer(data[offset : offset + size])).read_all()  # no copy
        offset += size
        positions = table.schema.metadata or {}
        part = Part(
            table=table.replace_schema_metadata(None),
            naive=msgspec.json.decode(positions.get(b"naive", b"[]"), type=list[int]),
            problems=msgspec.json.decode(positions.get(b"problems", b"[]"), type=list[tuple[int, str]]),
            chunks=msgspec.json.decode(positions.get(b"chunks", b"[]"), type=list[SpanChunk]),
        )
        parts.append((unit, part))
    return parts


_FRAME = struct.Struct("<qq")


@contextmanager
def _gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
