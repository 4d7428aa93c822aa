"""Where log.entries and its chunks lie, guessed from the bytes: the cases the guess must get right or decline."""

from __future__ import annotations

import json
from typing import Any

import pytest

from analyzer.har.layout import Layout, find_layouts
from tests.factories import make_entry, make_har


def _layouts(document: Any, chunk_bytes: int, indent: int | None = 2) -> tuple[bytes, list[Layout]]:
    data = json.dumps(document, indent=indent).encode()
    return data, list(find_layouts(lambda offset, length: data[offset : offset + length], len(data), chunk_bytes))


def _layout(document: Any, chunk_bytes: int, indent: int | None = 2) -> tuple[bytes, Layout | None]:
    data, layouts = _layouts(document, chunk_bytes, indent)
    return data, layouts[0] if layouts else None


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
        pytest.param({"log": {"version": "1.2"}}, id="no-entries"),
        pytest.param([1, 2], id="not-an-object"),
    ],
)
def test_declined(document: Any) -> None:
    assert _layout(document, chunk_bytes=64)[1] is None


@pytest.mark.parametrize(
    "document",
    [
        pytest.param({"log": {"entries": [make_entry()], "pages": [{"id": "p", "x": [1]}]}}, id="pages-after"),
        pytest.param({"log": {"entries": [make_entry()], "comment": "x"}}, id="comment-after"),
        pytest.param({"log": {"entries": [make_entry()]}, "akita_ext": {"tags": {}}}, id="member-after-log"),
    ],
)
def test_when_members_follow_the_entries_one_guess_is_right(document: Any) -> None:
    """Each `]` near the end that a member follows is a guess; the array's own is among them (the chunk
    decode tells which)."""
    data, layouts = _layouts(document, chunk_bytes=1 << 20)
    ends = [json.loads(b"[" + data[layout.chunks[-1][0] : layout.chunks[-1][1]] + b"]") for layout in layouts
            if _decodes(data, layout)]  # fmt: skip
    assert ends == [[make_entry()]]


def _decodes(data: bytes, layout: Layout) -> bool:
    start, end = layout.chunks[-1]
    try:
        json.loads(b"[" + data[start:end] + b"]")
    except json.JSONDecodeError:
        return False
    return True


def test_the_first_guess_reads_little_of_a_big_document() -> None:
    """Cuts are looked for in small windows first, and the members near the end only when asked for the next
    guess: the usual layout (log.entries last) costs a small part of the document in reads."""
    entries = [make_entry(**{"request.url": f"https://a.example/{i}", "response.content.text": "x" * 3000})
               for i in range(400)]  # fmt: skip
    data = json.dumps(make_har(entries), indent=2).encode()
    read_bytes: list[int] = []

    def read(offset: int, length: int) -> bytes:
        read_bytes.append(length)
        return data[offset : offset + length]

    guesses = find_layouts(read, len(data), 128 << 10)
    first = next(guesses)
    assert len(first.cuts) > 8 and data[first.cuts[-1] : first.cuts[-1] + 1] == b"]"
    assert sum(read_bytes) < len(data) // 4
    assert all(first.cuts[-1] != later.cuts[-1] for later in guesses)  # the rest are other `]`s, if any
