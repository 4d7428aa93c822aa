"""Turn a capture path (or stdin) into one UTF-8 JSON buffer: decompress, unzip, strip a BOM or a JSONP wrapper.

The container is detected from the content, not the extension: gzip (`1f 8b`), zlib (`.zhar`, a valid zlib
header), a zip archive holding one HAR (Playwright's `.zip` with `har.har` and its `_file` sidecars), UTF-16
with a BOM, and plain JSON. Decompression is bounded, counted as it streams (`limits`: a ratio to the compressed
size and a cap). On the fast path (`platform.choose_path`) a plain file on disk is memory-mapped rather
than read: the loader reads runs of it in place (`Frames`) and hands their pages back to the kernel as it goes, and
so does the careful path (`Source.release_span`), so that the capture's pages do not stay in our memory. On the
plain path it is read whole with read().
"""

from __future__ import annotations

import io
import mmap
import os
import re
import sys
import weakref
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from analyzer.errors import InputError
from analyzer.har.limits import Limits, gzip_stream, inflate, read_member, zlib_stream
from analyzer.har.platform import LoadPath, Platform, choose_path, detect_platform

Buffer = bytes | memoryview

_JSONP = re.compile(rb"\s*[A-Za-z_$][\w$.]*\s*\(")
_HAR_MEMBER_SUFFIXES = (".har", ".json")


@dataclass
class Source:
    """One decoded capture: `data` is JSON text as UTF-8 bytes (no BOM, no JSONP wrapper)."""

    name: str  # what errors call the capture: the path as given, or "<stdin>"
    data: Buffer
    # Reads a sidecar file of a zip capture (Playwright `content._file`); None when the capture is no zip.
    read_member: Callable[[str], bytes] | None = None
    # What was wrong with the container (a compressed stream cut off or corrupt): one warning each, naming the file.
    damage: list[str] = field(default_factory=list)
    _mapping: mmap.mmap | None = field(default=None, repr=False)
    _file: int | None = field(default=None, repr=False)  # a descriptor of the mapped file (reads, `Frames`)
    _file_offset: int = field(default=0, repr=False)  # where `data` starts in that file (after a BOM, JSONP)
    _has_pread: bool = field(default=True, repr=False)  # reads of `_file` use pread, else seek and readinto

    def read(self, offset: int, length: int) -> bytes:
        """`data[offset : offset + length]` (shorter at the end), read as `read_into` does."""
        if self._file is None:
            return bytes(self.data[offset : offset + length])
        length = max(0, min(length, len(self.data) - offset))
        data = os.pread(self._file, length, self._file_offset + offset) if self._has_pread else b""
        if len(data) < length:  # a short read, or no pread: the rest, the way read_into reads
            buffer = bytearray(data) + bytearray(length - len(data))
            self.read_into(offset + len(data), memoryview(buffer)[len(data) :])
            return bytes(buffer)
        return data

    def read_into(self, offset: int, view: memoryview) -> None:
        """Copy `data[offset : offset + len(view)]` into `view`.

        A mapped file is read with pread rather than through the mapping: the bytes are copied from the page
        cache without mapping its pages into this process (no growth of RSS). Without pread, seek and readinto
        do the same.
        """
        if self._file is None:
            view[:] = self.data[offset : offset + len(view)]
            return
        done, position = 0, self._file_offset + offset
        while done < len(view):
            if self._has_pread:
                count = os.preadv(self._file, [view[done:]], position + done)
            else:
                count = _seek_readinto(self._file, view[done:], position + done)
            if count <= 0:
                raise OSError(f"{self.name}: the file shrank while it was read")
            done += count

    def release(self, start: int, end: int) -> None:
        """Drop the mapped pages of `data[start:end]` from our RSS (see `release_span`)."""
        if self._mapping is None:
            return
        low = self._file_offset + start
        high = self._file_offset + end
        low -= low % mmap.PAGESIZE
        high -= high % mmap.PAGESIZE
        if 0 <= low < high <= len(self._mapping):
            self._mapping.madvise(mmap.MADV_DONTNEED, low, high - low)

    def release_span(self, first: Buffer, last: Buffer) -> None:
        """Drop the mapped pages from `first` to the end of `last` (two views into `data`) from our RSS.

        The mapping is read-only and file-backed, so nothing is lost: a later read of a body in that range
        faults its pages back in from the page cache. Without this, a 700 MB capture stays resident while
        its table is built, and peak memory is the file plus the table.
        """
        if self._mapping is None:  # only the fast path maps, where madvise is (`platform.choose_path`)
            return
        import pyarrow as pa  # its buffers tell the address of any buffer's memory, without a copy

        base = pa.py_buffer(self._mapping).address
        start = pa.py_buffer(first).address - base
        end = pa.py_buffer(last).address - base + len(memoryview(last))
        start -= start % mmap.PAGESIZE
        end -= end % mmap.PAGESIZE
        if 0 <= start < end <= len(self._mapping):
            self._mapping.madvise(mmap.MADV_DONTNEED, start, end - start)


class Frames:
    """Runs of a source's `data` framed by `[` and `]`, so that a run of array items decodes as an array.

    A mapped file is framed where it lies, in a private copy-on-write mapping of it: the byte before the run
    and the byte after it (separators, outside the run) are overwritten while the frame is in use, then put
    back. The run's bytes are read straight from the page cache, never copied, and its pages are handed back
    afterwards (madvise DONTNEED drops them from our memory; a later read maps them in again). Other sources
    (decompressed, read from stdin) are copied into a buffer, reused.
    """

    def __init__(self, source: Source) -> None:
        self._source = source
        self._mapping: mmap.mmap | None = None
        self._buffer = bytearray()
        if source._file is not None:  # a file only the fast path mapped (`platform.choose_path`)
            self._mapping = mmap.mmap(source._file, 0, access=mmap.ACCESS_COPY)
            self._view = memoryview(self._mapping)

    @contextmanager
    def framed(self, start: int, end: int) -> Iterator[memoryview]:
        """`[` + `data[start:end]` + `]`, framed in place where the run has a byte on either side."""
        mapping = self._mapping
        first, last = self._source._file_offset + start - 1, self._source._file_offset + end
        if mapping is None or not 0 <= first < last < len(mapping):
            length = end - start
            if len(self._buffer) < length + 2:
                self._buffer = bytearray(length + 2)
            view = memoryview(self._buffer)[: length + 2]
            view[0] = ord("[")
            self._source.read_into(start, view[1 : length + 1])
            view[length + 1] = ord("]")
            yield view
            return
        before, after = mapping[first], mapping[last]
        mapping[first], mapping[last] = ord("["), ord("]")
        try:
            yield self._view[first : last + 1]
        finally:
            mapping[first], mapping[last] = before, after
            low = -(-first // mmap.PAGESIZE) * mmap.PAGESIZE  # whole pages only: the edges may be a neighbour's
            high = last // mmap.PAGESIZE * mmap.PAGESIZE
            if low < high:
                mapping.madvise(mmap.MADV_DONTNEED, low, high - low)


def open_source(
    path: str | Path, stdin: BinaryIO | None = None, platform: Platform | None = None, limits: Limits | None = None
) -> Source:
    """Open a capture by path, or `-` for standard input.

    Args:
        platform: what the platform offers (default: detected); a plain file is mapped on the fast path only.
        limits: how far a compressed capture may expand (default: `Limits()`).

    Raises:
        InputError: the file is missing, unreadable, or a container we cannot open.
        DecompressionBombError: a compressed capture expands past `limits`.
    """
    name = str(path)
    if name == "-":
        raw: Buffer = (stdin or sys.stdin.buffer).read()
        return decode_container("<stdin>", raw, None, limits)
    platform = platform or detect_platform()
    try:
        with open(path, "rb") as handle:
            head = handle.read(4)
            if not head:
                raise InputError(f"{name}: empty file")
            if _is_compressed(head):
                return decode_container(name, head + handle.read(), None, limits)
            if choose_path(platform) is LoadPath.PLAIN:
                return decode_container(name, memoryview(_read_whole(handle, head)), None)
            mapping = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            descriptor = os.dup(handle.fileno())
    except FileNotFoundError:
        raise InputError(f"{name}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{name}: is a directory, not a capture") from None
    except PermissionError:
        raise InputError(f"{name}: permission denied") from None
    except OSError as exc:
        raise InputError(f"{name}: cannot read: {exc.strerror or exc}") from None
    source = decode_container(name, memoryview(mapping), mapping)
    if source._mapping is mapping:
        source._file = descriptor
        source._has_pread = platform.has_pread
        weakref.finalize(source, os.close, descriptor)
    else:
        os.close(descriptor)
    return source


def _read_whole(handle: BinaryIO, head: bytes) -> bytes:
    """The whole file, `head` (its first bytes) read already: read again from the start, not appended to (a
    copy of the whole capture), unless the file is a pipe."""
    if not handle.seekable():
        return head + handle.read()
    handle.seek(0)
    return handle.read()


def _seek_readinto(file: int, view: memoryview, position: int) -> int:
    """What os.preadv does, without it. This moves the descriptor's position, which forked workers would share
    (they fork only where there is pread: `platform.can_decode_in_workers`)."""
    with open(file, "rb", buffering=0, closefd=False) as handle:
        handle.seek(position)
        return handle.readinto(view) or 0


def _is_compressed(head: bytes) -> bool:
    return head[:2] == b"\x1f\x8b" or head[:4] == b"PK\x03\x04" or _is_zlib(head)


def _is_zlib(head: bytes) -> bool:
    # RFC 1950: deflate method, a window of at most 32K, and a header checksum divisible by 31.
    return len(head) >= 2 and head[0] & 0x0F == 8 and head[0] >> 4 <= 7 and (head[0] << 8 | head[1]) % 31 == 0


def decode_container(name: str, raw: Buffer, mapping: mmap.mmap | None = None, limits: Limits | None = None) -> Source:
    """The capture in `raw` (the whole file): decompressed within `limits` (default: `Limits()`), or as it is."""
    limits = limits or Limits()
    head = bytes(raw[:4])
    if head[:2] == b"\x1f\x8b":
        data = bytes(raw)
        inflated = inflate(name, "gzip", lambda is_kept: gzip_stream(data, is_kept), len(data), limits)
        return _text_source(name, inflated.data, None, damage=inflated.damage)
    if head[:4] == b"PK\x03\x04":
        return _zip_source(name, raw, limits)
    if _is_zlib(head):
        inflated = inflate(name, "zlib", lambda _is_kept: zlib_stream(raw), len(raw), limits)
        return _text_source(name, inflated.data, None, damage=inflated.damage)
    return _text_source(name, raw, mapping)


def _zip_source(name: str, raw: Buffer, limits: Limits) -> Source:
    buffer = io.BytesIO(bytes(raw))
    try:
        archive = zipfile.ZipFile(buffer)
        members = [m for m in archive.namelist() if m.lower().endswith(_HAR_MEMBER_SUFFIXES)]
    # ValueError: offsets that point before the start; NotImplementedError: a zip version zipfile does not read
    except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
        raise InputError(f"{name}: corrupt zip archive: {exc}") from None
    hars = [m for m in members if m.lower().endswith(".har")] or members
    if len(hars) != 1:
        found = ", ".join(hars[:5]) or "none"
        raise InputError(f"{name}: a zip capture must hold exactly one .har file (found: {found})")

    def read_sidecar(member: str) -> bytes:
        return bytes(read_member(name, archive, buffer, member, limits).data)

    inflated = read_member(name, archive, buffer, hars[0], limits)
    return _text_source(name, inflated.data, None, read_sidecar, inflated.damage)


def _text_source(
    name: str,
    data: Buffer,
    mapping: mmap.mmap | None,
    read_member: Callable[[str], bytes] | None = None,
    damage: str | None = None,
) -> Source:
    head = bytes(data[:4])
    offset = 0
    if head[:2] in (b"\xff\xfe", b"\xfe\xff"):
        try:
            data = bytes(data).decode("utf-16").encode("utf-8")
            mapping = None  # the text now lives in a new buffer
        except UnicodeDecodeError as exc:
            raise InputError(f"{name}: not valid UTF-16 text: {exc.reason}") from None
    elif head[:3] == b"\xef\xbb\xbf":
        data = data[3:]
        offset = 3
    start = _jsonp_start(data)
    if start:
        data = _strip_jsonp(data, start)
        offset += start
    source = Source(name=name, data=data, read_member=read_member, _mapping=mapping, _file_offset=offset)
    if damage is not None:
        source.damage.append(damage)
    return source


def _jsonp_start(data: Buffer) -> int:
    """Where the JSON of `onInputData({...});` (Firebug/HAR Viewer `.harp`) starts; 0 for plain JSON."""
    start = bytes(data[:256])
    stripped = start.lstrip()
    if not stripped or stripped[:1] in b"{[":
        return 0
    match = _JSONP.match(start)
    if match is None or _jsonp_end(data) < 0:
        return 0
    return match.end()


def _jsonp_end(data: Buffer) -> int:
    tail = bytes(data[-256:])
    close = tail.rfind(b")")
    return len(data) - len(tail) + close if close >= 0 else -1


def _strip_jsonp(data: Buffer, start: int) -> Buffer:
    """`onInputData({...});` -> `{...}`."""
    return data[start : _jsonp_end(data)]
