"""One capture's job: read, skip when the dataset has it, analyse, write; a capture's fault is its error row."""

from __future__ import annotations

import gzip
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from analyzer.fleet import dataset
from analyzer.fleet.job import Job, Options, failed_outcome, run_job
from analyzer.settings import Settings
from tests.factories import GET_URL, WATCH_URL, har_bytes, make_entry

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SAMPLE = SAMPLES / "detail-watch-then-poll.har"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    root = tmp_path / "fleet"
    dataset.prepare(root, "1.0")
    return root


def _job(root: Path, location: Path | str, path: str = "capture.har", **options: object) -> Job:
    return Job(path, str(location), replace(Options(dataset=str(root), version="1.0"), **options))  # type: ignore[arg-type]


def test_a_capture_is_analysed_once_then_skipped(root: Path) -> None:
    first = run_job(_job(root, SAMPLE, "samples/x.har"))
    assert (first.status, first.error, first.path) == ("analyzed", None, "samples/x.har")
    assert first.capture_id is not None and dataset.is_committed(root, first.capture_id, "1.0")
    row = dataset.read_table(root, "captures").to_pylist()[0]
    assert (row["path"], row["entries"], row["error"], row["capture_id"]) == ("samples/x.har", 13, None,
                                                                              first.capture_id)  # fmt: skip
    assert dataset.read_table(root, "resources").num_rows == 4
    assert run_job(_job(root, SAMPLE)).status == "skipped"
    again = run_job(_job(root, SAMPLE, rerun=True))
    assert again.status == "analyzed" and again.capture_id == first.capture_id
    assert dataset.read_table(root, "captures").column("path").to_pylist() == ["capture.har"]


def test_the_same_content_in_another_container_is_the_same_capture(root: Path, tmp_path: Path) -> None:
    packed = tmp_path / "x.har.gz"
    packed.write_bytes(gzip.compress(SAMPLE.read_bytes()))
    assert run_job(_job(root, SAMPLE)).status == "analyzed"
    assert run_job(_job(root, packed)).status == "skipped"


def test_a_capture_analysed_by_another_version_is_analysed_again(root: Path) -> None:
    old = run_job(_job(root, SAMPLE, version="0.9"))
    new = run_job(_job(root, SAMPLE, other_versions=("0.9",)))
    assert (old.status, new.status) == ("analyzed", "analyzed")
    assert dataset.versions(root) == {"1.0"}


@pytest.mark.parametrize(
    ("content", "error", "has_id"),
    [
        pytest.param(b"", "broken.har: empty file", False, id="empty"),
        pytest.param(b"hello", "broken.har: not valid JSON", True, id="not-json"),
        pytest.param(b'{"log": {"version": "1.2"}}', "broken.har: not a HAR file: no log.entries", True,
                     id="no-entries"),
    ],
)  # fmt: skip
def test_a_capture_that_cannot_be_read_gets_its_error_row(
    root: Path, tmp_path: Path, content: bytes, error: str, has_id: bool
) -> None:
    broken = tmp_path / "broken.har"
    broken.write_bytes(content)
    outcome = run_job(_job(root, broken, "broken.har", labels=(("team", "web"),)))
    assert outcome.status == "failed" and outcome.error is not None and outcome.error.startswith(error)
    assert (outcome.capture_id is not None) is has_id
    rows = dataset.read_table(root, "captures").to_pylist()
    assert [(r["path"], r["error"], dict(r["labels"])) for r in rows] == [("broken.har", outcome.error,
                                                                          {"team": "web"})]  # fmt: skip
    assert all(dataset.read_table(root, t).num_rows == 0 for t in ("loads", "resources", "streams", "findings"))
    shutil.copy(SAMPLE, broken)  # fixed: its error row goes
    assert run_job(_job(root, broken, "broken.har")).status == "analyzed"
    assert dataset.read_table(root, "captures").column("error").to_pylist() == [None]


def test_strict_refuses_a_damaged_capture(root: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.har"
    cut.write_bytes(SAMPLE.read_bytes()[:20_000])
    assert run_job(_job(root, cut, "cut.har")).status == "analyzed"
    refused = run_job(_job(root, cut, "cut.har", strict=True, rerun=True))
    assert refused.status == "failed" and refused.error is not None and "(--strict)" in refused.error


def test_labels_from_the_path_the_sidecar_and_the_option(root: Path, tmp_path: Path) -> None:
    capture = tmp_path / "a.har"
    shutil.copy(SAMPLE, capture)
    Path(f"{capture}.labels.json").write_text('{"team": "sidecar", "run": "sidecar"}')
    job = replace(_job(root, capture, labels=(("run", "option"),)), path_labels=(("team", "path"), ("os", "path")))
    assert run_job(job).status == "analyzed"
    labels = dict(dataset.read_table(root, "captures").column("labels").to_pylist()[0])
    assert labels == {"os": "path", "team": "sidecar", "run": "option"}


def test_a_bad_sidecar_fails_its_capture(root: Path, tmp_path: Path) -> None:
    capture = tmp_path / "a.har"
    shutil.copy(SAMPLE, capture)
    Path(f"{capture}.labels.json").write_text('{"run": 7}')
    outcome = run_job(_job(root, capture, "runs/a.har"))
    assert outcome.error == "runs/a.har.labels.json: label 'run' is int, not a string (labels are strings)"


def test_written_urls_are_redacted_unless_secrets_are_asked_for(root: Path, tmp_path: Path) -> None:
    capture = tmp_path / "secret.har"
    capture.write_bytes(har_bytes([make_entry(**{"request.url": f"{GET_URL}?access_token=s3cret"}),
                                   make_entry(**{"request.url": WATCH_URL})]))  # fmt: skip
    run_job(_job(root, capture, with_requests=True))
    urls = dataset.read_table(root, "requests").column("url").to_pylist()
    assert "s3cret" not in str(urls) and "access_token=REDACTED" in str(urls)
    run_job(_job(root, capture, with_requests=True, show_secrets=True, rerun=True))
    assert "access_token=s3cret" in str(dataset.read_table(root, "requests").column("url").to_pylist())
    assert dataset.read_table(root, "captures").column("redacted").to_pylist() == [False]


def test_settings_reach_the_analysis(root: Path, tmp_path: Path) -> None:
    capture = tmp_path / "proxy.har"
    url = "https://console.example.com/my-proxy/prod/api/v1/namespaces/a/pods"
    capture.write_bytes(har_bytes([make_entry(**{"request.url": url})]))
    run_job(_job(root, capture))
    assert dataset.read_table(root, "captures").column("kubernetes_requests").to_pylist() == [0]
    from analyzer.k8s import parse_prefix

    prefixed = Settings(prefixes=(parse_prefix("/my-proxy/{cluster}/"),))
    run_job(_job(root, capture, settings=prefixed, rerun=True))
    assert dataset.read_table(root, "captures").column("kubernetes_requests").to_pylist() == [1]


def test_a_url_is_read_through_fsspec(root: Path) -> None:
    pytest.importorskip("fsspec")
    outcome = run_job(_job(root, f"file://{SAMPLE}", f"file://{SAMPLE}"))
    assert outcome.status == "analyzed"
    missing = run_job(_job(root, f"file://{SAMPLE}.missing", "file:///x.har"))
    assert missing.error == "file:///x.har: no such file"


def test_the_driver_records_a_job_whose_worker_died(root: Path) -> None:
    outcome = failed_outcome(_job(root, "/captures/big.har", "big.har"), "its worker process died")
    assert (outcome.status, outcome.error) == ("failed", "big.har: its worker process died")
    assert dataset.read_table(root, "captures").column("error").to_pylist() == [outcome.error]


def test_a_dataset_that_cannot_be_written_fails_the_capture(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def full(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(dataset, "commit", full)
    monkeypatch.setattr(dataset, "record_error", full)
    outcome = run_job(_job(root, SAMPLE, "x.har"))
    assert outcome.status == "failed"
    assert outcome.error == (f"x.har: cannot write into {root}: No space left on device (and its row could not be "
                             "written: No space left on device)")  # fmt: skip
