"""Where each entry lies in the capture's text, found a chunk at a time, when an entry of the chunk is first read.

The fast path (`chunks`) decodes `log.entries` in chunks of about 2 MB and keeps, for each chunk, where its bytes
lie and how many entries it holds (`Chunk`), not where each entry lies: that takes one more scan of every
chunk, and most analyses read few entries lazily (one per distinct initiator, the documents' headers, the reads
before the watches). `EntrySpans` scans a chunk the first time one of its entries is read and keeps its spans,
so a capture whose entries are all read costs one scan of the file. A caller that reads entries spread over the
whole capture (the report's page reads the headers of 2,000) has the workers scan every chunk instead, in
parallel (`locate`, `load_capture(spans=True)`), and hands their spans to `EntrySpans`.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import Any, NamedTuple

import msgspec

from analyzer.har.source import Source

_RAWS = msgspec.json.Decoder(list[msgspec.Raw])


class Chunk(NamedTuple):
    """A run of entries as the fast path decoded it: `data[start:end]` holds `entries` entries, `{...},{...}`."""

    start: int
    end: int
    entries: int


class EntrySpans:
    """Each entry's first byte and the byte after its last in `source.data`, by position in `log.entries`."""

    def __init__(self, source: Source, chunks: Sequence[Chunk], known: tuple[Any, Any] | None = None) -> None:
        """`chunks`: every chunk of `log.entries`, in order (their counts add up to the number of entries);
        `known`: every entry's start and end, where the workers found them (two numpy arrays by position)."""
        self._source = source
        self._chunks = list(chunks)
        self._firsts = list(accumulate((chunk.entries for chunk in self._chunks), initial=0))  # each one's first
        self._found: dict[int, tuple[array[int], array[int]] | None] = {}  # 8 bytes a number, not 40
        self._known = known

    def __len__(self) -> int:
        return self._firsts[-1]

    def span(self, index: int) -> tuple[int, int] | None:
        """Where entry `index` lies: `(start, end)`; None when its chunk does not scan into as many entries as
        the fast path decoded from it (the file changed under us), for the caller to find it another way."""
        if not 0 <= index < len(self):
            raise IndexError(index)
        if self._known is not None:
            return int(self._known[0][index]), int(self._known[1][index])
        chunk = bisect_right(self._firsts, index) - 1
        if chunk not in self._found:
            self._found[chunk] = self._scan(self._chunks[chunk])
        found = self._found[chunk]
        if found is None:
            return None
        starts, ends = found
        position = index - self._firsts[chunk]
        return starts[position], ends[position]

    def _scan(self, chunk: Chunk) -> tuple[array[int], array[int]] | None:
        """The spans of a chunk's entries: its bytes read (not mapped: a mapped file's pages would stay in our
        memory), framed by `[ ]` and decoded as raw items (`locate`)."""
        length = chunk.end - chunk.start
        buffer = bytearray(length + 2)
        buffer[0], buffer[-1] = ord("["), ord("]")
        view = memoryview(buffer)
        try:
            self._source.read_into(chunk.start, view[1:-1])
            raws = _RAWS.decode(view)
        except (OSError, msgspec.MsgspecError, RecursionError):
            return None
        if len(raws) != chunk.entries:
            return None
        starts, ends = locate(view, chunk.start - 1, raws)
        return array("q", starts), array("q", ends)


def locate(view: memoryview, offset: int, raws: Sequence[msgspec.Raw]) -> tuple[list[int], list[int]]:
    """Where each of `raws` (decoded from `view`, which holds `data` from `offset` on) lies in `data`: a Raw
    decoded from a buffer is a view into it, so its address tells its place."""
    import pyarrow as pa  # its buffers tell the address of any buffer's memory, without a copy

    base = pa.py_buffer(view).address - offset
    starts = [pa.py_buffer(raw).address - base for raw in raws]
    return starts, [start + len(raw) for start, raw in zip(starts, raws, strict=True)]
