"""Where a batch's jobs run: a local pool of worker processes (the default), or a Dask distributed cluster. The
same job function either way; its outcomes are yielded as they come in.

The local pool's workers are forked from a fork server that has imported the job's modules once (fast to
start, and safe: the driver's threads, such as a progress bar's, are not in them), and die with the batch: a
killed batch leaves no worker writing into the dataset. A worker that dies (out of memory, a crash in a native
library) breaks the pool and fails every job still in it; those jobs are run again one at a time, so that
only a capture that kills its worker again is counted as failed.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import socket
import sys
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from multiprocessing.context import BaseContext
from typing import TypeVar

from analyzer.errors import ConfigError

J = TypeVar("J")
R = TypeVar("R")

PRELOAD = ["analyzer.fleet.job"]  # what the fork server imports once for every worker
WORKER_DIED = "its worker process died (out of memory, or killed by a signal)"


def run_local(run: Callable[[J], R], jobs: Sequence[J], workers: int, crashed: Callable[[J, str], R]) -> Iterator[R]:
    """`run(job)` for every job in a pool of `workers` processes, outcomes in the order they finish; a job whose
    worker died twice yields `crashed(job, why)`."""
    # The workers inherit these from the fork server, which inherits them from here: numpy (under pandas) would
    # start OpenBLAS's thread pool in each, spinning on every CPU (`analyzer.cli.main` sets the same).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    broken: list[J] = []
    pool = ProcessPoolExecutor(max(1, workers), mp_context=_context(), initializer=_die_with_parent)
    try:
        futures: dict[Future[R], J] = {pool.submit(run, job): job for job in jobs}
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool:
                broken.append(futures[future])
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    for job in broken:
        yield _alone(run, job, crashed)


def _alone(run: Callable[[J], R], job: J, crashed: Callable[[J, str], R]) -> R:
    with ProcessPoolExecutor(1, mp_context=_context(), initializer=_die_with_parent) as pool:
        try:
            return pool.submit(run, job).result()
        except BrokenProcessPool:
            return crashed(job, WORKER_DIED)


def _context() -> BaseContext:
    if "forkserver" not in multiprocessing.get_all_start_methods():  # Windows
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(PRELOAD)  # only before the fork server starts, once per process
    return context


def _die_with_parent() -> None:
    """Ask Linux to kill this worker when its parent (the fork server, which ends with the batch) goes."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() == 1:  # the parent went before the request was made
        os._exit(1)


def run_dask(run: Callable[[J], R], jobs: Sequence[J], scheduler: str, crashed: Callable[[J, str], R]) -> Iterator[R]:
    """`run(job)` for every job on the Dask cluster whose scheduler is at `scheduler`, outcomes in the order they
    finish; a job Dask gave up on (its workers died) yields `crashed(job, why)`. The workers must have
    har-analyzer installed, and reach the captures and the dataset at the same paths (or URLs).

    Raises:
        ConfigError: Dask is not installed, or the scheduler cannot be reached.
    """
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise ConfigError("--executor dask needs Dask: install 'har-analyzer[dask]'") from None
    try:
        _reach(scheduler)
        client = Client(scheduler, set_as_default=False, timeout=CONNECT_TIMEOUT_S)  # type: ignore[no-untyped-call]
    except (OSError, TimeoutError, ValueError, TypeError) as exc:
        raise ConfigError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    with client:
        futures = client.map(run, jobs, pure=False)
        job_of = {future.key: job for future, job in zip(futures, jobs, strict=True)}
        for future in as_completed(futures, loop=client.loop):  # type: ignore[no-untyped-call]
            try:
                yield future.result()
            except Exception as exc:  # KilledWorker: its workers died; our job itself never raises
                yield crashed(job_of[future.key], f"its Dask worker failed: {type(exc).__name__}: {exc}")
            future.release()


CONNECT_TIMEOUT_S = 20


def _reach(scheduler: str) -> None:
    """Check that a TCP scheduler's address parses and answers, before Dask's client tries: a client that fails
    to connect says so again, with a traceback, when it is collected.

    Raises:
        ValueError: not an address Dask reads.
        OSError: nothing answers there.
    """
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    scheme, location = parse_address(scheduler)
    get_backend(scheme)  # ValueError for a scheme Dask does not know
    if scheme == "tcp":
        host, port = parse_host_port(location)
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S).close()
