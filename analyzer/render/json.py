"""JSON output: the one encoder every JSON document goes through, and the analysis document itself
(`analysis.json`, `analyze --format json`, schema `har-analyzer/analysis/v2`).

The analysis document is the typed summary encoded (`analyzer.summary`); its JSON Schema, generated from the
same Structs, ships in the package (`analyzer/schemas/analysis-v2.schema.json`) and a test keeps it current.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from importlib import resources

import msgspec

from analyzer.summary import SCHEMA_ID, Summary, summary_schema

SCHEMA_FILE = f"schemas/analysis-{SCHEMA_ID.rsplit('/', 1)[1]}.schema.json"


def encode_json(value: object) -> bytes:
    """Typed documents (msgspec Structs) and plain values as indented JSON, newline-terminated.

    A Struct is encoded a top-level field at a time, and its long sequences (a big capture's requests, streams
    and watch chains) BATCH items at a time (`json_pieces`): the document is in memory once, not also compact
    beside its formatted copy (at 200,000 entries, 143 MB instead of about 230 MB at once)."""
    out = io.BytesIO()
    for piece in json_pieces(value):
        out.write(piece)
    return out.getvalue()


def json_pieces(value: object) -> Iterator[bytes]:
    """`encode_json(value)`, in pieces whose concatenation is exactly `msgspec.json.format(msgspec.json.encode(
    value), indent=2) + b"\\n"`: a piece is formatted on its own and indented by its depth (a JSON text holds no
    newline but those the formatting puts between its tokens: newlines in strings are escaped)."""
    if not _by_field(value):
        yield _formatted(value) + b"\n"
        return
    fields = msgspec.structs.fields(value)  # type: ignore[arg-type]  # a Struct, as _by_field found
    if not fields:
        yield b"{}\n"
        return
    yield b"{\n"
    for number, field in enumerate(fields):
        yield _INDENT + msgspec.json.encode(field.encode_name) + b": "
        item = getattr(value, field.name)
        if isinstance(item, list | tuple) and len(item) > BATCH:
            yield from _long_sequence(item)
        else:
            yield _formatted(item).replace(b"\n", b"\n" + _INDENT)
        yield b",\n" if number < len(fields) - 1 else b"\n"
    yield b"}\n"


BATCH = 1024  # the items of a long sequence encoded and formatted at a time
_INDENT = b"  "


def _by_field(value: object) -> bool:
    """Whether `value` encodes as an object of every field of its Struct type, in order, with their encoded
    names: not a tagged or array-like Struct, and none that leaves out default or unset values."""
    if not isinstance(value, msgspec.Struct):
        return False
    config = value.__struct_config__
    if config.tag is not None or config.array_like or config.omit_defaults:
        return False
    return all(getattr(value, field) is not msgspec.UNSET for field in value.__struct_fields__)


def _long_sequence(items: list[object] | tuple[object, ...]) -> Iterator[bytes]:
    """A top-level field's long list at depth 1: each batch formatted as the one item of an outer list, which
    puts its items at depth 2 where the document has them, and the two lists' brackets dropped (no pass over the
    text to indent it)."""
    yield b"[\n"
    for start in range(0, len(items), BATCH):
        nested = _formatted((items[start : start + BATCH],))  # b"[\n  [\n    item,\n    item\n  ]\n]"
        yield nested[len(_OPEN) : -len(_CLOSE)]
        yield b",\n" if start + BATCH < len(items) else b"\n"
    yield _INDENT + b"]"


_OPEN, _CLOSE = b"[\n  [\n", b"\n  ]\n]"


def _formatted(value: object) -> bytes:
    compact = msgspec.json.encode(value)
    return msgspec.json.format(compact, indent=2)


def render_analysis_json(summary: Summary) -> bytes:
    return encode_json(summary)


def schema_text() -> str:
    """The shipped JSON Schema of the document."""
    return resources.files("analyzer").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def generated_schema_text() -> str:
    """The schema as the Structs define it now (what `schema_text` must equal)."""
    return encode_json(summary_schema()).decode("utf-8")
