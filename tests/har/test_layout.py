"""Where log.entries and its chunks lie, guessed from the bytes: the cases the guess must get right or decline."""

from __future__ import annotations

import json
from typing import Any

import pytest

from analyzer.har.layout import find_layout
from tests.factories import make_entry, make_har


def _layout(document: Any, chunk_bytes: int, indent: int | None = 2) -> tuple[bytes, Any]:
    data = json.dumps(document, indent=indent).encode()
    return data, find_layout(lambda offset, length: data[offset : offset + length], len(data), chunk_bytes)


@pytest.mark.parametrize("indent", [None, 2, 4], ids=["compact", "indent-2", "indent-4"])
def test_cuts_fall_between_entries(indent: int | None) -> None:
    entries = [make_entry(**{"request.url": f"https://a.example/{i}"}) for i in range(10)]
    data, layout = _layout(make_har(entries), chunk_bytes=500, indent=indent)
    assert layout is not None
    assert data[layout.cuts[0] : layout.cuts[0] + 1] == b"["
    assert data[layout.cuts[-1] : layout.cuts[-1] + 1] == b"]"
    assert len(layout.cuts) > 3
    decoded = [json.loads(b"[" + data[start:end] + b"]") for start, end in layout.chunks]
    assert [e for chunk in decoded for e in chunk] == entries
    assert json.loads(layout.envelope(lambda o, n: data[o : o + n], len(data)))["log"]["entries"] == []


def test_one_chunk_when_the_entries_are_small() -> None:
    _, layout = _layout(make_har([make_entry(), make_entry()]), chunk_bytes=1 << 20)
    assert layout is not None and len(layout.chunks) == 1


def test_an_empty_entries_list() -> None:
    data, layout = _layout(make_har([]), chunk_bytes=64)
    assert layout is not None and [data[s:e] for s, e in layout.chunks] == [b""]


@pytest.mark.parametrize(
    "document",
    [
        pytest.param({"log": {"entries": [], "comment": "x"}}, id="entries-not-last"),
        pytest.param({"log": {"version": "1.2"}}, id="no-entries"),
        pytest.param([1, 2], id="not-an-object"),
    ],
)
def test_declined(document: Any) -> None:
    # (A list after log.entries, `"pages": []`, ends the same way: the chunk decode refutes that guess.)
    assert _layout(document, chunk_bytes=64)[1] is None
