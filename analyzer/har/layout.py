"""Where `log.entries` lies in a HAR document, cut into chunks at entry boundaries, found without parsing it.

The chunks let the loader decode a big capture in one pass per chunk (and in parallel processes) instead of
first scanning the whole document for each entry's span. Every offset found here is a guess from the bytes
around it; `chunks.decode_chunk` proves or refutes it: a chunk `[` + bytes + `]` decodes as a list of entries
only when both of its cuts sit between two entries of `log.entries`, outside any string or nested value (a
cut anywhere else leaves a bracket or a string open), and the last chunk only when it ends at the array's own
`]` (one that stops inside the array leaves it open, one past its end has trailing bytes). The envelope (the
document with `log.entries` replaced by `[]`) must decode as a HAR whose `log.entries` is that empty list,
which proves the first `[` is the log's entries. When a guess is refuted, the loader falls back to its scan
of the whole document.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

# The key of log.entries: a quote can only open or close a string, so `"entries"` followed by a colon is a key.
_ENTRIES = re.compile(rb'"entries"\s*:\s*\[')
# log.entries is the last member of log, and log the last of the document (Chrome, Firefox, Safari,
# Playwright, mitmproxy, Charles ... write it so): `] } }` and nothing else to the end.
_TAIL = re.compile(rb"\]\s*\}\s*\}\s*$")
# Between two entries: `},` then `{` and an entry's first key (as the corpus's writers order them). Inner
# arrays of objects (headers, cookies, query strings, call frames, websocket frames) start with other keys.
_ENTRY_KEYS = rb"pageref|cache|startedDateTime|request|response|timings|serverIPAddress|connection|time|index|_\w+"
_BETWEEN = re.compile(rb'\}\s*(,)\s*\{\s*"(?:' + _ENTRY_KEYS + rb')"')
# Or it is followed by other members of log (or log by other members of the document).
_BEFORE_MEMBER = re.compile(rb'\](?=\s*(?:,\s*"|\}\s*(?:,\s*"|\}\s*$)))')
_HEAD_WINDOW = 1 << 20
_TAIL_WINDOW = 256
_MEMBERS_WINDOW = 4 << 20  # what may follow log.entries: pages, browser, comments
_MAX_GUESSES = 8
_FIRST_PROBE = 1 << 14
_PROBE_WINDOW = 1 << 18

Reader = Callable[[int, int], bytes]  # (offset, length) -> those bytes of the document


@dataclass(frozen=True)
class Layout:
    """Offsets into the document: `cuts[0]` is the `[` of log.entries, `cuts[-1]` its `]`, and every cut
    between is the comma between two entries."""

    cuts: tuple[int, ...]

    @property
    def chunks(self) -> list[tuple[int, int]]:
        """(first byte, end) of each chunk's entries, commas and brackets excluded."""
        return [(start + 1, end) for start, end in zip(self.cuts, self.cuts[1:], strict=False)]

    def envelope(self, read: Reader, size: int) -> bytes:
        """The document with log.entries replaced by an empty list."""
        start, end = self.cuts[0], self.cuts[-1]
        return read(0, start) + b"[]" + read(end + 1, size - end - 1)


def find_layouts(read: Reader, size: int, chunk_bytes: int) -> Iterator[Layout]:
    """Guesses of where log.entries and its chunks of about `chunk_bytes` lie, likeliest first; none when the
    document has no entries key in its first MB.

    Most writers end the document with log.entries (`] } }`): that is the first guess. Others put members after
    it (`pages`, `browser`, `comment`, Polly's `version`, a top-level key after `log`): then each `]` near the
    end that a member or the end of an object follows is a guess, from the last one back. Those are looked for
    only when the first guess was not taken (the caller asks for the next).
    """
    head = _ENTRIES.search(read(0, min(size, _FIRST_PROBE << 2)))  # after the pages, usually a few kB in
    if head is None and size > _FIRST_PROBE << 2:
        head = _ENTRIES.search(read(0, min(size, _HEAD_WINDOW)))
    if head is None:
        return
    start = head.end() - 1
    tail_start = max(0, size - _TAIL_WINDOW)
    tail = _TAIL.search(read(tail_start, size - tail_start))
    tried: list[int] = []
    if tail is not None and tail_start + tail.start() > start:
        end = tail_start + tail.start()
        tried.append(end)
        yield _layout(_cuts(read, start, end, chunk_bytes), start, end, chunk_bytes)
    window_start = max(start + 1, size - _MEMBERS_WINDOW)
    window = read(window_start, size - window_start)
    members = [window_start + m.start() for m in _BEFORE_MEMBER.finditer(window)][::-1]
    ends = [end for end in members if end not in tried and end > start][:_MAX_GUESSES]
    if not ends:
        return
    cuts = _cuts(read, start, max(ends), chunk_bytes)
    for end in ends:
        yield _layout(cuts, start, end, chunk_bytes)


def _layout(cuts: list[int], start: int, end: int, chunk_bytes: int) -> Layout:
    """The cuts that leave a last chunk of at least a quarter of `chunk_bytes` before `end`."""
    kept = [cut for cut in cuts if cut < end - chunk_bytes // 4] or [start]
    return Layout((*kept, end))


def _cuts(read: Reader, start: int, end: int, chunk_bytes: int) -> list[int]:
    cuts = [start]
    target = start + chunk_bytes
    while target < end - chunk_bytes // 4:
        cut = _next_cut(read, target, end)
        if cut is None:
            break
        cuts.append(cut)
        target = cut + chunk_bytes
    return cuts


def _next_cut(read: Reader, offset: int, end: int) -> int | None:
    """The first comma between two entries at or after `offset`, looked for in windows that double from a few
    entries' worth (where it nearly always is) up to `_PROBE_WINDOW`."""
    if offset >= end:
        return None
    window = _FIRST_PROBE
    while True:
        length = min(window, end - offset)
        match = _BETWEEN.search(read(offset, length))
        if match is not None:
            return offset + match.start(1)
        if offset + length >= end:
            return None
        offset += length - 64  # overlap: a boundary may straddle two windows
        window = min(2 * window, _PROBE_WINDOW)
