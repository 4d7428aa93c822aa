"""Forked workers: every job runs once, results come back in job order, a failing worker fails the call."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import msgspec
import pytest

from analyzer.har.workers import MAX_JOBS, WorkerError, can_fork, map_forked

pytestmark = pytest.mark.skipif(not can_fork(), reason="forking workers needs Linux and a single thread")


def _send(results: list[tuple[int, str]], out: BinaryIO) -> None:
    out.write(msgspec.json.encode(results))


def _children() -> set[int]:
    """This process's children, reaped or not, but multiprocessing's resource tracker: a spawned pool (a batch
    run earlier in the session) starts it once, and it lives as long as this process."""
    from multiprocessing import resource_tracker

    tracker = resource_tracker._resource_tracker._pid  # type: ignore[attr-defined]
    tasks = Path(f"/proc/{os.getpid()}/task").iterdir()
    return {int(pid) for task in tasks for pid in (task / "children").read_text().split()} - {tracker}


def _receive(data: memoryview) -> list[tuple[int, str]]:
    return msgspec.json.decode(data, type=list[tuple[int, str]])


def _map(run: Callable[[int], str], jobs: list[int], processes: int = 3) -> list[str]:
    return map_forked(run, jobs, processes, _send, _receive)


def _who_squares(job: int) -> str:
    time.sleep(0.01)  # long enough for every process to get some jobs
    return f"{os.getpid()} {job * job}"


def test_every_job_once_in_order_across_processes() -> None:
    results = [r.split() for r in _map(_who_squares, list(range(40)))]
    assert [int(square) for _, square in results] == [n * n for n in range(40)]
    assert len({pid for pid, _ in results}) > 1


def test_progress_counts_the_jobs_taken() -> None:
    seen: list[tuple[int, int]] = []
    map_forked(_who_squares, [1, 2, 3], 1, _send, _receive, lambda done, total: seen.append((done, total)))
    assert seen == [(1, 3), (2, 3), (3, 3)]


def test_a_failing_job_fails_the_call_with_its_message() -> None:
    """A job that fails in a child comes back as a WorkerError naming the child's exception and its text."""
    caller = os.getpid()
    failed_read, failed_write = os.pipe()
    waited = False

    def run(job: int) -> str:
        nonlocal waited
        if os.getpid() != caller:
            os.write(failed_write, b"x")
            raise ValueError(f"chunk {job} is not a list of entries")
        if not waited:  # the caller's first job waits until a child has failed, so that one always has
            os.read(failed_read, 1)
            waited = True
        return str(job)

    try:
        with pytest.raises(WorkerError, match=r"^ValueError: chunk \d+ is not a list of entries$"):
            _map(run, list(range(12)))
    finally:
        os.close(failed_read)
        os.close(failed_write)
    assert _children() == set()  # no child of ours remains


def test_a_job_failing_in_the_caller_is_raised_as_it_is() -> None:
    caller = os.getpid()

    def run(job: int) -> str:
        if os.getpid() != caller:
            time.sleep(30)  # each child holds one job until the caller, failing, kills it
            return str(job)
        raise ValueError(f"chunk {job} is not a list of entries")

    with pytest.raises(ValueError, match=r"^chunk \d+ is not a list of entries$"):
        _map(run, list(range(12)))
    assert _children() == set()  # the children were killed and reaped


def test_too_many_jobs() -> None:
    with pytest.raises(ValueError, match="at most"):
        _map(str, list(range(MAX_JOBS + 1)))


def test_no_fork_from_a_process_with_threads() -> None:
    started, stop = threading.Event(), threading.Event()

    def hold() -> None:
        started.set()
        stop.wait()

    thread = threading.Thread(target=hold)
    thread.start()
    started.wait()
    try:
        assert not can_fork()
    finally:
        stop.set()
        thread.join()
