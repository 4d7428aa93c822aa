"""`safe_text`, `cut_text` and `formula_safe`: capture text that cannot drive a terminal, pass for an escape,
swell a view, nor run in a spreadsheet."""

from __future__ import annotations

import io

import msgspec
import pytest
from rich.text import Text

from analyzer.render.terminal import make_console
from analyzer.render.text_safety import cut_strings, cut_text, escape_controls, formula_safe, safe_optional, safe_text
from analyzer.settings import DEFAULT_MAX_TEXT_LENGTH, Settings
from analyzer.summary import CaptureInfo, Initiator


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
            "\\x1b]8;;https://evil\\x1b\\\\x\\x1b]8;;\\x1b\\\\",
            id="osc-8-link",
        ),
        pytest.param("a\x9b31mb", "a\\x9b31mb", id="c1-csi"),
        pytest.param("a\x9d0;t\x9c", "a\\x9d0;t\\x9c", id="c1-osc-st"),
        pytest.param("a\x7fb", "a\\x7fb", id="del"),
        pytest.param("\x00\x08\r", "\\x00\\x08\\x0d", id="nul-backspace-cr"),
        pytest.param("a\tb\nc", "a\\x09b\\x0ac", id="tab-newline-escaped"),
        pytest.param("evil\u202etxt.exe", "evil\\u202etxt.exe", id="bidi-override"),
        pytest.param("ünïcødé ✓ 日本", "ünïcødé ✓ 日本", id="printable-unicode-unchanged"),
        # Backslashes are doubled, with or without a control character, so that an escape is never ambiguous.
        pytest.param("/a\\x1b", "/a\\\\x1b", id="literal-escape-text-is-not-an-escape"),
        pytest.param("/a\x1b", "/a\\x1b", id="esc-is-an-escape"),
        pytest.param("\\\x1b", "\\\\\\x1b", id="backslash-then-esc"),
        pytest.param("C:\\Users\\u202e", "C:\\\\Users\\\\u202e", id="windows-path-with-u-escape-text"),
        pytest.param("a\\", "a\\\\", id="trailing-backslash"),
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


def test_safe_text_without_control_or_backslash_is_the_same_object() -> None:
    value = "https://k8s.example/api/v1/pods?watch=1"
    assert safe_text(value) is value


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param("a\\x1b\x1b", "a\\x1b\\x1b", id="backslashes-left-alone"),
        pytest.param("a\tb\nc", "a\tb\nc", id="layout-kept"),
        pytest.param("plain", "plain", id="plain"),
    ],
)
def test_escape_controls(value: str, shown: str) -> None:
    assert escape_controls(value) == shown


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


@pytest.mark.parametrize(
    ("value", "limit", "shown"),
    [
        pytest.param("abc", 3, "abc", id="at-the-limit-unchanged"),
        pytest.param("", 3, "", id="empty"),
        pytest.param("abcd", 3, "abc…[cut 1 characters]", id="one-over"),
        pytest.param("a" * 1_234_567, 2, "aa…[cut 1,234,565 characters]", id="count-with-separators"),
        pytest.param("ab\U0001f600cd", 3, "ab\U0001f600…[cut 2 characters]", id="astral-character-kept-whole"),
        pytest.param("ab\ud83dcd", 3, "ab…[cut 3 characters]", id="lone-high-surrogate-goes-with-the-cut"),
        pytest.param("a\x1bbc", 2, "a\x1b…[cut 2 characters]", id="control-counted-as-one"),
    ],
)
def test_cut_text(value: str, limit: int, shown: str) -> None:
    assert cut_text(value, limit) == shown


def test_cut_then_escape_never_splits_an_escape() -> None:
    assert safe_text(cut_text("a" * 9 + "\x1b" + "b" * 10, 10)) == "a" * 9 + "\\x1b…[cut 10 characters]"


def test_default_limit_is_the_settings_default() -> None:
    assert Settings().max_text_length == DEFAULT_MAX_TEXT_LENGTH == 2_000
    assert cut_text("x" * 2_001) == "x" * 2_000 + "…[cut 1 characters]"


def test_cut_strings_reaches_every_string_and_keeps_what_is_short() -> None:
    from analyzer.summary import CaptureInfo, Initiator

    short = Initiator(type="script", url="https://k8s.example/app.js", line=1, frames=("f (app.js:1)",))
    assert cut_strings(short, 100) is short
    long = Initiator(type="script", url="u" * 30, line=7, frames=("ok", "f" * 30))
    assert cut_strings(long, 10) == Initiator(
        type="script", url="u" * 10 + "…[cut 20 characters]", line=7, frames=("ok", "f" * 10 + "…[cut 20 characters]")
    )
    capture = CaptureInfo("p", "c" * 11, None, None, 1, None, None, False, warnings=("w" * 11,))
    assert cut_strings({"k" * 11: [capture]}, 10) == {
        "k" * 10 + "…[cut 1 characters]": [
            CaptureInfo("p", "c" * 10 + "…[cut 1 characters]", None, None, 1, None, None, False,
                        warnings=("w" * 10 + "…[cut 1 characters]",))
        ]
    }  # fmt: skip


@pytest.mark.parametrize("where", ["url", "frame", "shared-frame", "events-key", "none"])
def test_cut_strings_finds_one_long_string_among_many_structs(where: str) -> None:
    # Many structs are checked a field at a time (`_holds_long_text`): one long value anywhere in them is cut,
    # and where none is long the very same tuple comes back.
    from analyzer.summary import Initiator, WatchLink

    shared = Initiator(type="script", url="a.js", line=1, frames=("f" * 30 if where == "shared-frame" else "f",))
    requests = (
        *(Initiator(type="script", url="u" * (30 if where == "url" and i == 500 else 5), line=i,
                    frames=("g" * (30 if where == "frame" and i == 7 else 5),)) for i in range(1000)),
        shared,
        shared,
    )  # fmt: skip
    links = tuple(
        WatchLink(index=i, started=None, ended=None, ended_by="complete", resource_version="1", timeout_seconds=None,
                  events={("K" * 30 if where == "events-key" and i == 3 else "ADDED"): 1}, last_resource_version=None,
                  first_event=None)
        for i in range(1000)
    )  # fmt: skip
    cut = cut_strings((requests, links), 10)
    if where == "none":
        assert cut[0] is requests and cut[1] is links
        return
    strings = [r.url or "" for r in cut[0]] + [f for r in cut[0] for f in r.frames]
    strings += [k for w in cut[1] for k in (w.events or {})]
    assert max(map(len, strings)) <= 10 + len("…[cut 20 characters]")
    assert sum("…[cut 20 characters]" in s for s in strings) == (2 if where == "shared-frame" else 1)


_LONG = Initiator(type="script", url="u" * 30, line=7, frames=("ok", "f" * 30))
_URL_CUT = msgspec.structs.replace(_LONG, url="u" * 10 + "…[cut 20 characters]")
_FRAMES_CUT = msgspec.structs.replace(_LONG, frames=("ok", "f" * 10 + "…[cut 20 characters]"))
_BOTH_CUT = msgspec.structs.replace(_URL_CUT, frames=_FRAMES_CUT.frames)


@pytest.mark.parametrize(
    ("value", "fields", "shown"),
    [
        pytest.param(_LONG, {Initiator: ("url",)}, _URL_CUT, id="one-field-read"),
        pytest.param(_LONG, {Initiator: ("url", "frames", "line")}, _BOTH_CUT, id="every-text-field-read"),
        pytest.param(_LONG, {CaptureInfo: ("path",)}, _BOTH_CUT, id="another-type-named"),
        pytest.param((_LONG,) * 3, {Initiator: ("frames",)}, (_FRAMES_CUT,) * 3, id="many-structs"),
        pytest.param([{"k": _LONG}], {Initiator: ("url",)}, [{"k": _URL_CUT}], id="nested"),
    ],
)
def test_cut_strings_cuts_only_the_fields_a_view_reads(
    value: object, fields: dict[type, tuple[str, ...]], shown: object
) -> None:
    assert cut_strings(value, 10, fields=fields) == shown


@pytest.mark.parametrize("value", [_LONG, (_LONG,) * 1000, [{"k": _LONG}]], ids=["struct", "structs", "nested"])
def test_cut_strings_leaves_what_no_read_field_holds_as_it_is(value: object) -> None:
    assert cut_strings(value, 10, fields={Initiator: ("line",)}) is value
