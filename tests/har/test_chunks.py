"""The loader's fast path (chunked decode, forked workers) gives exactly what the careful path gives, on every
real capture, and declines whatever it cannot prove; the careful path then reads the capture."""

from __future__ import annotations

import bisect
import csv
import functools
import json
import os
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from analyzer.errors import InputError
from analyzer.har import chunks, columns, load_capture
from analyzer.har import spans as spans_module
from analyzer.har.hooks import Digest
from analyzer.har.loader import Capture
from analyzer.har.source import open_source
from analyzer.k8s.request_table import request_table
from analyzer.model import Body
from tests.conftest import CORPUS, REPO, require_shared
from tests.factories import DELETE, make_entry, make_har

SAMPLES = sorted((REPO / "samples").glob("*.har"))


def _corpus_files() -> list[str]:
    path = CORPUS / "MANIFEST.tsv"
    if not path.exists():
        return []
    with open(path, newline="") as handle:
        return [row["file"] for row in csv.DictReader(handle, delimiter="\t")]


def _careful(monkeypatch: pytest.MonkeyPatch, path: Path) -> Capture:
    """The careful path, its rows turned into Arrow in one batch."""
    with monkeypatch.context() as patch:
        patch.setattr(chunks, "read_chunked", lambda *args, **kwargs: None)
        patch.setattr(columns, "BATCH_ROWS", 1 << 40)
        return load_capture(path)


def _tiny_parallel(monkeypatch: pytest.MonkeyPatch, path: Path) -> tuple[Capture, bool]:
    """Chunks of 4 kB in units of 16 kB decoded by two processes whatever the size, rows turned into Arrow in
    batches of 3: every cut, batch and the worker plumbing get used (the fast path's, even with --portable-loader)."""
    taken: list[bool] = []
    read = functools.partial(chunks.read_chunked, chunk_bytes=4096, unit_bytes=16384, parallel_bytes=0)

    def counting(*args: Any, **kwargs: Any) -> chunks.Chunked | None:
        result = read(*args, **kwargs)
        taken.append(result is not None)
        return result

    with monkeypatch.context() as patch:
        patch.setattr(chunks, "read_chunked", counting)
        patch.setattr(columns, "BATCH_ROWS", 3)
        return load_capture(path, workers=2, portable=False), taken == [True]


def _same(fast: Capture, careful: Capture) -> None:
    assert request_table(fast).equals(request_table(careful))
    assert (fast.warnings, fast.truncated, fast.pages, len(fast)) == (
        careful.warnings,
        careful.truncated,
        careful.pages,
        len(careful),
    )
    assert (fast.creator, fast.creator_version, fast.browser, fast.har_version) == (
        careful.creator,
        careful.creator_version,
        careful.browser,
        careful.har_version,
    )
    every = range(len(fast))
    assert fast.bodies(every) == careful.bodies(every)
    decoded = [careful.decoded_body(index) for index in every]
    assert [fast.decoded_body(index) for index in every] == decoded
    assert decoded == [body.decoded() if (body := careful.body(index)) else None for index in every]
    assert fast.initiators(every) == careful.initiators(every)
    for index in {0, len(fast) // 2, len(fast) - 1} if len(fast) else set():
        assert fast.body(index) == careful.body(index)
        assert fast.request_headers(index) == careful.request_headers(index)
        assert fast.response_headers(index) == careful.response_headers(index)
        assert fast.websocket_frames(index) == careful.websocket_frames(index)


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_samples_read_fast_the_same(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    fast, taken = _tiny_parallel(monkeypatch, path)
    assert taken, "the fast path declined a capture this project wrote itself"
    _same(fast, _careful(monkeypatch, path))
    _same(load_capture(path), _careful(monkeypatch, path))


def test_corpus_reads_fast_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    require_shared(CORPUS / "MANIFEST.tsv")
    fast_count = readable = 0
    for name in _corpus_files():
        path = CORPUS / name
        try:
            careful = _careful(monkeypatch, path)
        except InputError as error:
            with pytest.raises(InputError) as again:
                _tiny_parallel(monkeypatch, path)
            assert str(again.value) == str(error)
            continue
        readable += 1
        fast, taken = _tiny_parallel(monkeypatch, path)
        fast_count += taken
        _same(fast, careful)
    # Most writers put log.entries last (the fast path's condition); Polly and a few others do not.
    assert fast_count >= 0.8 * readable, (fast_count, readable)


def _write(tmp_path: Path, document: Any, *, indent: int | None = 2) -> Path:
    path = tmp_path / "capture.har"
    path.write_text(json.dumps(document, indent=indent), encoding="utf-8")
    return path


def _read(path: Path, chunk_bytes: int = 64) -> chunks.Chunked | None:
    source = open_source(path)
    return chunks.read_chunked(source, chunk_bytes=chunk_bytes, unit_bytes=chunk_bytes * 3, parallel_bytes=0, workers=2)


def _entries(count: int) -> list[dict[str, Any]]:
    return [make_entry(**{"request.url": f"https://k8s.example/api/v1/pods?i={i}"}) for i in range(count)]


@pytest.mark.parametrize("indent", [None, 2], ids=["compact", "indented"])
def test_chunks_cover_every_entry_once(tmp_path: Path, indent: int | None) -> None:
    read = _read(_write(tmp_path, make_har(_entries(40)), indent=indent))
    assert read is not None
    assert sum(part.table.num_rows for part in read.parts) == 40
    urls = pa.concat_tables([part.table for part in read.parts]).column("url").to_pylist()
    assert urls == [f"https://k8s.example/api/v1/pods?i={i}" for i in range(40)]


_SPAN_DOCUMENTS = [
    pytest.param(make_har(_entries(40)), None, id="compact"),
    pytest.param(make_har(_entries(40)), 2, id="indented"),
    pytest.param({"log": {"entries": [*_entries(3), {"request": 5}, *_entries(2)]}}, 1, id="entry-needs-repair"),
    pytest.param({"log": {"entries": [*_entries(3), None, *_entries(2)]}}, None, id="entry-not-an-object"),
]


@pytest.mark.parametrize("by_workers", [False, True], ids=["scanned-when-read", "told-by-workers"])
@pytest.mark.parametrize(("document", "indent"), _SPAN_DOCUMENTS)
def test_entries_are_found_where_the_careful_scan_finds_them(
    tmp_path: Path, document: Any, indent: int | None, by_workers: bool
) -> None:
    """Each entry is found where the careful path's scan of the whole document finds it, whichever entry is
    asked for first: in the chunk the workers decoded it from (scanned when one of its entries is first read),
    or where the workers told (`spans=True`)."""
    from analyzer.har.columns import INITIATOR_KEY
    from analyzer.har.decode import decode_document
    from analyzer.har.spans import EntrySpans
    from analyzer.har.table import SPAN_COLUMNS, assemble

    path = _write(tmp_path, document, indent=indent)
    source = open_source(path)
    read = chunks.read_chunked(
        source, chunk_bytes=64, unit_bytes=192, parallel_bytes=0, workers=2, lazy=True, spans=by_workers
    )
    assert read is not None
    assembled = assemble(read.parts, creator=None, name="t.har")
    assert assembled.chunks is not None and len(assembled.chunks) > 2  # several chunks, from both processes
    assert (assembled.spans is not None) == by_workers
    assert set(SPAN_COLUMNS).isdisjoint(assembled.table.column_names)
    known = None if assembled.spans is None else (assembled.spans[0].to_numpy(), assembled.spans[1].to_numpy())
    expected = [bytes(raw) for raw in decode_document(open_source(path)).entries]
    count = len(expected)
    for order in (range(count), reversed(range(count))):
        spans = EntrySpans(source, assembled.chunks, known)
        assert len(spans) == count == assembled.table.num_rows
        found = {index: spans.span(index) or (-1, -1) for index in order}
        assert [bytes(source.data[start:end]) for start, end in (found[i] for i in range(count))] == expected
        with pytest.raises(IndexError):
            spans.span(count)
    without = chunks.read_chunked(open_source(path), chunk_bytes=64, unit_bytes=192, parallel_bytes=0, workers=2)
    assert without is not None
    assert INITIATOR_KEY not in without.parts[0].table.column_names  # `requests` reads no initiators
    assert INITIATOR_KEY in read.parts[0].table.column_names


def test_a_chunk_that_no_longer_holds_its_entries_is_not_guessed_at(tmp_path: Path) -> None:
    """A chunk whose bytes changed since the decode (another count of entries, or no JSON) gives no span, for
    the caller to find the entry by the careful scan instead."""
    from analyzer.har.spans import Chunk, EntrySpans

    path = _write(tmp_path, make_har(_entries(4)), indent=None)
    source = open_source(path)
    read = chunks.read_chunked(source, chunk_bytes=1 << 20, parallel_bytes=1 << 40, lazy=True)
    assert read is not None
    (chunk,) = read.parts[0].chunks
    assert chunk.entries == 4
    assert EntrySpans(source, [Chunk(chunk.start, chunk.end, 5)]).span(0) is None
    assert EntrySpans(source, [Chunk(chunk.start + 1, chunk.end, 4)]).span(0) is None
    assert EntrySpans(source, [chunk]).span(3) is not None


@pytest.mark.parametrize(
    "document",
    [
        pytest.param({"log": {"entries": [*_entries(3), {"request": 5}]}}, id="entry-needs-repair"),
        pytest.param({"log": {"entries": [*_entries(3), None]}}, id="entry-not-an-object"),
        pytest.param(
            {"log": {"entries": [*_entries(3), {"time": "NaN", "response": {"status": 1e300}}]}},
            id="numbers-out-of-range",
        ),
    ],
)
def test_the_fast_path_repairs_entries_as_the_careful_path_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, document: Any
) -> None:
    path = _write(tmp_path, document)
    assert _read(path) is not None  # the chunk is decoded again entry by entry, not declined
    fast, careful = load_capture(path), _careful(monkeypatch, path)
    _same(fast, careful)
    assert fast.warnings and fast.warnings == fast.damage


@pytest.mark.parametrize(
    "document",
    [
        pytest.param({"log": {"pages": [{"entries": []}], "x": {"entries": [1]}}}, id="no-log-entries"),
        pytest.param({"log": {"x": {"entries": _entries(2)}, "entries": _entries(2)}}, id="nested-entries-key"),
    ],
)
def test_what_the_fast_path_declines(tmp_path: Path, document: Any) -> None:
    assert _read(_write(tmp_path, document)) is None


@pytest.mark.parametrize(
    "document",
    [
        pytest.param({"log": {"entries": _entries(30), "pages": [{"id": "p", "title": "t"}]}}, id="pages-after"),
        pytest.param({"log": {"entries": _entries(30), "pages": [], "version": "1.2"}}, id="polly-order"),
        pytest.param({"log": {"entries": _entries(30), "browser": {"name": "Chrome"}}}, id="browser-after"),
        pytest.param({"log": {"entries": _entries(30)}, "akita_ext": {"tags": {"a": [1]}}}, id="member-after-log"),
    ],
)
def test_members_after_the_entries(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, document: Any) -> None:
    path = _write(tmp_path, document)
    assert _read(path, chunk_bytes=512) is not None
    fast, taken = _tiny_parallel(monkeypatch, path)
    assert taken
    _same(fast, _careful(monkeypatch, path))


def test_a_cut_inside_an_entry_is_refuted(tmp_path: Path) -> None:
    """Objects inside an entry that start with an entry's key look like entry boundaries to `layout`."""
    entries = _entries(6)
    for entry in entries:
        entry["_children"] = [{"pageref": f"p{i}", "request": {"url": "x"}} for i in range(8)]
    path = _write(tmp_path, make_har(entries))
    read = _read(path, chunk_bytes=32)
    assert read is None or sum(part.table.num_rows for part in read.parts) == 6
    assert len(load_capture(path, workers=2)) == 6


def test_a_cut_off_file_is_left_to_the_careful_path(tmp_path: Path) -> None:
    path = _write(tmp_path, make_har(_entries(5)))
    path.write_bytes(path.read_bytes()[:-40])
    assert _read(path) is None
    capture = load_capture(path)
    assert capture.truncated and 0 < len(capture) < 5


@pytest.mark.parametrize("path", SAMPLES[:3], ids=[p.stem for p in SAMPLES[:3]])
def test_refine_adds_columns_where_the_entries_are_decoded(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """The CLI classifies in the worker processes: the same table as classifying after loading."""
    from analyzer.k8s import Classifier
    from analyzer.k8s.request_table import classify_entries

    calls: list[int] = []  # what this process ran; the child's calls stay in the child

    def refine(entries: pa.Table) -> pa.Table:
        calls.append(entries.num_rows)
        return classify_entries(entries, Classifier(()))

    read = functools.partial(chunks.read_chunked, chunk_bytes=4096, unit_bytes=4096, parallel_bytes=0)
    with monkeypatch.context() as patch:
        patch.setattr(chunks, "read_chunked", read)
        refined = load_capture(path, workers=2, refine=refine, portable=False)
    assert isinstance(refined.entries, pa.Table) and "k8s" in refined.entries.column_names
    assert request_table(refined).equals(request_table(_careful(monkeypatch, path)))
    assert len(calls) == 1 and 0 < calls[0] < len(refined)  # once here, on this process's share


def test_a_worker_that_dies_is_replaced_by_this_process(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A child killed mid-way (the OOM killer, say) costs time, not the capture: its units are decoded here."""
    path = _write(tmp_path, make_har(_entries(60)))
    parent = os.getpid()
    read_unit = chunks._read_unit

    def dying(*args: Any, **kwargs: Any) -> Any:
        if os.getpid() != parent:
            os._exit(9)
        return read_unit(*args, **kwargs)

    monkeypatch.setattr(chunks, "_read_unit", dying)
    read = _read(path, chunk_bytes=256)
    assert read is not None
    urls = pa.concat_tables([part.table for part in read.parts]).column("url").to_pylist()
    assert urls == [f"https://k8s.example/api/v1/pods?i={i}" for i in range(60)]


def _load_by(monkeypatch: pytest.MonkeyPatch, way: str, path: Path, **options: Any) -> Capture:
    """`load_capture` the way named: the fast path in two processes or in this one, or the careful path."""
    with monkeypatch.context() as patch:
        if way == "careful":
            patch.setattr(chunks, "read_chunked", lambda *args, **kwargs: None)
        else:
            read = functools.partial(chunks.read_chunked, chunk_bytes=4096, unit_bytes=4096, parallel_bytes=0)
            patch.setattr(chunks, "read_chunked", read)
        return load_capture(path, workers=2 if way == "forked" else 1, portable=False, **options)


def _text(body: Body | None) -> bytes:
    return (body.text or "").encode() if body else b"-"


_TEXTS = Digest(name="texts", wants=lambda url: "pods" in url, reduce=_text)


@pytest.mark.parametrize("way", ["forked", "here", "careful"])
def test_bodies_are_digested_where_the_entries_are_decoded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, way: str
) -> None:
    """A `Digest` reduces the bodies it wants in the process that decodes them, as reading them afterwards
    would; an entry that had to be repaired (its body may be what it lost) and the careful path make none."""
    kinds = enumerate(["pods", "nodes"] * 30)
    entries = [make_entry(**{"request.url": f"https://k8s.example/api/v1/{kind}?i={i}",
                             "response.content.text": f"body {i}"}) for i, kind in kinds]  # fmt: skip
    entries[4] = make_entry(**{"request.url": "https://k8s.example/api/v1/pods?i=4", "response.content.text": 5})
    entries[6]["response"]["content"].pop("text")
    entries[8]["time"] = "slow"  # repaired: a field of the wrong type
    path = _write(tmp_path, make_har(entries))
    capture = _load_by(monkeypatch, way, path, digest=_TEXTS)
    digests = capture.digests(list(range(60)), "texts")
    if way == "careful":
        assert digests == {}
        return
    assert set(digests) == set(range(0, 60, 2)) - {8}
    for index, digest in digests.items():
        body = capture.body(index)
        assert digest == _text(body)
    assert digests[4] == digests[6] == b"-"  # a text that is no string, and no text: no body
    assert capture.digests([0], "another") == {}


# (content of the response, what `decoded_body` gives, where the fast path says the text lies)
_BODY_CASES: dict[str, tuple[dict[str, Any], bytes | None, str]] = {
    "plain": ({"text": '{"metadata":{"resourceVersion":"7"}}'}, b'{"metadata":{"resourceVersion":"7"}}', "located"),
    "escaped": ({"text": 'a\n"\\\u00e9\U0001f600'}, 'a\n"\\\u00e9\U0001f600'.encode(), "located"),
    "control": ({"text": "\x00\t\x1f/"}, b"\x00\t\x1f/", "located"),
    "empty": ({"text": ""}, b"", "located"),
    "null": ({"text": None}, None, "located"),
    "number": ({"text": 5}, None, "located"),
    "absent": ({}, None, "no text"),
    "base64": ({"text": "aGk=", "encoding": "base64"}, b"hi", "not located"),
    "bad base64": ({"text": "a", "encoding": "base64"}, None, "not located"),
    "other encoding": ({"text": "hi", "encoding": ""}, b"hi", "not located"),
    "sidecar": ({"_file": "resources/x.txt"}, None, "not located"),
}
_STATES = {"no text": columns.NO_TEXT, "not located": columns.NOT_LOCATED}


@pytest.mark.parametrize("way", ["forked", "here", "careful"])
def test_a_body_is_read_from_where_its_text_lies(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, way: str) -> None:
    """`decoded_body` gives what `body(index).decoded()` gives, for every kind of content; where the fast path
    located the text (or found none), no chunk is scanned to find the entry. The entries of a chunk decoded entry
    by entry (one had to be repaired), and the bodies their entry must be read for (decoded, in a sidecar file),
    are read from the entry."""
    cases = list(_BODY_CASES.values()) * 8  # over several chunks
    contents = [{"text": DELETE, **content} for content, _, _ in cases]
    entries = [make_entry(**{f"response.content.{k}": v for k, v in content.items()}) for content in contents]
    entries[3]["time"] = "slow"  # repaired
    path = _write(tmp_path, make_har(entries))
    scans: list[spans_module.Chunk] = []
    scan = spans_module.EntrySpans._scan

    def counted(self: spans_module.EntrySpans, chunk: spans_module.Chunk) -> Any:
        scans.append(chunk)
        return scan(self, chunk)

    monkeypatch.setattr(spans_module.EntrySpans, "_scan", counted)
    capture = _load_by(monkeypatch, way, path)
    if way == "careful":
        assert capture._bodies is None
    else:
        firsts = capture._spans._firsts  # type: ignore[union-attr]
        repaired = bisect.bisect_right(firsts, 3) - 1
        starts, ends = (column.to_pylist() for column in capture._bodies)  # type: ignore[union-attr]
        for index, (_, decoded, where) in enumerate(cases):
            expected = columns.NOT_LOCATED if bisect.bisect_right(firsts, index) - 1 == repaired else _STATES.get(where)
            if expected is None:
                assert 0 <= starts[index] < ends[index], index
            else:
                assert starts[index] == ends[index] == expected, index
            if expected != columns.NOT_LOCATED:
                assert capture.decoded_body(index) == decoded, index
        assert scans == []
    for index, (_, decoded, _) in enumerate(cases):
        body = capture.body(index)
        assert capture.decoded_body(index) == decoded == (body.decoded() if body else None), index
