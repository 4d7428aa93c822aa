"""Run one function over groups of jobs in forked worker processes, results back through pipes.

Forking (Linux only) shares the parent's imports and its view of the capture for free, where spawning a
process would import everything again. The caller's own group runs in the caller meanwhile. Only a process
with no other threads forks: a lock held by another thread at the fork would stay locked in the child.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

Job = TypeVar("Job")


class WorkerError(Exception):
    """A worker process failed; the message is the worker's own error."""


def can_fork() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


def available_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def map_forked(work: Callable[[Sequence[Job]], bytes], groups: Sequence[Sequence[Job]]) -> list[bytes]:
    """`[work(group) for group in groups]`, the first group here and each other one in a forked child.

    Raises:
        WorkerError: a child failed (its exception's text) or died.
    """
    children: list[tuple[int, int]] = []
    try:
        for group in groups[1:]:
            children.append(_start(work, group))
        results = [work(groups[0])]
        while children:
            pid, pipe = children.pop(0)
            results.append(_collect(pid, pipe))
        return results
    finally:
        for pid, pipe in children:  # we failed first: the children's results are of no use now
            os.kill(pid, signal.SIGKILL)
            os.close(pipe)
            _reap(pid)


def _start(work: Callable[[Sequence[Job]], bytes], group: Sequence[Job]) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        status = 1
        try:
            os.close(read_end)
            try:
                payload, status = work(group), 0
            except BaseException as exc:  # reported to the parent, which decides
                payload = f"{type(exc).__name__}: {exc}".encode()
            with open(write_end, "wb") as out:
                out.write(payload)
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _collect(pid: int, pipe: int) -> bytes:
    with open(pipe, "rb") as stream:
        payload = stream.read()
    status = _reap(pid)
    if status != 0:
        raise WorkerError(payload.decode("utf-8", "replace") or f"worker exited with status {status}")
    return payload


def _reap(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)
