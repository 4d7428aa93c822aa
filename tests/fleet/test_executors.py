"""The local pool and the Dask executor run the same job function; a worker that dies costs only its job."""

from __future__ import annotations

import os
import sys

import pytest

from analyzer.errors import ConfigError
from analyzer.fleet.executors import WORKER_DIED, run_dask, run_local


def double_or_die(number: int) -> int:
    """The job of these tests (run in worker processes, so importable): 3 kills its worker."""
    if number == 3:
        os._exit(1)
    return number * 2


def unpicklable(number: int) -> object:
    return lambda: number  # an outcome that cannot come back from the worker


def blas_threads(_job: int) -> str | None:
    return os.environ.get("OPENBLAS_NUM_THREADS")


def _crashed(number: int, why: str) -> int:
    assert why == WORKER_DIED
    return -number


def test_the_local_pool_runs_every_job() -> None:
    assert sorted(run_local(double_or_die, [0, 1, 2, 4, 5], 2, _crashed)) == [0, 2, 4, 8, 10]


def test_a_job_that_kills_its_worker_fails_alone() -> None:
    outcomes = list(run_local(double_or_die, [0, 1, 2, 3, 4, 5, 6], 2, _crashed))
    assert sorted(outcomes) == [-3, 0, 2, 4, 8, 10, 12]


def test_a_job_whose_outcome_cannot_come_back_fails_alone() -> None:
    outcomes = list(run_local(unpicklable, [1], 1, lambda number, why: why))
    assert len(outcomes) == 1 and str(outcomes[0]).startswith("internal error: ")


def test_the_workers_do_not_start_blas_thread_pools() -> None:
    assert list(run_local(blas_threads, [0], 1, lambda job, why: None)) == ["1"]


@pytest.mark.parametrize(
    ("scheduler", "message"),
    [
        pytest.param("tcp://127.0.0.1:1", "cannot reach the Dask scheduler at tcp://127.0.0.1:1: ", id="refused"),
        pytest.param("nonsense", "missing port number", id="no-port"),
        pytest.param("foo://x:1", "unknown address scheme 'foo'", id="unknown-scheme"),
    ],
)
def test_a_dask_scheduler_that_cannot_be_reached_is_one_line(scheduler: str, message: str) -> None:
    pytest.importorskip("distributed")
    with pytest.raises(ConfigError, match=message):
        list(run_dask(double_or_die, [1], scheduler, _crashed))


def test_dask_missing_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)
    with pytest.raises(ConfigError, match=r"install 'har-analyzer\[dask\]'"):
        list(run_dask(double_or_die, [1], "tcp://127.0.0.1:8786", _crashed))
