"""`har-analyzer report`: the folder it writes, what it prints, its exit codes, and secrets."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import jsonschema
import pandas as pd
import pytest

from analyzer.cli.report import REPORT_MARKER, default_folder
from analyzer.render.folder import REPORT_FILES
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
