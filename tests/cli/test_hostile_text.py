"""Capture text (creator, browser, URLs, file names) never drives the terminal: no rich markup, no escape
sequence reaches standard output raw, with or without colour."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import cli
from tests.factories import document, har_bytes, request

TITLE = "\x1b]0;pwned\x07"  # OSC 0: sets the terminal window's title
POD = "https://k8s.example/api/v1/namespaces/a/pods/web" + TITLE


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    entries = [
        document("https://k8s.example/console/" + TITLE, 0.0),
        *(request(POD, 1.0 + 5 * i) for i in range(4)),
        request("https://k8s.example/static/\x9b2J\x7f.js", 2.0),
    ]
    path = tmp_path / f"capture{TITLE}.har"
    path.write_bytes(
        har_bytes(entries, creator={"name": "[bold]x[/bold]", "version": "[link=https://evil]1[/link]"},
                  browser={"name": "[link=https://evil]b[/link]\x1b]52;c;ZXZpbA==\x07", "version": "1"})
    )  # fmt: skip
    return path


COMMANDS = [
    pytest.param(["analyze"], id="analyze"),
    pytest.param(["analyze", "--format", "markdown"], id="analyze-markdown"),
    pytest.param(["requests"], id="requests"),
    pytest.param(["navigations"], id="navigations"),
    pytest.param(["connections"], id="connections"),
    pytest.param(["streams"], id="streams"),
    pytest.param(["diff", "{capture}"], id="diff"),
]


def _raw_controls(output: str) -> list[str]:
    """The control characters of `output` other than newline and colour's own SGR sequences (`ESC [ … m`)."""
    import re

    without_colour = re.sub(r"\x1b\[[0-9;]*m", "", output)
    return [c for c in without_colour if c != "\n" and (ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0)]


@pytest.mark.parametrize("color", [[], ["--color"]], ids=["plain", "color"])
@pytest.mark.parametrize("command", COMMANDS)
def test_capture_text_is_shown_escaped(hostile: Path, command: list[str], color: list[str]) -> None:
    name, *rest = command
    args = [name, str(hostile), *(a.replace("{capture}", str(hostile)) for a in rest), *color]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert _raw_controls(result.stdout) == []
    assert "\x1b]" not in result.stdout and "\x9b" not in result.stdout
    if name not in ("connections", "streams"):  # views that name no URL of this capture and no file
        assert "\\x1b]0;pwned" in result.stdout


def test_creator_and_browser_markup_is_text(hostile: Path) -> None:
    for color in ([], ["--color"]):
        result = CliRunner().invoke(cli, ["analyze", str(hostile), *color])
        assert result.exit_code == 0, result.output
        assert "written by [bold]x[/bold] [link=https://evil]1[/link] ([link=https://evil]b[/link]" in result.stdout
        assert "\\x1b]52;c;ZXZpbA==" in result.stdout and "\x1b]8;" not in result.stdout


def test_classify_table_escapes_the_url() -> None:
    result = CliRunner().invoke(cli, ["classify", "--format", "table", "/api/v1/pods/[bold]x[/bold]" + TITLE])
    assert result.exit_code == 0, result.output
    assert "[bold]" in result.stdout and "\\x1b]0;pwned" in result.stdout  # the narrow url column folds
    assert _raw_controls(result.stdout) == []


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_a_literal_escape_is_told_from_a_control_character(tmp_path: Path, fmt: str) -> None:
    """A pod named with the four characters `\\x1b` and one named with ESC must not look the same."""
    literal, control = (
        "https://k8s.example/api/v1/namespaces/a/pods/lit\\x1b",
        "https://k8s.example/api/v1/namespaces/a/pods/esc\x1b",
    )
    entries = [document("https://k8s.example/console/", 0.0),
               *(request(url, 1.0 + 5 * i) for i in range(4) for url in (literal, control))]  # fmt: skip
    path = tmp_path / "escapes.har"
    path.write_bytes(har_bytes(entries))
    result = CliRunner().invoke(cli, ["analyze", str(path), "--format", fmt])
    assert result.exit_code == 0, result.output
    assert "pods/lit\\\\x1b" in result.stdout  # the backslash doubled
    assert "pods/esc\\x1b" in result.stdout and "pods/esc\\\\x1b" not in result.stdout
    assert _raw_controls(result.stdout) == []
