"""`har-analyzer batch`: 200 captures into a dataset with the local pool and on a Dask cluster (the same tables),
a rerun that skips them, a batch killed midway and finished by a rerun; one-line errors and exit codes."""

from __future__ import annotations

import gzip
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from click.testing import CliRunner

from analyzer.cli import cli
from analyzer.fleet.dataset import read_table
from analyzer.fleet.tables import TABLE_NAMES
from tests.factories import shifted_sample

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted((REPO / "samples").rglob("*.har"))
TEMPLATE = "{branch}/{run}/{test}.har"
GOOD, BROKEN_READ = 195, 4  # 195 good copies; of the 5 broken files, 4 cannot be read (one cut early still reads)
# Each table's rows in a stable order: by capture and the table's natural key.
KEYS = {
    "captures": ["capture_id", "path"],
    "loads": ["capture_id", "navigation"],
    "resources": ["capture_id", "navigation", "key"],
    "streams": ["capture_id", "index"],
    "findings": ["capture_id", "id", "navigation", "resource", "summary"],
    "requests": ["capture_id", "index"],
}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.stdout, result.stderr


def make_fleet(root: Path) -> Path:
    """200 captures under root/captures/{branch}/{run}/{test}.har: the samples, time-shifted, some with sidecars
    and some gzipped (whose names the template does not match), and five broken ones."""
    captures = root / "captures"
    for i in range(GOOD):
        sample = SAMPLES[i % len(SAMPLES)]
        folder = captures / ("main", "dev", "release")[i % 3] / f"run{i // len(SAMPLES)}"
        folder.mkdir(parents=True, exist_ok=True)
        data = shifted_sample(sample, timedelta(minutes=37 * i))
        test = f"{sample.parent.name}-{sample.stem}"
        if i % 50 == 7:
            (folder / f"{test}.har.gz").write_bytes(gzip.compress(data, mtime=0))
            continue
        path = folder / f"{test}.har"
        path.write_bytes(data)
        if i % 5 == 0:
            Path(f"{path}.labels.json").write_text(json.dumps({"team": f"team{i % 4}", "branch": "sidecar"}))
    broken = captures / "broken" / "run0"
    broken.mkdir(parents=True)
    first = SAMPLES[0].read_bytes()
    (broken / "empty.har").write_bytes(b"")
    (broken / "not-json.har").write_bytes(b"<html>not a capture</html>")
    (broken / "no-entries.har").write_bytes(b'{"log": {"version": "1.2"}}')
    (broken / "cut-early.har").write_bytes(first[:300])
    (broken / "bad-sidecar.har").write_bytes(shifted_sample(SAMPLES[1], timedelta(days=1000)))
    (broken / "bad-sidecar.har.labels.json").write_text('{"run": 7}')
    return captures


@pytest.fixture(scope="module")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_fleet(tmp_path_factory.mktemp("fleet"))


def batch_args(captures: Path, dataset: Path, *extra: str) -> list[str]:
    return ["batch", str(captures), "-o", str(dataset), "--label-from-path", TEMPLATE, "--label", "source=ci",
            "--requests", *extra]  # fmt: skip


def tables(root: Path) -> dict[str, list[dict[str, Any]]]:
    found = {t: read_table(root, t).sort_by([(k, "ascending") for k in KEYS[t]]) for t in TABLE_NAMES}
    return {t: table.to_pylist() for t, table in found.items()}


def files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


SUMMARY = re.compile(r"analyzed (\d+), skipped (\d+) \(already in the dataset\), failed (\d+) in [\d.]+ s -> (.+)\n")


def _counts(out: str) -> tuple[int, int, int]:
    match = SUMMARY.fullmatch(out)
    assert match is not None, out
    return int(match[1]), int(match[2]), int(match[3])


@pytest.fixture(scope="module")
def local(fleet: Path, request: pytest.FixtureRequest) -> Path:
    """The clean run: every capture analysed by the local pool."""
    if request.config.getoption("--portable-loader"):
        # 600 analyses take a minute or more on two CPUs, and how a batch runs does not depend on the loader's
        # path (the suite's other tests read every sample both ways): once per CI run is enough.
        pytest.skip("the 200-capture batch runs in the plain run of the suite, not again under --portable-loader")
    dataset = fleet.parent / "local"
    code, out, err = run(*batch_args(fleet, dataset, "--workers", "2"))
    assert (code, _counts(out)) == (2, (GOOD + 1, 0, BROKEN_READ)), err
    assert err.endswith(f"Error: {BROKEN_READ} of 200 captures could not be read\n")
    assert threading.active_count() == 1  # the pool is gone: the loader forks its decoders only without threads
    return dataset


def test_the_local_pool_writes_every_capture(local: Path, fleet: Path) -> None:
    found = tables(local)
    captures = found["captures"]
    assert len(captures) == 200 and len({c["capture_id"] for c in captures}) == 200
    errors = sorted((Path(c["path"]).name, c["error"].split(": ", 1)[1]) for c in captures if c["error"])
    assert errors == [
        ("bad-sidecar.har", "label 'run' is int, not a string (labels are strings)"),
        ("empty.har", "empty file"),
        ("no-entries.har", "not a HAR file: no log.entries (log keys: version)"),
        ("not-json.har", "not valid JSON: invalid character at line 1, column 1"),
    ]
    by_path = {c["path"]: c for c in captures}
    test = f"{SAMPLES[0].parent.name}-{SAMPLES[0].stem}"
    first = by_path[str(fleet / "main" / "run0" / f"{test}.har")]
    assert dict(first["labels"]) == {"branch": "sidecar", "run": "run0", "test": test, "team": "team0", "source": "ci"}
    packed = next(c for c in captures if c["path"].endswith(".har.gz"))
    assert dict(packed["labels"]) == {"source": "ci"}
    assert sum(c["loads"] or 0 for c in captures) == len(found["loads"]) > 200
    assert {r["capture_id"] for r in found["resources"]} <= {c["capture_id"] for c in captures if not c["error"]}
    assert found["requests"] and found["findings"] and found["streams"]


# A LocalCluster of two worker processes, in a process of its own: a cluster and a client leave threads behind in
# the process that ran them, and the loader forks its decoders only from a process without threads.
CLUSTER = """
import sys
from distributed import LocalCluster
with LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=":0", host="127.0.0.1") as c:
    print(c.scheduler_address, flush=True)
    sys.stdin.read()  # until the test is done with it
"""


@pytest.fixture
def dask_scheduler() -> Iterator[str]:
    pytest.importorskip("distributed")
    cluster = subprocess.Popen([sys.executable, "-c", CLUSTER], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.DEVNULL, text=True)  # fmt: skip
    try:
        assert cluster.stdout is not None and cluster.stdin is not None
        address = cluster.stdout.readline().strip()
        assert address.startswith("tcp://127.0.0.1:"), address
        yield address
        cluster.stdin.close()
        cluster.wait(timeout=60)
    finally:
        if cluster.poll() is None:
            cluster.kill()
            cluster.wait()


def test_a_dask_cluster_writes_the_same_tables(local: Path, fleet: Path, dask_scheduler: str) -> None:
    dataset = fleet.parent / "dask"
    command = [sys.executable, "-m", "analyzer", *batch_args(fleet, dataset, "--executor", "dask", "--scheduler",
                                                            dask_scheduler)]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600)
    assert (done.returncode, _counts(done.stdout)) == (2, (GOOD + 1, 0, BROKEN_READ)), done.stderr
    assert tables(dataset) == tables(local)
    assert files(dataset) == files(local)


def test_a_rerun_skips_every_capture_in_the_dataset(local: Path, fleet: Path) -> None:
    before = tables(local)
    code, out, _ = run(*batch_args(fleet, local, "--workers", "2"))
    assert (code, _counts(out)) == (2, (0, GOOD + 1, BROKEN_READ))  # the errors are tried again, and fail again
    assert tables(local) == before


def test_a_batch_killed_midway_is_finished_by_a_rerun(local: Path, fleet: Path) -> None:
    dataset = fleet.parent / "killed"
    command = [sys.executable, "-m", "analyzer", *batch_args(fleet, dataset, "--workers", "2")]
    batch = subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while _committed(dataset) < 60 and batch.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        os.kill(batch.pid, signal.SIGKILL)  # the driver alone: its workers must die with it
        batch.wait()
    done = _committed(dataset)
    assert 60 <= done < 200, f"{done} captures committed when the batch was killed"
    code, out, _ = run(*batch_args(fleet, dataset, "--workers", "2"))
    assert code == 2 and _counts(out)[1] == done  # what the killed batch had committed is kept, not redone
    assert tables(dataset) == tables(local)
    assert files(dataset) == files(local)  # no temporary file, no orphan


def _committed(dataset: Path) -> int:
    """Captures committed so far (error rows left out)."""
    folder = dataset / "captures"
    return sum(1 for n in os.listdir(folder) if COMMITTED.fullmatch(n)) if folder.is_dir() else 0


COMMITTED = re.compile(r"[0-9a-f]{64}\.v.+\.parquet")


def test_a_clean_batch_exits_0(tmp_path: Path) -> None:
    code, out, err = run("batch", str(SAMPLES[0]), str(SAMPLES[1]), "-o", str(tmp_path / "fleet"), "--workers", "1")
    assert (code, _counts(out), err) == (0, (2, 0, 0), "")
    assert out.endswith(f" s -> {tmp_path / 'fleet'}\n")
    assert [t.num_rows for t in (read_table(tmp_path / "fleet", "requests"),)] == [0]  # no --requests


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["nothing/", "-o", "{out}"], "nothing/: no capture matched", id="no-capture"),
        pytest.param(["{sample}", "-o", "{file}"], "{file}: is a file, not a dataset folder", id="dataset-is-a-file"),
        pytest.param(["{sample}", "-o", "{other}"], "a dataset of schema 'har-analyzer/dataset/v0'; this version",
                     id="another-schema"),
        pytest.param(["{sample}", "-o", "{out}", "--label", "team"], "--label 'team': expected KEY=VALUE",
                     id="bad-label"),
        pytest.param(["{sample}", "-o", "{out}", "--label-from-path", "{a}{b}"], "two fields with nothing between",
                     id="bad-template"),
        pytest.param(["{sample}", "-o", "{out}", "--executor", "dask"], "--executor dask needs --scheduler",
                     id="dask-without-scheduler"),
        pytest.param(["{sample}", "-o", "{out}", "--executor", "dask", "--scheduler", "tcp://127.0.0.1:1"],
                     "cannot reach the Dask scheduler at tcp://127.0.0.1:1", id="scheduler-unreachable"),
        pytest.param(["{sample}", "-o", "{out}", "--executor", "dask", "--workers", "2", "--scheduler", "tcp://h:1"],
                     "--workers is for the local pool", id="workers-with-dask"),
        pytest.param(["-", "-o", "{out}"], "batch reads files, not standard input", id="stdin"),
    ],
)  # fmt: skip
def test_a_batch_that_cannot_run_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    (tmp_path / "file").write_text("")
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "_dataset.json").write_text('{"schema": "har-analyzer/dataset/v0"}')
    places = {"out": str(tmp_path / "out"), "file": str(tmp_path / "file"), "other": str(tmp_path / "other"),
              "sample": str(SAMPLES[0])}  # fmt: skip
    code, out, err = run("batch", *(places.get(a.strip("{}"), a) for a in args))
    assert code == 2 and out == ""
    assert err.startswith("Error: ") and err.count("\n") == 1, err
    assert message.format(**places) in err


def test_the_dataset_is_read_by_pyarrow_dataset_as_plain_parquet(local: Path) -> None:
    import pyarrow.dataset as ds

    loads = ds.dataset(str(local / "loads"), format="parquet").to_table()
    assert loads.schema.field("started").type == pa.timestamp("us", tz="UTC")
    assert loads.num_rows == len(tables(local)["loads"])
