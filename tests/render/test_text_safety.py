"""`safe_text` and `formula_safe`: capture text that cannot drive a terminal nor run in a spreadsheet."""

from __future__ import annotations

import io

import pytest
from rich.text import Text

from analyzer.render.terminal import make_console
from analyzer.render.text_safety import formula_safe, safe_optional, safe_text


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param("plain/path?a=1", "plain/path?a=1", id="plain-unchanged"),
        pytest.param("[bold]x[/bold]", "[bold]x[/bold]", id="markup-is-text"),
        pytest.param("[link=https://evil]x[/link]", "[link=https://evil]x[/link]", id="link-markup-is-text"),
        pytest.param("a\x1b[2Jb", "a\\x1b[2Jb", id="csi-clear-screen"),
        pytest.param("\x1b]0;pwned\x07", "\\x1b]0;pwned\\x07", id="osc-window-title"),
        pytest.param("\x1b]52;c;ZXZpbA==\x07", "\\x1b]52;c;ZXZpbA==\\x07", id="osc-52-clipboard"),
        pytest.param(
            "\x1b]8;;https://evil\x1b\\x\x1b]8;;\x1b\\",
            "\\x1b]8;;https://evil\\x1b\\x\\x1b]8;;\\x1b\\",
            id="osc-8-link",
        ),
        pytest.param("a\x9b31mb", "a\\x9b31mb", id="c1-csi"),
        pytest.param("a\x9d0;t\x9c", "a\\x9d0;t\\x9c", id="c1-osc-st"),
        pytest.param("a\x7fb", "a\\x7fb", id="del"),
        pytest.param("\x00\x08\r", "\\x00\\x08\\x0d", id="nul-backspace-cr"),
        pytest.param("a\tb\nc", "a\\x09b\\x0ac", id="tab-newline-escaped"),
        pytest.param("evil\u202etxt.exe", "evil\\u202etxt.exe", id="bidi-override"),
        pytest.param("ünïcødé ✓ 日本", "ünïcødé ✓ 日本", id="printable-unicode-unchanged"),
    ],
)
def test_safe_text(value: str, shown: str) -> None:
    assert safe_text(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param("a\tb\nc", "a\tb\nc", id="layout-kept"),
        pytest.param("a\x1b]0;x\x07\n", "a\\x1b]0;x\\x07\n", id="escapes-still-escaped"),
    ],
)
def test_safe_text_keeping_layout(value: str, shown: str) -> None:
    assert safe_text(value, keep_layout=True) == shown


def test_safe_optional() -> None:
    assert safe_optional(None) == "" and safe_optional("\x1b") == "\\x1b"


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        pytest.param("=1+1", "'=1+1", id="equals"),
        pytest.param("+cmd", "'+cmd", id="plus"),
        pytest.param("-2+3", "'-2+3", id="minus"),
        pytest.param("@SUM(A1)", "'@SUM(A1)", id="at"),
        pytest.param("\t=1", "'\t=1", id="tab"),
        pytest.param("\r=1", "'\r=1", id="carriage-return"),
        pytest.param("a=1", "a=1", id="not-first"),
        pytest.param("", "", id="empty"),
    ],
)
def test_formula_safe(cell: str, written: str) -> None:
    assert formula_safe(cell) == written


@pytest.mark.parametrize("color", [False, True], ids=["plain", "color"])
def test_console_prints_markup_as_text_and_escapes_what_a_view_missed(color: bool) -> None:
    out = io.StringIO()
    console = make_console(out, color=color, width=200)
    console.print("[bold]x[/bold] [link=https://evil]y[/link] :smile:")
    console.print(Text("title\x1b]0;pwned\x07 clip\x1b]52;c;eA==\x07"))
    shown = out.getvalue()
    assert "[bold]x[/bold] [link=https://evil]y[/link] :smile:" in shown
    assert "title\\x1b]0;pwned clip\\x1b]52;c;eA==" in shown  # rich drops BEL itself
    assert "\x1b]" not in shown and "\x07" not in shown
