"""`encode_json` made in pieces (`json_pieces`): byte for byte what one formatting of the whole document gives,
for every sample of every writer with its sequences cut into batches of every small size, and for the shapes
a piece boundary could get wrong."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import msgspec
import pytest

from analyzer.analysis.analyze import analyze
from analyzer.har.loader import load_capture
from analyzer.render import json as json_render
from analyzer.render.json import encode_json, json_pieces
from analyzer.summary import Summary

SAMPLES = sorted(p for p in (Path(__file__).resolve().parents[2] / "samples").rglob("*.har") if p.is_file())


def whole(value: object) -> bytes:
    """The document as one encode and one formatting give it (what the pieces must add up to)."""
    return msgspec.json.format(msgspec.json.encode(value), indent=2) + b"\n"


@cache
def summary_of(sample: Path) -> Summary:
    return analyze(load_capture(sample)).summary


@pytest.mark.parametrize("batch", [1, 2, 3, 1024])
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_sample_in_batches_of_any_size(sample: Path, batch: int, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_render, "BATCH", batch)
    summary = summary_of(sample)
    assert summary.requests, "a sample without requests would not exercise the batches"
    assert encode_json(summary) == whole(summary)


class Item(msgspec.Struct):
    name: str
    values: list[int]
    nested: dict[str, Any]


class Document(msgspec.Struct):
    title: str
    items: tuple[Item, ...]
    empty: list[int]
    plain: list[str]
    mapping: dict[str, list[int]]


class Renamed(msgspec.Struct, rename="camel"):
    long_name: list[int]
    other_field: str = "x"


class Sparse(msgspec.Struct, omit_defaults=True):
    items: list[int]
    note: str | None = None


class Tagged(msgspec.Struct, tag=True):
    items: list[int]


class Compact(msgspec.Struct, array_like=True):
    items: list[int]


class Maybe(msgspec.Struct):
    items: list[int]
    later: int | msgspec.UnsetType = msgspec.UNSET


class Nothing(msgspec.Struct):
    pass


def _item(number: int) -> Item:
    # Text a piece's indentation must not touch: newlines, quotes, backslashes, braces, non-ASCII.
    return Item(f'line\n"{number}"\\ {{[,]}} é\u2028', [number, -number], {"deep": [{"a": [number]}], "e": {}})


def _document(count: int) -> Document:
    return Document("t", tuple(_item(n) for n in range(count)), [], [f"s{n}" for n in range(count)], {"k": [1, 2]})


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(_document(0), id="empty-sequences"),
        pytest.param(_document(3), id="shorter-than-a-batch"),
        pytest.param(_document(4), id="one-batch-exactly"),
        pytest.param(_document(5), id="one-more-than-a-batch"),
        pytest.param(_document(8), id="two-batches-exactly"),
        pytest.param(_document(13), id="a-short-last-batch"),
        pytest.param(Renamed(list(range(9))), id="renamed-fields"),
        pytest.param(Sparse(list(range(9))), id="omitted-defaults"),
        pytest.param(Tagged(list(range(9))), id="tagged"),
        pytest.param(Compact(list(range(9))), id="array-like"),
        pytest.param(Maybe(list(range(9))), id="an-unset-field"),
        pytest.param(Maybe(list(range(9)), 3), id="a-set-field"),
        pytest.param(Nothing(), id="no-fields"),
        pytest.param({"items": list(range(9))}, id="a-dict"),
        pytest.param(list(range(9)), id="a-list"),
        pytest.param("text\n", id="a-string"),
        pytest.param(None, id="null"),
    ],
)
def test_shapes(value: object, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(json_render, "BATCH", 4)
    assert encode_json(value) == whole(value)


def test_a_long_sequence_is_made_a_batch_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """No piece holds more than one batch of a long sequence: the whole document is never made at once."""
    monkeypatch.setattr(json_render, "BATCH", 4)
    document = _document(40)
    pieces = list(json_pieces(document))
    assert b"".join(pieces) == whole(document)
    assert max(piece.count(b'"name"') for piece in pieces) == 4
    assert max(map(len, pieces)) < len(whole(_document(4)))
