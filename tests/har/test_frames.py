"""`source.Frames`: a run of array items framed by `[ ]`, in place in a mapped file (bytes put back, pages handed
back) or in a copy for other sources, with the same bytes either way."""

from __future__ import annotations

import io
import mmap
from pathlib import Path

import pytest

from analyzer.har.source import Frames, Source, open_source

# Items of a few pages each, so that runs span pages and their edges fall inside pages.
_ITEMS = [b'{"n":%d,"pad":"%s"}' % (i, b"x" * (mmap.PAGESIZE + 1000 * i)) for i in range(5)]
_DOCUMENT = b'\xef\xbb\xbf{"log":{"entries":[' + b",".join(_ITEMS) + b"]}}"  # a BOM: data starts 3 bytes in


def _runs(source: Source) -> list[tuple[int, int]]:
    start = bytes(source.data).index(b"[") + 1
    runs = []
    for item in _ITEMS:
        runs.append((start, start + len(item)))
        start += len(item) + 1
    return runs


@pytest.mark.parametrize("kind", ["mapped file", "stdin"])
def test_each_run_is_framed_and_the_source_is_left_as_it_was(tmp_path: Path, kind: str) -> None:
    path = tmp_path / "capture.har"
    path.write_bytes(_DOCUMENT)
    source = open_source(path) if kind == "mapped file" else open_source("-", stdin=io.BytesIO(_DOCUMENT))
    frames = Frames(source)
    runs = _runs(source)
    for (start, end), item in zip(runs, _ITEMS, strict=True):
        with frames.framed(start, end) as view:
            assert bytes(view) == b"[" + item + b"]"
    first, last = runs[0][0], runs[-1][1]
    with frames.framed(first, last) as view:  # a run of several items, over the separators framed before
        assert bytes(view) == b"[" + b",".join(_ITEMS) + b"]"
    assert bytes(source.data) == _DOCUMENT[3:]
    assert path.read_bytes() == _DOCUMENT  # the mapping is private: nothing reaches the file
    with frames.framed(*runs[2]) as view:  # again, after its pages were handed back
        assert bytes(view) == b"[" + _ITEMS[2] + b"]"
