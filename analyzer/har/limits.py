"""How far a compressed capture may expand: a ratio to its compressed size and an absolute cap, counted while it
is decompressed, so that a decompression bomb stops early and is never held whole (docs/security.md).

Each container (gzip, zlib, a zip member) is read as a stream of decompressed chunks. They are kept while the
output so far stays within the ratio of the input consumed so far; past that, the rest is only counted (a bomb is
rejected as soon as the whole limit is passed, holding a few MiB). A capture whose very compressible start only
looked like a bomb is decompressed a second time, kept.
"""

from __future__ import annotations

import gzip
import io
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from analyzer.errors import DecompressionBombError, InputError

KiB, MiB, GiB = 1 << 10, 1 << 20, 1 << 30
CHUNK = 1 * MiB  # decompressed bytes per step
_INPUT = 64 * KiB  # compressed bytes fed to zlib per step: its unconsumed tail is copied on every step

# Decompressed chunks, each with how many compressed bytes the stream has consumed so far.
Stream = Iterator[tuple[bytes, int]]
# Makes a stream; the function it is given says whether its output is still kept (not only counted).
OpenStream = Callable[[Callable[[], bool]], Stream]


@dataclass(frozen=True)
class Limits:
    # Generated DevTools captures compress about 80:1 with gzip (repeated headers, JSON keys and timings); 200:1
    # leaves real captures 2.5 times that, while a bomb (runs of one byte: deflate reaches about 1030:1) is far past it.
    max_expansion: float = 200.0  # 0: no ratio check, only the cap
    # Whatever the ratio, nothing is decompressed past this: the decompressed JSON is held in memory whole.
    max_decompressed_bytes: int = 8 * GiB
    # Expanding up to this is harmless whatever the ratio (small, repetitive test captures compress far better).
    floor_bytes: int = 32 * MiB

    def allowed(self, compressed: int) -> int:
        """The most a capture of `compressed` bytes may expand to."""
        if self.max_expansion <= 0:
            return self.max_decompressed_bytes
        return min(self.max_decompressed_bytes, max(self.floor_bytes, int(self.max_expansion * compressed)))

    def looks_bombed(self, produced: int, consumed: int) -> bool:
        """Whether `produced` bytes out of the first `consumed` compressed ones are past the ratio already."""
        return self.max_expansion > 0 and produced > max(self.floor_bytes, self.max_expansion * consumed)


@dataclass(frozen=True)
class Inflated:
    """What a compressed stream gave, and why it may be short of the whole (None: it ended as it should)."""

    data: memoryview
    damage: str | None = None


def inflate(name: str, kind: str, stream: OpenStream, compressed: int, limits: Limits) -> Inflated:
    """The whole decompressed `stream`, within `limits` for an input of `compressed` bytes.

    A stream that is cut off or corrupt after some output keeps that output, with the damage said: the JSON
    loader then keeps the entries complete before it, as it does for a cut-off plain file.

    Raises:
        DecompressionBombError: it expands past the limits (as soon as it does).
        InputError: the compressed data is corrupt before any output.
    """
    allowed = limits.allowed(compressed)
    kept, keeping = bytearray(), [True]  # the stream reads `keeping`: a CRC is worth checking only on output kept
    total = 0

    def take(chunks: Stream) -> None:
        nonlocal total, kept
        for chunk, consumed in chunks:
            total += len(chunk)
            if total > allowed:
                raise DecompressionBombError(expansion_message(name, compressed, allowed, limits))
            if keeping[0] and limits.looks_bombed(total, consumed):
                keeping[0], kept = False, bytearray()  # count the rest without keeping it: the end decides
            if keeping[0]:
                kept += chunk

    def keep_all(chunks: Stream) -> None:
        for chunk, _consumed in chunks:
            kept.extend(chunk)

    damage = _damage(lambda: take(stream(lambda: keeping[0])))
    if not keeping[0]:  # within the limits after all: a very compressible start
        damage = _damage(lambda: keep_all(stream(lambda: True)))
    if damage is not None and not kept:
        raise InputError(f"{name}: corrupt {kind} data: {damage}")
    return Inflated(memoryview(kept), None if damage is None else f"{name}: the {kind} data is damaged ({damage})")


def _damage(read: Callable[[], None]) -> str | None:
    """Run `read`; what went wrong with the compressed data, if anything (the output so far is kept)."""
    try:
        read()
    # ValueError: zipfile's offsets that point before the archive's start; RuntimeError: an encrypted member
    except (OSError, EOFError, ValueError, RuntimeError, zlib.error, zipfile.BadZipFile, NotImplementedError) as exc:
        return str(exc) or type(exc).__name__
    return None


def expansion_message(name: str, compressed: int, allowed: int, limits: Limits) -> str:
    """One line naming the limit passed and how to raise it."""
    if allowed >= limits.max_decompressed_bytes:
        return (
            f"{name}: expands past {size_text(allowed)} ({size_text(compressed)} compressed): a decompression bomb? "
            "raise the limit with max_decompressed_bytes in the configuration or HAR_ANALYZER_MAX_DECOMPRESSED_BYTES"
        )
    return (
        f"{name}: expands past {limits.max_expansion:g}x its compressed size ({size_text(compressed)} -> more than "
        f"{size_text(allowed)}): a decompression bomb? raise the limit with max_expansion in the configuration or "
        "HAR_ANALYZER_MAX_EXPANSION"
    )


def size_text(count: int) -> str:
    """`1.0 MiB`, `200 MiB`, `512 B`."""
    value = float(count)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if value < 1024 or unit == "GiB":
            return f"{count} B" if unit == "B" else f"{value:.1f} {unit}" if value < 100 else f"{value:.0f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def gzip_stream(raw: bytes, is_kept: Callable[[], bool]) -> Stream:
    """A gzip file, every member (as gzip.decompress reads them), chunk by chunk.

    Each member's CRC is checked while `is_kept()`: a bomb that is only counted is not worth the CRC, which costs
    twice what inflating zeros does.
    """
    position = 0
    while position < len(raw):
        inflater = _Deflate(raw, _skip_gzip_header(raw, position), -zlib.MAX_WBITS)
        crc = size = 0
        for chunk, consumed in inflater.chunks():
            if is_kept():
                crc, size = zlib.crc32(chunk, crc), size + len(chunk)
            yield chunk, consumed
        trailer = raw[inflater.end : inflater.end + 8]
        if len(trailer) < 8:
            raise EOFError("Compressed file ended before the end-of-stream marker was reached")
        written = (int.from_bytes(trailer[:4], "little"), int.from_bytes(trailer[4:], "little"))
        if is_kept() and written != (crc, size & 0xFFFFFFFF):
            raise gzip.BadGzipFile("CRC or length check failed")
        position = inflater.end + 8
        while position < len(raw) and raw[position] == 0:  # gzip.decompress allows zeros after a member
            position += 1


def _skip_gzip_header(raw: bytes, position: int) -> int:
    """Where the deflate data of the gzip member at `position` starts (RFC 1952, section 2.3)."""
    head = raw[position : position + 10]
    if head[:2] != b"\x1f\x8b":
        raise gzip.BadGzipFile(f"Not a gzipped file ({head[:2]!r})")
    if len(head) < 10 or head[2] != 8:
        raise gzip.BadGzipFile("Unknown compression method" if len(head) == 10 else "Truncated header")
    flags, position = head[3], position + 10
    if flags & 4:  # FEXTRA: a length, then that many bytes
        position += 2 + int.from_bytes(raw[position : position + 2], "little")
    for flag in (8, 16):  # FNAME, FCOMMENT: zero-terminated
        if flags & flag:
            position = raw.find(b"\0", position) + 1 or len(raw) + 1
    position += 2 if flags & 2 else 0  # FHCRC
    if position > len(raw):
        raise EOFError("Compressed file ended before the end-of-stream marker was reached")
    return position


def zlib_stream(raw: bytes | memoryview) -> Stream:
    """A zlib stream (what follows its end is ignored, as zlib.decompress does), chunk by chunk."""
    return _Deflate(raw, 0, zlib.MAX_WBITS).chunks()


class _Deflate:
    """Deflate data from `position` in `raw`, inflated in chunks; `end` is where it ended, once it has."""

    def __init__(self, raw: bytes | memoryview, position: int, wbits: int) -> None:
        self._view = memoryview(raw)
        self._position = position
        self._inflater = zlib.decompressobj(wbits)
        self.end = -1

    def chunks(self) -> Stream:
        inflater = self._inflater
        for start in range(self._position, len(self._view), _INPUT):
            piece = self._view[start : start + _INPUT]
            data: bytes | memoryview = piece
            while not inflater.eof:
                chunk = inflater.decompress(data, CHUNK)
                data = inflater.unconsumed_tail
                yield chunk, start + len(piece) - len(data)
                if not data and len(chunk) < CHUNK:  # a full chunk may leave output pending: ask again
                    break
            if inflater.eof:
                self.end = start + len(piece) - len(inflater.unused_data)
                return
        raise EOFError("Compressed data ended before the end-of-stream marker was reached")


def member_stream(archive: zipfile.ZipFile, buffer: io.BytesIO, member: str) -> Stream:
    """One member of a zip archive read from `buffer`, chunk by chunk; a wrong CRC is raised after the last one."""
    info = archive.getinfo(member)
    crc = 0
    with archive.open(info) as handle:
        # zipfile would raise on a wrong CRC inside the read that reaches the end, losing that read's data: we
        # check it ourselves, after yielding everything.
        handle._expected_crc = None  # type: ignore[attr-defined]
        while chunk := handle.read(CHUNK):
            crc = zlib.crc32(chunk, crc)
            yield chunk, max(1, buffer.tell() - info.header_offset)
    if crc != info.CRC:
        raise zipfile.BadZipFile(f"Bad CRC-32 for file {member!r}")


def read_member(name: str, archive: zipfile.ZipFile, buffer: io.BytesIO, member: str, limits: Limits) -> Inflated:
    """A member of a zip capture of `len(buffer)` bytes, within `limits` (its declared size is checked first).

    Raises:
        KeyError: no such member.
        DecompressionBombError: it expands (or says it does) past the limits.
    """
    compressed = len(buffer.getbuffer())
    allowed = limits.allowed(compressed)
    if archive.getinfo(member).file_size > allowed:
        raise DecompressionBombError(expansion_message(name, compressed, allowed, limits))
    return inflate(name, "zip", lambda _is_kept: member_stream(archive, buffer, member), compressed, limits)
