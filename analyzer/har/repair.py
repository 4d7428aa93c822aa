"""Entries whose typed decode fails, decoded one by one and repaired field by field into what can be kept.

Both loader paths call this only for the entries (or the chunk of entries) that msgspec refused, so a
well-formed capture never comes here. What cannot be kept becomes unknown, and each repair is a `Problem`: the
entry's position and one line saying which field and why ("response.bodySize 1e999 is out of range").
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Any

import msgspec

from analyzer.har import schema

Problem = tuple[int, str]  # (position of the entry in the run decoded, what was wrong and what was kept)

_DECODER = msgspec.json.Decoder(schema.Entry, strict=False)
_AT = re.compile(r"^(?P<what>.*?)(?: - at `(?P<path>[^`]*)`)?$")
_GOT = re.compile(r"got `(?P<got>[^`]+)`")
_PATH_STEP = re.compile(r"\.([A-Za-z_$][\w$-]*)|\[(\d+)\]")
_MAX_REPAIRS = 32  # fields dropped from one entry before it is given up as a whole


class _Literal(str):
    """A number literal a float cannot hold (`1e999`), kept as written so that the warning can quote it."""


def _float(text: str) -> float | _Literal:
    value = float(text)
    return value if math.isfinite(value) else _Literal(text)


def _encode_literal(value: object) -> object:
    if isinstance(value, _Literal):
        return str(value)
    raise NotImplementedError(f"cannot encode {type(value).__name__}")


# Untyped decoding that survives numbers past a float's range (msgspec refuses them outright), and its way back.
_GENERIC = msgspec.json.Decoder(float_hook=_float)
_ENCODER = msgspec.json.Encoder(enc_hook=_encode_literal)


def decode_leniently(raws: Sequence[msgspec.Raw | bytes], first: int = 0) -> tuple[list[schema.Entry], list[Problem]]:
    """Typed entries for `raws`, each decoded on its own; a field that cannot be read is dropped (unknown).

    Args:
        first: the position of `raws[0]`, for the problems' positions.

    Returns:
        The entries (an unreadable one as an empty entry, so that positions are kept) and the problems found.
    """
    entries: list[schema.Entry] = []
    problems: list[Problem] = []
    for offset, raw in enumerate(raws):
        found: list[str] = []
        entries.append(decode_entry(raw, found))
        problems += [(first + offset, text) for text in found]
    return entries, problems


def decode_entry(raw: msgspec.Raw | bytes, problems: list[str]) -> schema.Entry:
    """One entry, repaired as needed; what was repaired is appended to `problems`."""
    data = bytes(raw)
    try:
        return _DECODER.decode(data)
    except msgspec.ValidationError as exc:
        return _repair(data, exc, problems)
    except msgspec.DecodeError as exc:
        if "UTF-8" not in str(exc):
            problems.append(f"not valid JSON ({exc}); kept as an empty row")
            return schema.Entry()
        # Bytes that are not UTF-8 inside a string: keep the string, with U+FFFD for the bad bytes.
        problems.append("a string holds bytes that are not UTF-8; replaced by U+FFFD")
        return decode_entry(data.decode("utf-8", "replace").encode("utf-8"), problems)
    except RecursionError:  # nested deeper than msgspec can follow
        problems.append("nested too deeply to decode; kept as an empty row")
        return schema.Entry()


def _repair(data: bytes, error: msgspec.ValidationError, problems: list[str]) -> schema.Entry:
    try:
        value = _GENERIC.decode(data)
    except (msgspec.DecodeError, RecursionError) as exc:
        problems.append(f"unreadable ({exc}); kept as an empty row")
        return schema.Entry()
    if not isinstance(value, dict):
        problems.append(f"not an object ({_kind(value)}); kept as an empty row")
        return schema.Entry()
    for _ in range(_MAX_REPAIRS):
        what, path = split_error(error)
        # A list item that must be an object (a websocket frame) becomes an empty one, keeping the count.
        found = _take(value, path, {} if "`object`" in what else None) if path else None
        if found is None:
            break
        problems.append(_describe(path.removeprefix("$."), what, found[0]))
        try:
            return _DECODER.decode(_ENCODER.encode(value))
        except msgspec.ValidationError as exc:
            error = exc
    problems.append(f"unreadable ({error}); kept as an empty row")
    return schema.Entry()


def _describe(field: str, what: str, value: object) -> str:
    if what == "Number out of range" or isinstance(value, _Literal):
        return f"{field} {_shown(value)} is out of range; kept as unknown"
    got = _GOT.search(what)
    if got is not None:
        return (
            f"{field} is {_GOT_NAMES.get(got.group('got'), got.group('got'))}, not {_expected(what)}; kept as unknown"
        )
    return f"{field}: {what}; kept as unknown"


_GOT_NAMES = {"str": "a string", "int": "an integer", "float": "a number", "bool": "a boolean", "array": "a list",
              "object": "an object", "null": "null"}  # fmt: skip
_EXPECTED_NAMES = {"str | null": "a string", "float | null": "a number", "object | null": "an object",
                   "array | null": "a list", "object": "an object"}  # fmt: skip


def _expected(what: str) -> str:
    wanted = what.removeprefix("Expected `").split("`", 1)[0]
    return _EXPECTED_NAMES.get(wanted, f"`{wanted}`")


def _shown(value: object) -> str:
    text = value if isinstance(value, _Literal) else _ENCODER.encode(value).decode()
    return text if len(text) <= 40 else text[:37] + "..."


def _kind(value: object) -> str:
    return {str: "a string", _Literal: "a number", int: "a number", float: "a number", bool: "a boolean",
            list: "a list", type(None): "null"}.get(type(value), type(value).__name__)  # fmt: skip


def _take(value: Any, path: str, blank: object) -> tuple[object] | None:
    """Remove the value at `path` (`$.response.status`, `$._webSocketMessages[3]`): a key is deleted, a list
    item becomes `blank`. Returns the value removed, in a tuple (it may be None), or None when `path` is not there."""
    steps = [(m.group(1), m.group(2)) for m in _PATH_STEP.finditer(path)]
    if not steps:
        return None
    node = value
    try:
        for key, index in steps[:-1]:
            node = node[key] if key is not None else node[int(index)]
        key, index = steps[-1]
        if key is not None:
            return (node.pop(key),)
        found, node[int(index)] = node[int(index)], blank
        return (found,)
    except (KeyError, IndexError, TypeError, AttributeError):
        return None


def split_error(error: msgspec.ValidationError) -> tuple[str, str]:
    """msgspec's message as (what is wrong, where: `$.response.status` or "")."""
    match = _AT.match(str(error))
    assert match is not None  # the pattern matches any string
    return match.group("what"), match.group("path") or ""
