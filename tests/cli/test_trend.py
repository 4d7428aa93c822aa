"""`har-analyzer trend`: on a real dataset whose detail page went from watch to poll at run 4, the printed line
that says so, the axes, the files of `-o DIR` (HTML with the chart's data and no secret, Markdown, JSON), and the
errors."""

from __future__ import annotations

import json
import re
from pathlib import Path

import msgspec
from click.testing import CliRunner

from analyzer.cli import cli
from analyzer.fleet import dataset
from analyzer.fleet.trend import ModeChange, Trend
from analyzer.render.trend_html import ChartData
from tests.fleet.fleets import PAGE, RESOURCE, SECRET

DOCS = Path(__file__).resolve().parents[2] / "docs" / "queries.md"
HEADLINE = f"run 4: {PAGE} reload {RESOURCE} went from watch to poll (run 3: watch)"


def trend(*args: str) -> tuple[int, str, str]:
    """`har-analyzer trend ARGS` in process, 400 columns wide (lines are not wrapped)."""
    result = CliRunner().invoke(cli, ["trend", "--width", "400", *args])
    return result.exit_code, result.stdout, result.stderr


def test_trend_by_run_names_run_4_as_the_first_run_that_polls(fleet: Path) -> None:
    code, out, err = trend(str(fleet), "--by", "run")
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[:4] == [f"{fleet}: 6 captures by run (6 values, numeric order: 1 … 6)", "", "watch → poll:",
                         f"  {HEADLINE}"]  # fmt: skip
    row = next(line for line in lines if line.startswith(PAGE))
    assert row.split() == [PAGE, "reload", RESOURCE, "wwwppp", "mode", "watch", "→", "poll", "at", "run", "4;",
                           "findings", "+watch-replaced-by-polling", "at", "run", "4"]  # fmt: skip
    assert lines[-2:] == ["3 pages and resources did not change (--all shows them)",
                          "note: 1 capture could not be read: left out"]  # fmt: skip


def test_every_page_and_resource_with_all(fleet: Path) -> None:
    code, out, _ = trend(str(fleet), "--by", "run", "--all")
    rows = [line.split()[:4] for line in out.splitlines() if line.startswith(PAGE)]
    assert code == 0 and len(rows) == 4 and rows[0] == [PAGE, "reload", RESOURCE, "wwwppp"]
    assert [PAGE, "initial", RESOURCE, "wwwwww"] in rows and "did not change" not in out


def test_by_start_and_by_a_label_that_is_not_a_number(fleet: Path) -> None:
    code, out, _ = trend(str(fleet))
    assert code == 0 and f"  2026-01-04T10:00:00.000Z: {PAGE} reload {RESOURCE} went from watch to poll" in out
    code, out, _ = trend(str(fleet), "--by", "release")
    assert code == 0 and "6 captures by release (2 values, in order of each value's first capture: v1.9 … v1.10)" in out
    assert f"  release v1.10: {PAGE} reload {RESOURCE} went from watch to poll (release v1.9: watch)" in out


def test_json_is_the_typed_result(fleet: Path) -> None:
    code, out, _ = trend(str(fleet), "--by", "run", "--format", "json")
    result = msgspec.json.decode(out, type=Trend)
    assert code == 0 and result.schema == "har-analyzer/trend/v1" and len(result.series) == 4
    assert [h.change for h in result.headlines] == [ModeChange("4", "3", "watch", "poll")]


def test_the_folder_holds_the_page_the_markdown_and_the_json(fleet: Path, tmp_path: Path) -> None:
    folder = tmp_path / "trend"
    code, out, err = trend(str(fleet), "--by", "run", "-o", str(folder), "--format", "none")
    assert (code, out, err) == (0, "", f"wrote {folder}/ (trend.html, trend.md, trend.json)\n")
    page = (folder / "trend.html").read_text(encoding="utf-8")
    data = msgspec.json.decode(re.search(r'id="trend-data">(.*?)</script>', page, re.S)[1], type=ChartData)  # type: ignore[index]
    assert data.values == ["1", "2", "3", "4", "5", "6"] and data.axis_title == "run"
    assert [(line.x, line.modes) for line in data.lines] == [(data.values, ["watch"] * 3 + ["poll"] * 3)]
    assert data.lines[0].name.startswith(f"{PAGE} reload · ")
    assert data.metric_title.startswith("requests per page load")  # no load of the samples lasts a minute
    assert f"<li>{HEADLINE}</li>" in page and "Content-Security-Policy" in page
    markdown = (folder / "trend.md").read_text(encoding="utf-8")
    assert markdown.startswith(f"## har-analyzer trend: `{fleet}`\n\n6 captures by run")
    assert f"- {HEADLINE.replace('_', chr(92) + '_')}" in markdown
    assert f"| `{PAGE}` | reload | `{RESOURCE}` | watch → poll at run 4 |  | +watch-replaced-by-polling at run 4 |" in (
        markdown)  # fmt: skip
    assert "wwwppp  /console/detail reload" in markdown
    assert json.loads((folder / "trend.json").read_text())["headlines"][0]["change"]["at"] == "4"
    for name in ("trend.html", "trend.md", "trend.json"):
        assert SECRET not in (folder / name).read_text(encoding="utf-8")


def test_markdown_on_standard_output(fleet: Path) -> None:
    code, out, _ = trend(str(fleet), "--by", "run", "--format", "markdown")
    assert code == 0 and out.startswith("## har-analyzer trend:") and "**Watch → poll:**" in out


def test_an_unknown_label_is_one_line_and_exit_2(fleet: Path) -> None:
    code, out, err = trend(str(fleet), "--by", "branch")
    assert (code, out) == (2, "") and err == "Error: no capture has the label 'branch' (labels: release, run, team)\n"


def test_an_empty_dataset_says_so_and_exits_0(tmp_path: Path) -> None:
    dataset.prepare(tmp_path / "fleet", "1.0")
    code, out, _ = trend(str(tmp_path / "fleet"), "--by", "run")
    assert (code, out) == (0, f"{tmp_path / 'fleet'}: no captures with the label 'run'\n")
    code, out, _ = trend(str(tmp_path / "fleet"))
    assert (code, out) == (0, f"{tmp_path / 'fleet'}: no captures\n")


def test_not_a_dataset(tmp_path: Path) -> None:
    code, _, err = trend(str(tmp_path))
    assert code == 2 and err == f"Error: {tmp_path}: not a har-analyzer dataset (no _dataset.json)\n"


def test_the_documented_example_is_current(fleet: Path) -> None:
    found = re.search(r"```console\n\$ har-analyzer trend fleet/ --by run\n(.*?)```", DOCS.read_text(), re.S)
    assert found, "docs/queries.md lacks its `trend fleet/ --by run` example"
    code, out, _ = trend(str(fleet), "--by", "run")
    printed = "\n".join(line.rstrip() for line in out.replace(str(fleet), "fleet").splitlines()) + "\n"
    assert code == 0 and printed == found[1], "update docs/queries.md's example with the command's output"
