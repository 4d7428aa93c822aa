"""A batch without the command line: planning (inputs, dataset, labels from paths) and counting outcomes."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from analyzer.errors import ConfigError
from analyzer.fleet import dataset
from analyzer.fleet.batch import Batch, Tally, plan_batch, run_batch
from analyzer.fleet.job import Outcome
from analyzer.fleet.labels import PathTemplate

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture
def runs(tmp_path: Path) -> Path:
    for branch, sample in (("main", "poll-list"), ("dev", "list-watch-healthy")):
        (tmp_path / "runs" / branch).mkdir(parents=True)
        shutil.copy(SAMPLES / f"{sample}.har", tmp_path / "runs" / branch / f"{sample}.har")
    shutil.copy(SAMPLES / "poll-list.har", tmp_path / "runs" / "odd.har")
    return tmp_path / "runs"


def test_a_plan_has_a_job_per_capture_with_its_path_labels(runs: Path, tmp_path: Path) -> None:
    template = PathTemplate.parse("{branch}/{test}.har")
    plan = plan_batch(Batch(inputs=(str(runs),), dataset=tmp_path / "fleet", template=template, workers=1))
    assert [(Path(j.path).name, dict(j.path_labels)) for j in plan.jobs] == [
        ("list-watch-healthy.har", {"branch": "dev", "test": "list-watch-healthy"}),
        ("poll-list.har", {"branch": "main", "test": "poll-list"}),
        ("odd.har", {"branch": "runs", "test": "odd"}),
    ]
    assert plan.warnings == []
    assert {j.options.dataset for j in plan.jobs} == {str((tmp_path / "fleet").absolute())}
    assert (tmp_path / "fleet" / "_dataset.json").exists()


def test_a_path_the_template_does_not_match_is_a_warning(runs: Path, tmp_path: Path) -> None:
    template = PathTemplate.parse("ci/{run}/{test}.har")
    plan = plan_batch(Batch(inputs=(str(runs / "main"),), dataset=tmp_path / "fleet", template=template))
    assert plan.jobs[0].path_labels == ()
    assert plan.warnings == [f"{runs}/main/poll-list.har: does not match --label-from-path "
                             "'ci/{run}/{test}.har': no labels from its path"]  # fmt: skip


@pytest.mark.parametrize(
    ("batch", "message"),
    [
        pytest.param({"executor": "dask"}, "--executor dask needs --scheduler", id="dask-without-scheduler"),
        pytest.param({"scheduler": "tcp://h:1"}, "--scheduler goes with --executor dask", id="scheduler-alone"),
        pytest.param({"executor": "ray"}, "unknown executor 'ray'", id="unknown-executor"),
        pytest.param({"inputs": ("nothing/",)}, "nothing/: no capture matched", id="no-capture"),
    ],
)
def test_a_batch_that_cannot_run_is_refused_before_the_dataset_is_made(
    runs: Path, tmp_path: Path, batch: dict[str, object], message: str
) -> None:
    fields: dict[str, object] = {"inputs": (str(runs),), "dataset": tmp_path / "fleet", **batch}
    with pytest.raises(ConfigError, match=message):
        plan_batch(Batch(**fields))  # type: ignore[arg-type]
    assert not (tmp_path / "fleet").exists()


def test_a_batch_runs_and_counts(runs: Path, tmp_path: Path) -> None:
    (runs / "broken.har").write_text("{")
    heard: list[Outcome] = []
    tally = run_batch(Batch(inputs=(str(runs),), dataset=tmp_path / "fleet", workers=2), on_outcome=heard.append)
    # odd.har is poll-list.har again: the same capture, counted once (skipped, or analysed at the same time)
    assert (tally.total, tally.analyzed, tally.skipped, tally.failed) == (4, 2, 1, 1)
    assert len(heard) == 4 and [o.path for o in heard if o.status == "failed"] == [f"{runs}/broken.har"]
    assert len(dataset.committed_versions(tmp_path / "fleet")) == 2


def test_the_tally() -> None:
    tally = Tally(total=5)
    for status, capture_id in (("analyzed", "a"), ("analyzed", "a"), ("skipped", "b"), ("failed", None),
                               ("failed", "c")):  # fmt: skip
        tally.count(Outcome("x.har", status, capture_id))  # type: ignore[arg-type]
    assert (tally.analyzed, tally.skipped, tally.failed) == (1, 2, 2) and tally.seconds >= 0
