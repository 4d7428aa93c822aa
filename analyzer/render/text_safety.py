"""Capture text made safe to show: cut to a bounded length with a marked cut, so that a hostile capture's
500 MB string cannot make a 1 GB view, and control characters escaped visibly (backslashes doubled), so that
nothing from a HAR file (an untrusted input) drives the terminal (a window title, the clipboard through OSC 52,
a cleared screen, a link) nor passes for an escape.

Rich markup is the other half: the views print capture text as `rich.text.Text` or through a console made with
`markup=False` (`terminal.make_console`), never as markup strings.

The order is fixed: redact, then cut (so that a cut never keeps half of a secret redaction would have found),
then escape (so that a cut never splits an escape).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import cache
from itertools import chain
from operator import attrgetter
from typing import Any, TypeVar

import msgspec
import msgspec.inspect

from analyzer.settings import DEFAULT_MAX_TEXT_LENGTH

# C0 (but for tab and newline, which `keep_layout` may keep), DEL, C1; and the Unicode controls that reorder
# or hide text (bidirectional embeddings, overrides and isolates, "trojan source").
_CONTROLS = (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0),
             0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))  # fmt: skip
_BACKSLASH = ord("\\")


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_CONTROL_ESCAPES = {code: _escape(code) for code in _CONTROLS}
_ESCAPES = {**_CONTROL_ESCAPES, _BACKSLASH: "\\\\"}
_ESCAPES_KEEPING_LAYOUT = {code: text for code, text in _ESCAPES.items() if code not in (0x09, 0x0A)}
_CONTROL_ESCAPES_KEEPING_LAYOUT = {code: text for code, text in _CONTROL_ESCAPES.items() if code not in (0x09, 0x0A)}


def safe_text(value: str, *, keep_layout: bool = False) -> str:
    """`value` with every control character written as its escape (ESC as `\\x1b`, C1 CSI as `\\x9b`) and every
    backslash doubled (`\\\\`), so that the escapes are unambiguous: a URL holding the four characters `\\x1b`
    shows as `\\\\x1b`, an ESC as `\\x1b` (as in a Python string literal).

    Backslashes are doubled in every value, not only in those with a control character: otherwise a value
    without one would show its `\\x1b` exactly as another value shows its ESC.

    Args:
        value: text that may come from a capture (cut first with `cut_text` where it may be long).
        keep_layout: keep tab and newline as they are (for text whose lines a view lays out itself).

    Returns:
        The text, the same object when it holds no control character and no backslash (the common case).
    """
    # The common case, no copy: two scans in C (tab and newline are not printable).
    if value.isprintable() and "\\" not in value:
        return value
    return value.translate(_ESCAPES_KEEPING_LAYOUT if keep_layout else _ESCAPES)


def escape_controls(value: str) -> str:
    """Control characters escaped, backslashes left alone: the terminal's last line of defence
    (`terminal._Console`), for text that went through `safe_text` already (doubling its backslashes again
    would show them four times)."""
    if value.isprintable() or value == "\n":  # or the end of a line, which every line of a view draws
        return value
    return value.translate(_CONTROL_ESCAPES_KEEPING_LAYOUT)


def safe_optional(value: str | None) -> str:
    """`safe_text` of a value that may be missing ("" then)."""
    return "" if value is None else safe_text(value)


def cut_marker(cut: int) -> str:
    """What stands for the `cut` characters a view leaves out of a long value."""
    return f"…[cut {cut:,} characters]"


def cut_text(value: str, limit: int = DEFAULT_MAX_TEXT_LENGTH) -> str:
    """`value` cut to its first `limit` characters followed by `cut_marker` (`…[cut 498,123,456 characters]`),
    or unchanged (the same object) when it is no longer than `limit`.

    Cut redacted text (`analyzer.redact`), and escape what this returns (`safe_text`, `html.escape`), never
    the other way round. Python strings are code points, so the cut never splits a UTF-8 or UTF-16 sequence of
    a valid character; a lone high surrogate left at the cut (a writer's broken pair) goes with the cut part.

    Args:
        value: text that may come from a capture.
        limit: the most characters kept (`Settings.max_text_length`); at least 1.
    """
    if len(value) <= limit:
        return value
    end = max(limit, 1)
    if "\ud800" <= value[end - 1] <= "\udbff":
        end -= 1
    return value[:end] + cut_marker(len(value) - end)


_T = TypeVar("_T")
_Fields = Mapping[type[msgspec.Struct], Collection[str]]  # for some Struct types, the fields a view reads


def cut_strings(value: _T, limit: int = DEFAULT_MAX_TEXT_LENGTH, *, fields: _Fields | None = None) -> _T:
    """`value` (a Struct such as the `Summary` or the HTML page's data, or tuples, lists and dicts of them) with
    every string in it cut by `cut_text`: the one place where a view's data is bounded. Unchanged parts are
    the same objects, so a summary with no long string costs one walk and no copy.

    Args:
        value: redacted data (`analyzer.redact.redacted`), since a cut must not keep half of a secret.
        limit: the most characters of one string (`Settings.max_text_length`).
        fields: for some Struct types, the only fields the view reads: their other fields are left as they are,
            not walked (the terminal view reads two strings of each of a summary's 100,000 requests, of seven).
    """
    cut: Any = _cut(value, limit, fields or {})
    return cut  # type: ignore[no-any-return]


def _cut(value: Any, limit: int, fields: _Fields) -> Any:
    if isinstance(value, str):
        return cut_text(value, limit) if len(value) > limit else value
    if isinstance(value, msgspec.Struct):
        changed = {}
        for name in _walked_fields(type(value), fields):  # those that can hold text: a summary is mostly numbers
            old = getattr(value, name)
            new = _cut(old, limit, fields)
            if new is not old:
                changed[name] = new
        return msgspec.structs.replace(value, **changed) if changed else value
    if isinstance(value, tuple | list):
        if not _holds_long_text(value, limit, fields):
            return value
        items = [_cut(item, limit, fields) for item in value]
        if all(new is old for new, old in zip(items, value, strict=True)):
            return value
        return type(value)(items) if not hasattr(value, "_fields") else type(value)(*items)
    if isinstance(value, dict):
        pairs = [(_cut(k, limit, fields), _cut(v, limit, fields)) for k, v in value.items()]
        if all(k is old_k and v is old_v for (k, v), (old_k, old_v) in zip(pairs, value.items(), strict=True)):
            return value
        return dict(pairs)
    return value


def _holds_long_text(items: Iterable[Any], limit: int, fields: _Fields) -> bool:
    """Whether a string past `limit` is anywhere in `items`, checked a kind of value at a time with C-level
    builtins (a summary holds tens of thousands of requests and watch links: walking them one by one costs
    seconds): strings by their longest, each Struct class a field at a time across its instances, containers'
    contents together."""
    values = [item for item in items if item is not None]
    kinds = set(map(type, values))
    if len(kinds) > 1:
        return any(_holds_long_text([v for v in values if type(v) is kind], limit, fields) for kind in kinds)
    if not kinds:
        return False
    kind = kinds.pop()
    if kind is str:
        return max(map(len, values)) > limit
    if issubclass(kind, msgspec.Struct):
        names = _walked_fields(kind, fields)
        return any(_holds_long_text(map(attrgetter(name), values), limit, fields) for name in names)
    if issubclass(kind, dict):
        return _holds_long_text(chain.from_iterable(values), limit, fields) or _holds_long_text(
            chain.from_iterable(map(dict.values, values)), limit, fields
        )
    if issubclass(kind, tuple | list):
        return _holds_long_text(chain.from_iterable(values), limit, fields)
    return not issubclass(kind, _NO_TEXT)  # a kind this does not know is walked


def _walked_fields(cls: type[msgspec.Struct], fields: _Fields) -> tuple[str, ...]:
    """The fields of a Struct type that can hold text (`_text_fields`), of them only those `fields` names for it."""
    names = _text_fields(cls)
    read = fields.get(cls)
    return names if read is None else tuple(name for name in names if name in read)


_NO_TEXT = (int, float, datetime, date, timedelta)  # bool is an int


@cache
def _text_fields(cls: type[msgspec.Struct]) -> tuple[str, ...]:
    """The fields of a Struct type whose values can hold free text: a `str`, or a container or Struct that can.
    A `Literal` holds only the type's own short words, and numbers, times and booleans none."""
    info = msgspec.inspect.type_info(cls)
    assert isinstance(info, msgspec.inspect.StructType)
    return tuple(f.name for f in info.fields if _holds_text(f.type))


def _holds_text(kind: msgspec.inspect.Type) -> bool:
    inspect = msgspec.inspect
    if isinstance(kind, inspect.StrType | inspect.AnyType | inspect.CustomType):
        return True
    if isinstance(kind, inspect.Metadata):
        return _holds_text(kind.type)
    if isinstance(kind, inspect.UnionType):
        return any(_holds_text(k) for k in kind.types)
    if isinstance(kind, inspect.ListType | inspect.VarTupleType | inspect.SetType | inspect.FrozenSetType):
        return _holds_text(kind.item_type)
    if isinstance(kind, inspect.TupleType):
        return any(_holds_text(k) for k in kind.item_types)
    if isinstance(kind, inspect.DictType):
        return _holds_text(kind.key_type) or _holds_text(kind.value_type)
    # a Struct is walked on its own (`_text_fields`); numbers, times, booleans and Literals hold no free text
    return isinstance(kind, inspect.StructType | inspect.DataclassType | inspect.NamedTupleType | inspect.TypedDictType)


# What a spreadsheet runs as a formula when a CSV cell starts with it (OWASP "CSV injection"); tab and carriage
# return are in the list because some spreadsheets drop them and read what follows. RE2 and `re` syntax both.
FORMULA_START_PATTERN = "^[=+\\-@\t\r]"
FORMULA_GUARD = "'"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(cell: str) -> str:
    """A text cell of a CSV file that no spreadsheet runs as a formula: `=1+1` -> `'=1+1`. Only for text cells:
    a number such as `-1` must stay as it is (`tables.write_csv` does the same to whole columns)."""
    return FORMULA_GUARD + cell if cell.startswith(FORMULA_STARTS) else cell
