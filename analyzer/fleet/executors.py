"""Where a batch's jobs run: a local pool of worker processes (the default), or a Dask distributed cluster. The
same job function either way; its outcomes are yielded as they come in.

The local pool's workers are children of the batch: forked where the platform can and the batch runs no other
thread (as the loader's decoders are: they share the batch's imports, and no lock is held by a thread at the
fork), else spawned. Linux kills them when the batch dies, so a killed batch leaves no worker behind, writing
into the dataset or holding memory. (A fork server's workers would outlive it: each holds the server's
liveness pipe and both ends of the pool's queues, so neither ever sees the batch go.) A worker that dies (out
of memory, a crash in a native library) breaks the pool and fails every job still in it; those jobs are run
again one at a time, so that only a capture that kills its worker again is counted as failed.
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
from typing import TypeVar

from analyzer.errors import ConfigError
from analyzer.har.workers import can_fork

J = TypeVar("J")
R = TypeVar("R")

WORKER_DIED = "its worker process died (out of memory, or killed by a signal)"


def run_local(run: Callable[[J], R], jobs: Sequence[J], workers: int, crashed: Callable[[J, str], R]) -> Iterator[R]:
    """`run(job)` for every job in a pool of `workers` processes, outcomes in the order they finish; a job whose
    worker died twice, or that could not be sent to a worker, yields `crashed(job, why)`."""
    # The workers inherit these from here: numpy (under pandas) would start OpenBLAS's thread pool in each,
    # spinning on every CPU (`analyzer.cli.main` sets the same).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
    broken: list[J] = []
    pool = _pool(max(1, workers))
    try:
        futures: dict[Future[R], J] = {pool.submit(run, job): job for job in jobs}
        for future in as_completed(futures):
            try:
                yield future.result()
            except BrokenProcessPool:
                broken.append(futures[future])
            except Exception as exc:  # the job could not be sent or its outcome not returned (pickling)
                yield crashed(futures[future], _internal(exc))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
    for job in broken:
        yield _alone(run, job, crashed)


def _alone(run: Callable[[J], R], job: J, crashed: Callable[[J, str], R]) -> R:
    with _pool(1) as pool:
        try:
            return pool.submit(run, job).result()
        except BrokenProcessPool:
            return crashed(job, WORKER_DIED)
        except Exception as exc:
            return crashed(job, _internal(exc))


def _internal(exc: Exception) -> str:
    return f"internal error: {type(exc).__name__}: {exc}"


def _pool(workers: int) -> ProcessPoolExecutor:
    method = "fork" if can_fork() else "spawn"
    context = multiprocessing.get_context(method)
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_die_with, initargs=(os.getpid(),))


def _die_with(batch: int) -> None:
    """Ask Linux to kill this worker when the process that started it, the batch `batch`, goes."""
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != batch:  # the batch went before the request was made
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
