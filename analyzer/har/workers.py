"""Run one function over groups of jobs in forked worker processes; their results come back through pipes.

Forking (Linux only) shares the parent's imports and its view of the capture for free, where spawning a
process would import everything again. The caller's own group runs in the caller meanwhile, and its result
is never serialized. Only a process with no other threads forks: a lock held by another thread at the fork
would stay locked in the child.
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import BinaryIO, TypeVar

Job = TypeVar("Job")
Result = TypeVar("Result")

_OK, _FAILED = b"\x00", b"\x01"  # the first byte a worker writes: its result follows, or its error's text


class WorkerError(Exception):
    """A worker process failed; the message is the worker's own error."""


def can_fork() -> bool:
    return sys.platform == "linux" and hasattr(os, "fork") and threading.active_count() == 1


def available_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def map_forked(
    run: Callable[[Sequence[Job]], Result],
    send: Callable[[Result, BinaryIO], None],
    receive: Callable[[BinaryIO], Result],
    groups: Sequence[Sequence[Job]],
) -> list[Result]:
    """`[run(group) for group in groups]`: the first group here, each other one in a forked child, which
    `send`s its result down a pipe for the caller to `receive`.

    Raises:
        WorkerError: a child failed (the text of its exception) or died.
    """
    children: list[tuple[int, int]] = []
    try:
        for group in groups[1:]:
            children.append(_start(run, send, group))
        results = [run(groups[0])]
        while children:
            pid, pipe = children.pop(0)
            results.append(_collect(pid, pipe, receive))
        return results
    finally:
        for pid, pipe in children:  # we failed first: the children's results are of no use now
            os.kill(pid, signal.SIGKILL)
            os.close(pipe)
            _reap(pid)


def _start(
    run: Callable[[Sequence[Job]], Result], send: Callable[[Result, BinaryIO], None], group: Sequence[Job]
) -> tuple[int, int]:
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns into the caller's code
        status = 1
        try:
            os.close(read_end)
            with open(write_end, "wb") as out:
                try:
                    result = run(group)
                except BaseException as exc:  # reported to the parent, which decides
                    out.write(_FAILED + f"{type(exc).__name__}: {exc}".encode())
                else:
                    out.write(_OK)
                    send(result, out)
                    status = 0
        finally:
            os._exit(status)
    os.close(write_end)
    return pid, read_end


def _collect(pid: int, pipe: int, receive: Callable[[BinaryIO], Result]) -> Result:
    with open(pipe, "rb") as stream:
        head = stream.read(1)
        if head == _OK:
            try:
                return receive(stream)
            finally:
                _reap(pid)
        message = stream.read().decode("utf-8", "replace")
    status = _reap(pid)
    raise WorkerError(message or f"worker exited with status {status} before its result")


def _reap(pid: int) -> int:
    _, status = os.waitpid(pid, 0)
    return os.waitstatus_to_exitcode(status)
