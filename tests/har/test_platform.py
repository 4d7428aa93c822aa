"""`platform`: the loader's path is chosen from one capability object, and the portable path (read(), decoded in
this process, no pread, fork, memfd or mapping) gives exactly what the fast path gives, on every sample and every
readable corpus capture, compressed, zipped or from stdin."""

from __future__ import annotations

import functools
import gzip
import io
import mmap
import os
import sys
import threading
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from analyzer.errors import InputError
from analyzer.har import chunks, load_capture
from analyzer.har import platform as har_platform
from analyzer.har.loader import Capture
from analyzer.har.platform import PORTABLE, LoadPath, Platform, can_decode_in_workers, choose_path, loader_platform
from analyzer.har.source import open_source
from tests.conftest import CORPUS, REPO, require_shared
from tests.factories import har_bytes, make_entry
from tests.har.test_chunks import _corpus_files, _same

SAMPLES = sorted((REPO / "samples").glob("*.har"))
LINUX = Platform(has_pread=True, can_fork_workers=True, has_memfd=True, has_private_mmap=True)
MACOS = Platform(has_pread=True, can_fork_workers=False, has_memfd=False, has_private_mmap=True)
WINDOWS = Platform(has_pread=False, can_fork_workers=False, has_memfd=False, has_private_mmap=False)
NO_PREAD = Platform(has_pread=False, can_fork_workers=True, has_memfd=True, has_private_mmap=True)
# What the fast path calls and the plain path must not.
FAST_ONLY = [(os, "pread"), (os, "preadv"), (os, "fork"), (os, "memfd_create"), (mmap, "mmap")]
# Detected here, before any test replaces those: the fast side of each comparison must really be the fast path.
IS_FAST_HERE = choose_path(har_platform.detect_platform()) is LoadPath.FAST


@pytest.mark.parametrize(
    ("platform", "path", "has_workers"),
    [
        pytest.param(LINUX, LoadPath.FAST, True, id="linux"),
        pytest.param(NO_PREAD, LoadPath.FAST, False, id="no-pread-decodes-in-process"),
        pytest.param(MACOS, LoadPath.PLAIN, False, id="macos-no-memfd"),
        pytest.param(WINDOWS, LoadPath.PLAIN, False, id="windows"),
        pytest.param(PORTABLE, LoadPath.PLAIN, False, id="portable"),
        pytest.param(Platform(True, True, False, True), LoadPath.PLAIN, False, id="no-memfd"),
        pytest.param(Platform(True, False, True, True), LoadPath.PLAIN, False, id="no-fork"),
        pytest.param(Platform(True, True, True, False), LoadPath.PLAIN, False, id="no-private-mmap"),
    ],
)
def test_the_path_each_platform_takes(platform: Platform, path: LoadPath, has_workers: bool) -> None:
    assert choose_path(platform) is path
    assert can_decode_in_workers(platform) is has_workers


@pytest.mark.skipif(sys.platform != "linux", reason="the fast path is Linux's")
def test_linux_has_the_fast_path() -> None:
    assert har_platform.detect_platform() == LINUX


def test_portable_true_false_and_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(har_platform, "forced", MACOS)
    assert loader_platform(True) is PORTABLE
    assert loader_platform(False) == har_platform.detect_platform()
    assert loader_platform(None) is MACOS
    monkeypatch.setattr(har_platform, "forced", None)
    assert loader_platform(None) == har_platform.detect_platform()


def test_the_suite_option_forces_the_portable_path(request: pytest.FixtureRequest) -> None:
    if not request.config.getoption("--portable-loader"):
        pytest.skip("run with --portable-loader")
    assert har_platform.forced is PORTABLE
    capture = load_capture(SAMPLES[0])
    assert capture._source is not None and capture._source._file is None


@contextmanager
def _fast_path_forbidden(monkeypatch: pytest.MonkeyPatch, calls: list[tuple[Any, str]]) -> Iterator[None]:
    """Every call in `calls` fails the test while the block runs (they stay where they are: nothing is hidden)."""
    with monkeypatch.context() as patch:
        for owner, name in calls:
            if hasattr(owner, name):
                patch.setattr(owner, name, _forbidden(name))
        yield


def _forbidden(name: str) -> Callable[..., Any]:
    def call(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError(f"the portable path called {name}")

    return call


def _portable(monkeypatch: pytest.MonkeyPatch, load: Callable[[], Capture]) -> Capture:
    with _fast_path_forbidden(monkeypatch, FAST_ONLY):
        capture = load()
    assert capture._source is not None and capture._source._file is None and capture._source._mapping is None
    return capture


def _is_mapped(capture: Capture) -> bool:
    return capture._source is not None and capture._source._file is not None


@contextmanager
def _counting_forks(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    forks: list[int] = []
    fork = os.fork

    def counted() -> int:
        forks.append(1)
        return fork()

    with monkeypatch.context() as patch:
        patch.setattr(os, "fork", counted)
        yield forks


@contextmanager
def _tiny_chunks(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Chunks of 4 kB and units of 16 kB, decoded by workers whatever the size where the path has them."""
    read = functools.partial(chunks.read_chunked, chunk_bytes=4096, unit_bytes=16384, parallel_bytes=0)
    with monkeypatch.context() as patch:
        patch.setattr(chunks, "read_chunked", read)
        yield


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_samples_read_the_same_on_both_paths(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    with _tiny_chunks(monkeypatch):
        with _counting_forks(monkeypatch) as forks:
            fast = load_capture(path, workers=2, portable=False)
        portable = _portable(monkeypatch, lambda: load_capture(path, workers=2, portable=True))
    assert not IS_FAST_HERE or (_is_mapped(fast) and forks), "the fast side did not take the fast path"
    _same(portable, fast)
    _same(_portable(monkeypatch, lambda: load_capture(path, portable=True)), load_capture(path, portable=False))


def test_corpus_reads_the_same_on_both_paths(monkeypatch: pytest.MonkeyPatch) -> None:
    require_shared(CORPUS / "MANIFEST.tsv")
    readable = mapped = 0
    for name in _corpus_files():
        path = CORPUS / name
        try:
            fast = load_capture(path, portable=False)
        except InputError as error:
            with pytest.raises(InputError) as again:
                _portable(monkeypatch, functools.partial(load_capture, path, portable=True))
            assert str(again.value) == str(error)
            continue
        readable += 1
        mapped += _is_mapped(fast)
        _same(_portable(monkeypatch, functools.partial(load_capture, path, portable=True)), fast)
    assert readable > 200
    assert not IS_FAST_HERE or mapped > 200


def _zip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("har.har", data)
    return buffer.getvalue()


@pytest.mark.parametrize("wrap", [gzip.compress, _zip], ids=["gzip", "zip"])
@pytest.mark.parametrize("path", SAMPLES[:3], ids=[p.stem for p in SAMPLES[:3]])
def test_compressed_captures_read_the_same(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, path: Path, wrap: Callable[[bytes], bytes]
) -> None:
    packed = tmp_path / "capture.bin"
    packed.write_bytes(wrap(path.read_bytes()))
    fast = load_capture(packed, portable=False)
    _same(_portable(monkeypatch, lambda: load_capture(packed, portable=True)), fast)
    _same(fast, load_capture(path, portable=False))


@pytest.mark.parametrize("wrap", [lambda d: d, gzip.compress], ids=["plain", "gzip"])
def test_stdin_reads_the_same(monkeypatch: pytest.MonkeyPatch, wrap: Callable[[bytes], bytes]) -> None:
    data = wrap(SAMPLES[0].read_bytes())
    fast = load_capture("-", stdin=io.BytesIO(data), portable=False)
    portable = _portable(monkeypatch, lambda: load_capture("-", stdin=io.BytesIO(data), portable=True))
    assert portable.name == fast.name == "<stdin>"
    _same(portable, fast)


def test_a_platform_without_pread_fork_or_memfd_takes_the_plain_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing is deleted from `os`: the loader is told what the platform has, and must not call the rest."""
    monkeypatch.setattr(har_platform, "forced", MACOS)
    path = SAMPLES[0]
    with _tiny_chunks(monkeypatch):
        capture = _portable(monkeypatch, lambda: load_capture(path, workers=4))
    _same(capture, load_capture(path, portable=False))
    assert not IS_FAST_HERE or _is_mapped(load_capture(path, portable=False))
    monkeypatch.setattr(har_platform, "forced", WINDOWS)
    _same(_portable(monkeypatch, lambda: load_capture(path, workers=4)), capture)


def test_without_pread_the_fast_path_seeks_and_decodes_in_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(har_platform, "forced", NO_PREAD)
    path = SAMPLES[0]
    with _tiny_chunks(monkeypatch), _fast_path_forbidden(monkeypatch, [(os, "pread"), (os, "preadv"), (os, "fork")]):
        capture = load_capture(path, workers=4)
    assert _is_mapped(capture) and capture._source is not None and not capture._source._has_pread
    _same(capture, load_capture(path, portable=False))


@pytest.mark.parametrize("has_pread", [True, False], ids=["pread", "seek-readinto"])
def test_source_reads_a_mapped_file_either_way(tmp_path: Path, has_pread: bool) -> None:
    document = b"\xef\xbb\xbf" + har_bytes([make_entry() for _ in range(20)])
    path = tmp_path / "capture.har"
    path.write_bytes(document)
    source = open_source(path, platform=LINUX if has_pread else NO_PREAD)
    assert source._file is not None and source._has_pread is has_pread
    data = document[3:]  # after the BOM
    for offset, length in [(0, 10), (100, 4000), (len(data) - 5, 50), (len(data), 10)]:
        assert source.read(offset, length) == data[offset : offset + length]
        view = memoryview(bytearray(min(length, len(data) - offset)))
        source.read_into(offset, view)
        assert bytes(view) == data[offset : offset + len(view)]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_the_plain_path_reads_a_named_pipe(tmp_path: Path) -> None:
    """A pipe cannot be read again from its start: what was read to detect the container is kept."""
    pipe = tmp_path / "capture.har"
    os.mkfifo(pipe)
    data = SAMPLES[0].read_bytes()
    writer = threading.Thread(target=pipe.write_bytes, args=(data,))
    writer.start()
    try:
        capture = load_capture(pipe, portable=True)
    finally:
        writer.join()
    _same(capture, load_capture(SAMPLES[0], portable=False))
