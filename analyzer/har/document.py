"""A whole capture as plain Python objects (for `sanitize`, which must write back everything it read), and
the JSON text of such a document.

Reading goes through `open_source`, so gzip, zlib and zip captures, a BOM, UTF-16 and a JSONP wrapper are
opened as for analysis, within the same decompression limits. Numbers are kept as decimals, so that each is
written back as it was read (`1.50` stays `1.50`, `1e999` does not overflow); key order is kept as read.
"""

from __future__ import annotations

import decimal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import msgspec

from analyzer.errors import InputError
from analyzer.har.decode import decode_document
from analyzer.har.limits import Limits
from analyzer.har.platform import loader_platform
from analyzer.har.source import open_source

_DECODER = msgspec.json.Decoder(float_hook=decimal.Decimal)
_ENCODER = msgspec.json.Encoder(decimal_format="number")


@dataclass(frozen=True)
class HarDocument:
    name: str  # what errors call the capture
    value: dict[str, Any]  # the decoded JSON: dicts, lists, str, int, Decimal, bool, None
    read_member: Callable[[str], bytes] | None = None  # a zip capture's sidecar files (Playwright `_file`)


def read_document(path: str | Path, *, stdin: BinaryIO | None = None, limits: Limits | None = None) -> HarDocument:
    """The capture at `path` (`-`: standard input), whole.

    Raises:
        InputError: unreadable, not JSON, not a HAR, or cut off before its end (only whole documents are read).
        DecompressionBombError: a compressed capture expands past `limits`.
    """
    source = open_source(path, stdin, loader_platform(None), limits)
    try:
        if decode_document(source).truncated:  # one-line reasons for what is not a HAR, as the loader's
            raise InputError(f"{source.name}: the capture is cut off before its end: only a whole one can be read here")
        if source.damage:  # a bad checksum: the bytes may not be what the writer wrote
            raise InputError(f"{source.name}: {source.damage[0]}: only an intact capture can be read here")
        value = _DECODER.decode(source.data)
    except RecursionError:  # msgspec counts its depth against Python's recursion limit
        raise InputError(f"{source.name}: not a HAR file: JSON nested too deeply to decode") from None
    except msgspec.DecodeError as exc:
        raise InputError(f"{source.name}: not valid JSON: {exc}") from None
    return HarDocument(source.name, value, source.read_member)


def encode_document(value: Any) -> bytes:
    """`value` as JSON text (UTF-8, non-ASCII kept as it is), with a final newline."""
    return _ENCODER.encode(value) + b"\n"
