"""Where output goes: report folder names from a capture's name, symbolic links, the report marker, `-o FILE`
written whole or not at all, and CSV cells that a spreadsheet would run."""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow as pa
import pytest
from click.testing import CliRunner

from analyzer.cli import cli
from analyzer.cli.report import REPORT_MARKER, default_folder, write_folder
from analyzer.render.folder import REPORT_FILES
from analyzer.render.tables import render_bytes
from tests.factories import document, har_bytes, request
from tests.hostile import SAMPLES

SAMPLE = SAMPLES / "detail-watch-then-poll.har"


def _report(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["report", *args, "--format", "none"])
    return result.exit_code, result.output


@pytest.mark.parametrize(
    ("capture", "folder"),
    [
        pytest.param("...har", "reports/capture", id="dots-then-har"),
        pytest.param("..har.gz", "reports/capture", id="dot-dot-har-gz"),
        pytest.param("x/..har", "reports/capture", id="dot-har-in-a-folder"),
        pytest.param("....", "reports/capture", id="only-dots"),
        pytest.param(".har", "reports/.har", id="hidden-name-stays-one-folder"),
        pytest.param("a\\..\\b.har", "reports/a_.._b", id="backslashes"),
        pytest.param("t\x1b]0;x\x07.har", "reports/t_]0;x_", id="control-characters"),
        pytest.param(" .har", "reports/capture", id="blank"),
    ],
)
def test_default_folder_is_one_folder_inside_reports(capture: str, folder: str) -> None:
    path = default_folder(capture)
    assert path == Path(folder)
    assert path.parent == Path("reports") and path.name not in ("", ".", "..")


@pytest.mark.parametrize("name", ["...har", "..har.gz"])
def test_a_dotted_capture_name_writes_neither_here_nor_into_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    data = SAMPLE.read_bytes()
    if name.endswith(".gz"):
        import gzip

        data = gzip.compress(data)
    (tmp_path / name).write_bytes(data)
    (tmp_path / "reports").mkdir()
    monkeypatch.chdir(tmp_path)
    code, output = _report(name)
    assert code == 0, output
    assert not (tmp_path / "index.html").exists() and not (tmp_path / "reports" / "index.html").exists()
    assert (tmp_path / "reports" / "capture" / "index.html").is_file()


def test_a_symlink_in_the_output_folder_is_replaced_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "precious.html"
    outside.write_text("keep me", encoding="utf-8")
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / "index.html").symlink_to(outside)
    code, output = _report(str(SAMPLE), "-o", str(folder))
    assert code == 0, output
    assert outside.read_text(encoding="utf-8") == "keep me"
    assert not (folder / "index.html").is_symlink() and (folder / "index.html").stat().st_size > 1000


def test_an_output_folder_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    code, output = _report(str(SAMPLE), "-o", str(tmp_path / "link"))
    assert code == 2 and "symbolic link" in output and len(output.strip().splitlines()) == 1
    assert list((tmp_path / "real").iterdir()) == []


def test_a_folder_of_the_users_keeps_its_other_files(tmp_path: Path) -> None:
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    code, output = _report(str(SAMPLE), "-o", str(folder))
    assert code == 0, output
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
    assert not (folder / REPORT_MARKER).exists()  # still the user's folder, never replaced whole
    assert {p.name for p in folder.iterdir()} == {"notes.txt", *REPORT_FILES}


def test_a_report_folder_is_replaced_whole(tmp_path: Path) -> None:
    folder = tmp_path / "report"
    write_folder(folder, {"index.html": b"old", "stale.csv": b"old"})
    assert (folder / REPORT_MARKER).is_file()
    outside = tmp_path / "outside.txt"
    outside.write_text("keep me", encoding="utf-8")
    (folder / "link").symlink_to(outside)
    write_folder(folder, {"index.html": b"new"})
    assert {p.name for p in folder.iterdir()} == {"index.html", REPORT_MARKER}
    assert (folder / "index.html").read_bytes() == b"new"
    assert outside.read_text(encoding="utf-8") == "keep me"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary left


@pytest.mark.parametrize("fmt", ["json", "table", "markdown"])
def test_output_file_is_written_through_a_temporary_and_renamed(tmp_path: Path, fmt: str) -> None:
    target = tmp_path / "analysis.out"
    target.write_text("old", encoding="utf-8")
    os.link(target, tmp_path / "hard-link")  # a rename leaves the old inode (and this link) as it was
    result = CliRunner().invoke(cli, ["analyze", str(SAMPLE), "--format", fmt, "-o", str(target)])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "hard-link").read_text(encoding="utf-8") == "old"
    assert target.read_text(encoding="utf-8") != "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["analysis.out", "hard-link"]


def test_output_file_that_is_a_symlink_is_refused(tmp_path: Path) -> None:
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me", encoding="utf-8")
    (tmp_path / "out.json").symlink_to(outside)
    for command in (["analyze", str(SAMPLE), "--format", "json"], ["requests", str(SAMPLE), "--format", "csv"]):
        result = CliRunner().invoke(cli, [*command, "-o", str(tmp_path / "out.json")])
        assert result.exit_code == 2 and "symbolic link" in result.output, result.output
        assert outside.read_text(encoding="utf-8") == "keep me"


def test_output_to_a_device_is_written_in_place(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["analyze", str(SAMPLE), "--format", "json", "-o", os.devnull])
    assert result.exit_code == 0, result.output


def test_a_failed_write_leaves_the_old_file(tmp_path: Path) -> None:
    target = tmp_path / "requests.csv"
    target.write_text("old", encoding="utf-8")
    result = CliRunner().invoke(cli, ["requests", str(tmp_path / "missing.har"), "--format", "csv", "-o", str(target)])
    assert result.exit_code == 2
    assert target.read_text(encoding="utf-8") == "old"


def test_csv_text_cells_that_start_a_formula_get_a_quote_numbers_do_not() -> None:
    table = pa.table({"method": ["=1+1", "GET", None, "-x", "@a", "+b"], "status": [-1, 200, 0, 1, 2, 3],
                      "path": pa.array(["/a", "\t=x", "/b", "/c", "/d", "/e"], pa.large_string()),
                      "host": pa.array(["=h", "h", "h", "h", "h", "h"]).dictionary_encode()})  # fmt: skip
    lines = render_bytes(table, "csv").decode().splitlines()
    assert lines[1:] == ['"\'=1+1",-1,"/a","\'=h"', '"GET",200,"\'\t=x","h"', ',0,"/b","h"',
                         '"\'-x",1,"/c","h"', '"\'@a",2,"/d","h"', '"\'+b",3,"/e","h"']  # fmt: skip


def test_csv_outputs_of_the_commands_guard_formulas(tmp_path: Path) -> None:
    hostile = tmp_path / "formula.har"
    entries = [document("https://k8s.example/console/", 0.0), request("https://k8s.example/api/v1/pods", 1.0)]
    entries[1]["request"]["method"] = '=HYPERLINK("https://evil")'
    hostile.write_bytes(har_bytes(entries))
    result = CliRunner().invoke(cli, ["requests", str(hostile), "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert "'=HYPERLINK" in result.stdout and '\n"=' not in result.stdout and ',"=' not in result.stdout
    code, output = _report(str(hostile), "-o", str(tmp_path / "report"))
    assert code == 0, output
    assert "'=HYPERLINK" in (tmp_path / "report" / "requests.csv").read_text(encoding="utf-8")


def test_traffic_csv_guards_text_not_numbers(tmp_path: Path) -> None:
    hostile = tmp_path / "formula.har"
    hostile.write_bytes(har_bytes([document("https://k8s.example/console/", 0.0, pageref="=cmd")]))
    result = CliRunner().invoke(cli, ["navigations", str(hostile), "--format", "csv"])
    assert result.exit_code == 0, result.output
    header, row = result.stdout.splitlines()[:2]
    assert header == "index,started,url,trigger,document,page_ref,requests"
    assert row.startswith(("0,", "1,")) and ",'=cmd," in row
