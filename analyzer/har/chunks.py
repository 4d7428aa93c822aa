"""Decode `log.entries` chunk by chunk into parts of the entries table, in worker processes for big captures.

This is the loader's fast path. Each chunk (see `layout`) is copied into a reused buffer, wrapped in `[ ]`
and decoded in one msgspec call, so every byte of the capture is parsed once. Any chunk that does not decode
cleanly (a wrong guess of `layout`, or an entry with fields of the wrong type, which the slow path repairs
one by one) rejects the fast path as a whole, and `read_chunked` returns None.
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import BinaryIO

import msgspec

from analyzer.har import columns as cols
from analyzer.har import schema
from analyzer.har.layout import Layout, find_layout
from analyzer.har.source import Source
from analyzer.har.table import Part, build_part, join_parts
from analyzer.har.workers import WorkerError, available_workers, can_fork, map_forked

CHUNK_BYTES = 2 << 20
PART_BYTES = 48 << 20
PARALLEL_BYTES = 32 << 20  # below this a worker process costs more than it saves
Progress = Callable[[int, int], None]
Chunk = tuple[int, int]

_ENTRIES = msgspec.json.Decoder(list[schema.Entry], strict=False)


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
    parallel_bytes: int = PARALLEL_BYTES,
) -> Chunked | None:
    """The capture's envelope and entries, or None when the fast path does not apply to it.

    `workers` > 1 decodes big captures (at least `parallel_bytes`) in that many processes.
    """
    size = len(source.data)
    read = partial(_read, source)
    layout = find_layout(read, size, chunk_bytes)
    if layout is None:
        return None
    log = _envelope(layout, read, size)
    if log is None:
        return None
    count = min(workers, available_workers()) if size >= parallel_bytes and can_fork() else 1
    groups = _groups(layout.chunks, count)
    try:
        if len(groups) == 1:
            parts = [_read_group(source, groups[0], progress)]
        else:
            run = partial(_read_first_group, source, groups[0], progress)
            parts = map_forked(run, _send_part, _receive_part, groups)
    except ChunkRejected:
        return None
    except WorkerError as exc:
        if str(exc).startswith(ChunkRejected.__name__):
            return None
        raise
    if progress is not None:
        progress(size, size)
    return Chunked(log=log, parts=parts)


def _read(source: Source, offset: int, length: int) -> bytes:
    buffer = bytearray(length)
    source.read_into(offset, memoryview(buffer))
    return bytes(buffer)


def _envelope(layout: Layout, read: Callable[[int, int], bytes], size: int) -> schema.Log | None:
    try:
        har = msgspec.json.decode(layout.envelope(read, size), type=schema.Har)
    except msgspec.MsgspecError:
        return None
    # Only the log's own entries array, cut out, leaves exactly an empty log.entries behind.
    if har.log is None or har.log.entries != []:
        return None
    return har.log


def _groups(chunks: list[Chunk], count: int) -> list[list[Chunk]]:
    """`count` runs of consecutive chunks of about equal size (file order is kept)."""
    total = sum(end - start for start, end in chunks)
    groups: list[list[Chunk]] = [[]]
    done = 0
    for chunk in chunks:
        if groups[-1] and done >= total * len(groups) / count:
            groups.append([])
        groups[-1].append(chunk)
        done += chunk[1] - chunk[0]
    return groups


def _read_group(source: Source, chunks: Sequence[Chunk], progress: Progress | None) -> Part:
    """Decode a run of chunks; every PART_BYTES their Python values become Arrow arrays and are freed, so
    that the next ones reuse that memory instead of faulting in fresh pages (a fifth of the time, otherwise)."""
    buffer = bytearray(max(end - start for start, end in chunks) + 2)
    parts: list[Part] = []
    rows, pending = cols.Rows(), 0
    done, total = 0, sum(end - start for start, end in chunks)
    with _gc_paused():  # millions of new row tuples would trigger collections that find nothing to free
        for start, end in chunks:
            rows.append(decode_chunk(source, start, end, buffer))
            pending += end - start
            if pending >= PART_BYTES:
                parts.append(build_part(rows.to_arrays()))
                rows, pending = cols.Rows(), 0
            done += end - start
            if progress is not None:
                progress(done, total)
        if pending or not parts:
            parts.append(build_part(rows.to_arrays()))
    return join_parts(parts)


def decode_chunk(source: Source, start: int, end: int, buffer: bytearray) -> list[schema.Entry]:
    """The entries between byte `start` and `end` (a run of `{...},{...}`), decoded through `buffer`.

    Raises:
        ChunkRejected: the bytes are not a list of entries of the expected types.
    """
    length = end - start
    view = memoryview(buffer)[: length + 2]
    view[0] = ord("[")
    source.read_into(start, view[1 : length + 1])
    view[length + 1] = ord("]")
    try:
        return _ENTRIES.decode(view)
    except msgspec.MsgspecError as exc:
        raise ChunkRejected(str(exc)) from None


def _read_first_group(
    source: Source, first: Sequence[Chunk], progress: Progress | None, chunks: Sequence[Chunk]
) -> Part:
    # Only the caller's own group (the first) reports progress: the children have no terminal to draw on.
    return _read_group(source, chunks, progress if chunks is first else None)


def _send_part(part: Part, out: BinaryIO) -> None:
    """The part as an Arrow IPC stream, written straight from its buffers (its positions in the metadata)."""
    import pyarrow as pa

    positions = {b"naive": msgspec.json.encode(part.naive), b"unreadable": msgspec.json.encode(part.unreadable)}
    table = part.table.replace_schema_metadata(positions)
    with pa.ipc.new_stream(pa.PythonFile(out, mode="w"), table.schema) as writer:
        writer.write_table(table)


def _receive_part(stream: BinaryIO) -> Part:
    import pyarrow as pa

    table = pa.ipc.open_stream(pa.PythonFile(stream, mode="r")).read_all()
    positions = table.schema.metadata or {}
    return Part(
        table=table.replace_schema_metadata(None),
        naive=msgspec.json.decode(positions.get(b"naive", b"[]"), type=list[int]),
        unreadable=msgspec.json.decode(positions.get(b"unreadable", b"[]"), type=list[int]),
    )


@contextmanager
def _gc_paused() -> Iterator[None]:
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
