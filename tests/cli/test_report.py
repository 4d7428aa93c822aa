"""`har-analyzer report`: the folder it writes, what it prints, its exit codes, and secrets."""

from __future__ import annotations

import errno
import json
import shutil
import threading
from pathlib import Path
from typing import Any, BinaryIO
from unittest.mock import ANY

import jsonschema
import pandas as pd
import pytest

from analyzer.cli.report import REPORT_MARKER, default_folder
from analyzer.render.folder import ARROW_FILES, REPORT_FILES
from analyzer.render.json import schema_text
from tests.cli.conftest import invoke
from tests.hostile import SAMPLES, SECRETS

SAMPLE = SAMPLES / "detail-watch-then-poll.har"


def test_writes_every_file_into_the_folder(tmp_path: Path) -> None:
    result = invoke([str(SAMPLE), "-o", str(tmp_path / "out"), "--format", "none"])
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr.startswith(f"wrote {tmp_path / 'out'}/ (index.html ")
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted([*REPORT_FILES, REPORT_MARKER])
    analysis = json.loads((tmp_path / "out" / "analysis.json").read_text(encoding="utf-8"))
    jsonschema.validate(analysis, json.loads(schema_text()))
    table = pd.read_parquet(tmp_path / "out" / "requests.parquet")
    assert list(table["index"]) == list(range(analysis["capture"]["entries"]))
    assert {"navigation", "connection", "stream", "long_lived", "ended_by", "verb"} <= set(table.columns)
    assert len(pd.read_csv(tmp_path / "out" / "requests.csv")) == len(table)
    assert (tmp_path / "out" / "summary.md").read_text(encoding="utf-8").startswith("## har-analyzer: ")


def test_default_folder_is_reports_slash_capture_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(SAMPLE, tmp_path / "capture.har")
    monkeypatch.chdir(tmp_path)
    assert invoke(["capture.har", "--format", "none"]).exit_code == 0
    assert (tmp_path / "reports" / "capture" / "index.html").is_file()


@pytest.mark.parametrize(
    ("capture", "folder"),
    [
        pytest.param("samples/poll-list.har", "reports/poll-list", id="har"),
        pytest.param("/x/capture.har.gz", "reports/capture", id="gzip"),
        pytest.param("trace.zip", "reports/trace", id="playwright-zip"),
        pytest.param("dump.json", "reports/dump", id="json"),
        pytest.param("-", "reports/stdin", id="stdin"),
        pytest.param(".har", "reports/.har", id="nothing-left"),
    ],
)
def test_default_folder(capture: str, folder: str) -> None:
    assert default_folder(capture) == Path(folder)


@pytest.mark.parametrize("fmt", ["markdown", "json"])
def test_prints_the_summary_it_wrote(tmp_path: Path, fmt: str) -> None:
    result = invoke([str(SAMPLE), "-o", str(tmp_path), "--format", fmt])
    written = "summary.md" if fmt == "markdown" else "analysis.json"
    assert result.exit_code == 0 and result.stdout == (tmp_path / written).read_text(encoding="utf-8")


def test_terminal_view_is_plain_when_piped_and_coloured_on_request(tmp_path: Path) -> None:
    plain = invoke([str(SAMPLE), "-o", str(tmp_path)])
    assert plain.exit_code == 0 and "watch-replaced-by-polling" in plain.stdout and "\x1b[" not in plain.stdout
    coloured = invoke([str(SAMPLE), "-o", str(tmp_path), "--color"])
    assert "\x1b[" in coloured.stdout
    assert "\x1b[" not in invoke([str(SAMPLE), "-o", str(tmp_path)], env={"NO_COLOR": "1"}).stdout


@pytest.mark.parametrize(("fail_on", "code"), [("error", 1), ("info", 1)])
def test_fail_on_exits_1_after_writing(tmp_path: Path, fail_on: str, code: int) -> None:
    result = invoke([str(SAMPLE), "-o", str(tmp_path), "--format", "none", "--fail-on", fail_on])
    assert result.exit_code == code and (tmp_path / "index.html").is_file()


def test_fail_on_passes_a_healthy_capture(tmp_path: Path) -> None:
    result = invoke([str(SAMPLES / "list-watch-healthy.har"), "-o", str(tmp_path), "--format", "none",
                     "--fail-on", "error"])  # fmt: skip
    assert result.exit_code == 0


def test_unreadable_capture_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "bad.har").write_text('{"creator": 1}', encoding="utf-8")
    result = invoke([str(tmp_path / "bad.har"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "bad.har" in result.stderr and not (tmp_path / "out").exists()


def test_unwritable_folder_is_one_line_and_exit_2(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("a file", encoding="utf-8")
    result = invoke([str(SAMPLE), "-o", str(tmp_path / "taken" / "out"), "--format", "none"])
    assert result.exit_code == 2 and "cannot write" in result.stderr


def test_no_secret_in_any_output(hostile_capture: Path, tmp_path: Path) -> None:
    result = invoke([str(hostile_capture), "-o", str(tmp_path / "out")])
    assert result.exit_code == 0
    outputs = {p.name: p.read_bytes() for p in (tmp_path / "out").iterdir()}
    outputs["stdout"] = result.stdout.encode()
    for name, data in outputs.items():
        for secret in SECRETS:
            assert secret.encode() not in data, f"{secret} in {name}"
    shown = invoke([str(hostile_capture), "-o", str(tmp_path / "shown"), "--show-secrets"])
    assert b"SECRET-QUERY-1" in (tmp_path / "shown" / "requests.csv").read_bytes()
    assert b"SECRET-BEARER-2" in (tmp_path / "shown" / "index.html").read_bytes()
    assert shown.exit_code == 0


def test_help_has_examples() -> None:
    result = invoke(["--help"])
    assert result.exit_code == 0 and "Examples:" in result.stdout and "har-analyzer report capture.har" in result.stdout
    for option in ("--prefix", "--config", "--show-secrets", "--color", "--format", "--output", "--fail-on"):
        assert option in result.stdout


HUGE = 5_000_000  # characters of one capture string: each view must show 2,000 of them and say how many it cut


def _cli(args: list[str]) -> Any:
    """Any command, in process (`invoke` runs `report`)."""
    from click.testing import CliRunner

    from analyzer.cli import cli

    return CliRunner().invoke(cli, args)


@pytest.fixture
def huge_capture(tmp_path: Path) -> Path:
    """A polled pod whose name, the writer's name and a plain URL are 5 MB each."""
    from tests.factories import document, har_bytes, request

    big = "a" * HUGE
    pod = "https://k8s.example/api/v1/namespaces/a/pods/web" + big
    entries = [document("https://k8s.example/console/", 0.0),
               *(request(pod, 1.0 + 5 * i) for i in range(4)),
               request("https://k8s.example/static/app.js?v=" + big, 2.0)]  # fmt: skip
    path = tmp_path / "huge.har"
    path.write_bytes(har_bytes(entries, creator={"name": big, "version": "1"}))
    return path


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_views_of_a_huge_string_are_bounded_with_a_marked_cut(huge_capture: Path, fmt: str) -> None:
    result = _cli(["analyze", str(huge_capture), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert len(result.stdout) < 50_000
    assert "cut 4,998,000 characters" in result.stdout  # the writer's name (Markdown escapes the brackets)
    assert "…[cut 4,998,020 characters]" in result.stdout  # the resource key `-/core/v1/a/pods/webaaa…`


def test_data_formats_keep_the_whole_string(huge_capture: Path, tmp_path: Path) -> None:
    result = _cli(["analyze", str(huge_capture), "--format", "json"])
    assert result.exit_code == 0, result.output
    analysis = json.loads(result.stdout)
    assert analysis["capture"]["creator"] == "a" * HUGE and "[cut " not in result.stdout
    table = _cli(["requests", str(huge_capture), "--format", "csv"])
    assert table.exit_code == 0 and "v=" + "a" * HUGE in table.stdout and "[cut " not in table.stdout


def test_report_page_is_bounded_and_its_data_formats_whole(huge_capture: Path, tmp_path: Path) -> None:
    folder = tmp_path / "report"
    result = invoke([str(huge_capture), "-o", str(folder), "--format", "none"])
    assert result.exit_code == 0, result.output
    page = (folder / "index.html").read_text(encoding="utf-8")
    assert len(page.encode()) < 5_500_000  # Plotly's 4.6 MB and the page's own: no 5 MB string, embedded or shown
    assert "a" * 2_001 not in page and "…[cut 4,998,000 characters]" in page
    assert "cut 4,998,000 characters" in (folder / "summary.md").read_text(encoding="utf-8")
    assert json.loads((folder / "analysis.json").read_bytes())["capture"]["creator"] == "a" * HUGE
    assert pd.read_parquet(folder / "requests.parquet")["url"].str.len().max() > HUGE


def test_max_text_length_is_settable(huge_capture: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HAR_ANALYZER_MAX_TEXT_LENGTH", "100")
    result = _cli(["analyze", str(huge_capture), "--format", "markdown"])
    assert result.exit_code == 0, result.output
    assert "cut 4,999,900 characters" in result.stdout and "a" * 101 not in result.stdout


def _sample_files() -> Any:
    from analyzer.analysis.analyze import analyze
    from analyzer.har.loader import load_capture
    from analyzer.render.folder import build_report

    return build_report(analyze(load_capture(SAMPLE))).files


def _contents(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in folder.iterdir()}


@pytest.fixture
def two_cpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """`write_folder` sees a second CPU, so that the files of `beside` are written by a second thread."""
    from analyzer.har import workers

    monkeypatch.setattr(workers, "available_workers", lambda: 2)


@pytest.mark.parametrize("beside", [(), ARROW_FILES], ids=["one-thread", "arrow-beside"])
@pytest.mark.parametrize("mine", [False, True], ids=["report-folder", "users-folder"])
def test_files_written_as_they_are_made_are_the_files_made_whole(
    tmp_path: Path, mine: bool, beside: tuple[str, ...], two_cpus: None
) -> None:
    from analyzer.cli.report import write_folder

    files = _sample_files()
    streamed, whole = tmp_path / "streamed", tmp_path / "whole"
    if mine:
        streamed.mkdir()
        whole.mkdir()
    sizes = write_folder(streamed, files, beside=beside)
    assert list(sizes) == list(REPORT_FILES)
    assert sizes == write_folder(whole, dict(files))  # a dict: each file read whole
    assert _contents(streamed) == _contents(whole)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["streamed", "whole"]  # no temporary left


class _FailingFiles(dict[str, bytes]):
    """Report files of which `failing` stops half-way, as a full disk would stop it."""

    def __init__(self, files: dict[str, bytes], failing: str) -> None:
        super().__init__(files)
        self.failing = failing

    def write_to(self, name: str, out: BinaryIO) -> None:
        out.write(self[name][:100])
        if name == self.failing:
            raise OSError(errno.ENOSPC, "No space left on device", f"/disk/{name}")
        out.write(self[name][100:])


@pytest.mark.parametrize("beside", [(), ARROW_FILES], ids=["one-thread", "arrow-beside"])
@pytest.mark.parametrize("failing", REPORT_FILES)
def test_a_write_that_fails_is_one_line_and_the_old_report_stays(
    tmp_path: Path, failing: str, beside: tuple[str, ...], two_cpus: None
) -> None:
    from analyzer.cli.report import write_folder
    from analyzer.errors import AnalyzerError

    files = _FailingFiles(dict(_sample_files()), failing)
    write_folder(tmp_path / "out", {"index.html": b"old"})
    with pytest.raises(AnalyzerError, match=f"^/disk/{failing}: cannot write: No space left on device$"):
        write_folder(tmp_path / "out", files, beside=beside)
    assert _contents(tmp_path / "out") == {"index.html": b"old", REPORT_MARKER: ANY}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]  # no temporary left


def test_the_memory_a_file_freed_is_handed_back_before_the_next(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analyzer import heap
    from analyzer.cli.report import write_folder

    steps: list[str] = []

    class Recorded(dict[str, bytes]):
        def write_to(self, name: str, out: BinaryIO) -> None:
            steps.append(name)
            out.write(self[name])

    monkeypatch.setattr(heap, "hand_back", lambda: steps.append("hand back"))
    files = dict(_sample_files())
    assert write_folder(tmp_path / "out", Recorded(files)) == {name: len(data) for name, data in files.items()}
    assert steps == [step for name in REPORT_FILES for step in (name, "hand back")]


def test_arrows_files_are_written_beside_the_others_where_there_is_a_second_cpu(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from analyzer.cli.report import write_folder
    from analyzer.har import workers

    writers: dict[str, str] = {}

    class Recorded(dict[str, bytes]):
        def write_to(self, name: str, out: BinaryIO) -> None:
            writers[name] = threading.current_thread().name
            out.write(self[name])

    files = Recorded(_sample_files())
    for cpus, folder in ((2, "two"), (1, "one")):
        monkeypatch.setattr(workers, "available_workers", lambda cpus=cpus: cpus)
        writers.clear()
        write_folder(tmp_path / folder, files, beside=ARROW_FILES)
        beside = {name for name, thread in writers.items() if thread != threading.main_thread().name}
        assert beside == (set(ARROW_FILES) if cpus > 1 else set())
    assert _contents(tmp_path / "two") == _contents(tmp_path / "one")


def test_the_report_command_writes_arrows_files_beside(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from analyzer.cli import report

    calls: list[object] = []
    write = report.write_folder

    def recorded(*args: Any, **kwargs: Any) -> dict[str, int]:
        calls.append(kwargs.get("beside"))
        return write(*args, **kwargs)

    monkeypatch.setattr(report, "write_folder", recorded)
    assert invoke([str(SAMPLE), "-o", str(tmp_path / "out"), "--format", "none"]).exit_code == 0
    assert calls == [ARROW_FILES]
