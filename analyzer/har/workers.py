"""Run one function over groups of jobs in forked worker processes; their results come back in shared memory.

Forking (Linux only) shares the parent's imports and its view of the capture for free, where spawning a
process would import everything again. The caller's own group runs in the caller meanwhile, and its result
is never serialized. Each child writes its result into an anonymous in-memory file (memfd) while the caller
still works, and the caller maps it, so nothing is copied once more on the caller's side (a pipe made the
caller read 25 MB after its own work, for each child of an 80,000-entry capture). Only a process with no
other threads forks: a lock held by another thread at the fork would stay locked in the child.
"""

from __future__ import annotations

import mmap
import os
import signal
import struct
import threading
from collections.abc import Callable, Sequence
from typing import BinaryIO, TypeVar

from analyzer.har.platform import detect_platform

Job = TypeVar("Job")
Result = TypeVar("Result")

_OK, _FAILED = b"\x00", b"\x01"  # the first byte a worker writes: its result follows, or its error's text


class WorkerError(Exception):
    """A worker process failed; the message is the worker's own error."""


def can_fork() -> bool:
    """Whether `map_forked` may run now: the platform forks workers and has memfds, and no other thread runs."""
    platform = detect_platform()
    return platform.can_fork_workers and platform.has_memfd and threading.active_count() == 1


def available_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def map_forked(
    run: Callable[[Job], Result],
    jobs: Sequence[Job],
    processes: int,
    send: Callable[[list[tuple[int, Result]], BinaryIO], None],
    receive: Callable[[memoryview], list[tuple[int, Result]]],
    progress: Callable[[int, int], None] | None = None,
    finish: Callable[[list[tuple[int, Result]]], list[tuple[int, Result]]] | None = None,
) -> list[Result]:
    """`[run(job) for job in jobs]` in `processes` processes: this one and forked children.

    Every process takes the next job from one shared queue until none is left, so a process slowed down by
    its neighbours (a shared machine) simply takes fewer. A child `send`s its (job number, result) pairs
    into a file for the caller to `receive` (a view of the file's bytes, mapped). `progress` hears, here,
    how many jobs have been taken from the queue. `finish`, when given, runs once in each process on all the
    (job number, result) pairs of that process, before they are sent.

    Raises:
        WorkerError: a child failed (the text of its exception) or died.
    """
    if len(jobs) > MAX_JOBS:
        raise ValueError(f"at most {MAX_JOBS} jobs (the queue is one pipe buffer), not {len(jobs)}")
    queue_out, queue_in = os.pipe()
    os.write(queue_in, b"".join(_JOB.pack(number) for number in range(len(jobs))))
    os.close(queue_in)  # an empty queue now reads as end-of-file
    children: list[tuple[int, int]] = []
    try:
        for _ in range(processes - 1):
            children.append(_start(run, jobs, queue_out, send, finish))
        mine = _take_jobs(run, jobs, queue_out, progress)
        done = dict(finish(mine) if finish and mine else mine)
        while children:
            pid, memfd = children.pop(0)
            done.update(_collect(pid, memfd, receive))
    finally:
        os.close(queue_out)
        for pid, memfd in children:  # we failed first: the children's results are of no use now
            os.kill(pid, signal.SIGKILL)
            os.close(memfd)
            _reap(pid)
    return [done[number] for number in range(len(jobs))]


_JOB = struct.Struct("<I")  # reads of at most PIPE_BUF bytes from a pipe are atomic: one job, one process
MAX_JOBS = 4096 // _JOB.size  # the queue must fit the smallest pipe buffer Linux gives (one page)


def _take_jobs(
    run: Callable[[Job], Result],
    jobs: Sequence[Job],
    queue: int,
    progress: Callable[[int, int], None] | None = None,
) -> list[tuple[int, Result]]:
    results = []
    while raw := os.read(queue, _JOB.size):
        (number,) = _JOB.unpack(raw)
        results.append((number, run(jobs[number])))
        if progress is not None:
            progress(number + 1, len(jobs))  # jobs leave the queue in order
    return results


def _start(
    run: Callable[[Job], Result],
    jobs: Sequence[Job],
    queue: int,
    send: Callable[[list[tuple[int, Result]], BinaryIO], None],
    finish: Callable[[list[tuple[int, Result]]], list[tuple[int, Result]]] | None,
) -> tuple[int, int]:
    memfd = os.memfd_create("har-analyzer-worker", os.MFD_CLOEXEC)
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        status = 1
        try:
            with open(memfd, "wb", closefd=False) as out:
                try:
                    results = _take_jobs(run, jobs, queue)
                    results = finish(results) if finish and results else results
                except BaseException as exc:  # reported to the parent, which decides
                    out.write(_FAILED + f"{type(exc).__name__}: {exc}".encode())
                else:
                    out.write(_OK)
                    send(results, out)
                    status = 0
        finally:
            os._exit(status)
    return pid, memfd


def _collect(
    pid: int, memfd: int, receive: Callable[[memoryview], list[tuple[int, Result]]]
) -> list[tuple[int, Result]]:
    status = _reap(pid)
    try:
        size = os.fstat(memfd).st_size
        data = memoryview(mmap.mmap(memfd, size, access=mmap.ACCESS_READ)) if size else memoryview(b"")
    finally:
        os.close(memfd)  # the mapping keeps the memory while the result lives
    if status == 0 and data[:1] == _OK:
        return receive(data[1:])
    message = bytes(data[1:]).decode("utf-8", "replace") if data[:1] == _FAILED else ""
    raise WorkerError(message or f"worker exited with status {status} before its result")


def _reap(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)
