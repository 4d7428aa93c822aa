"""`har-analyzer analyze`: settings reach the analysis, the views come from one summary."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from analyzer.cli import cli
from tests.hostile import SAMPLES


def _modes(output: str) -> list[str]:
    return [r["mode"] for n in json.loads(output)["navigations"] for r in n["resources"]]


def test_a_setting_from_the_config_file_changes_the_verdict(tmp_path: Path) -> None:
    sample = str(SAMPLES / "poll-list.har")  # four lists, every 5 s
    assert _modes(CliRunner().invoke(cli, ["analyze", sample, "--format", "json"]).stdout) == ["poll"]
    config = tmp_path / "strict.toml"
    config.write_text("poll_min_reads = 5\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "analyze", sample, "--format", "json"])
    assert result.exit_code == 0 and _modes(result.stdout) == ["once"]


def test_an_invalid_config_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("poll_min_reads = 'often'\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "analyze", str(SAMPLES / "poll-list.har")])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [f"Error: {config}: poll_min_reads must be a number, not 'often'"]


def test_every_format_shows_the_same_verdicts() -> None:
    sample = str(SAMPLES / "detail-watch-then-poll.har")
    outputs = {
        fmt: CliRunner().invoke(cli, ["analyze", sample, "--format", fmt]) for fmt in ("table", "json", "markdown")
    }
    assert all(r.exit_code == 0 for r in outputs.values())
    assert _modes(outputs["json"].stdout) == ["watch", "once", "poll", "once"]
    assert "**poll**" in outputs["markdown"].stdout and " poll " in outputs["table"].stdout
