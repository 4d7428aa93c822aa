"""Forked workers: results come back in order, a failing worker fails the call with its own message."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import BinaryIO

import pytest

from analyzer.har.workers import WorkerError, can_fork, map_forked

pytestmark = pytest.mark.skipif(not can_fork(), reason="forking workers needs Linux and a single thread")


def _pid_and_sum(group: Sequence[int]) -> bytes:
    return f"{os.getpid()} {sum(group)}".encode()


def _send(result: bytes, out: BinaryIO) -> None:
    out.write(result)


def _receive(stream: BinaryIO) -> bytes:
    return stream.read()


def _map(run: Callable[[Sequence[int]], bytes], groups: list[list[int]]) -> list[bytes]:
    return map_forked(run, _send, _receive, groups)


def test_groups_run_in_their_own_processes_in_order() -> None:
    results = [r.decode().split() for r in _map(_pid_and_sum, [[1, 2], [3], [4, 5, 6]])]
    assert [int(total) for _, total in results] == [3, 3, 15]
    pids = [int(pid) for pid, _ in results]
    assert pids[0] == os.getpid() and len(set(pids)) == 3


def _fail_in_children(group: Sequence[int]) -> bytes:
    if group[0] == 2:
        raise ValueError("chunk 2 is not a list of entries")
    return b"ok"


def test_a_failing_worker_fails_the_call_with_its_message() -> None:
    with pytest.raises(WorkerError, match="ValueError: chunk 2 is not a list of entries"):
        _map(_fail_in_children, [[1], [2], [3]])


def _parent_fails(group: Sequence[int]) -> bytes:
    if group[0] == 1:
        raise KeyError("here")
    return b"ok"


def test_when_the_caller_fails_no_worker_is_left_behind() -> None:
    with pytest.raises(KeyError):
        _map(_parent_fails, [[1], [2]])
    with pytest.raises(ChildProcessError):
        os.waitpid(-1, os.WNOHANG)  # no child of ours remains


def test_no_fork_from_a_process_with_threads() -> None:
    started, stop = threading.Event(), threading.Event()
    thread = threading.Thread(target=lambda: (started.set(), stop.wait()))
    thread.start()
    started.wait()
    try:
        assert not can_fork()
    finally:
        stop.set()
        thread.join()
