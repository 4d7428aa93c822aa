"""Capture text made safe to show: control characters escaped visibly, so that nothing from a HAR file (an
untrusted input) drives the terminal (a window title, the clipboard through OSC 52, a cleared screen, a link).

Rich markup is the other half: the views print capture text as `rich.text.Text` or through a console made with
`markup=False` (`terminal.make_console`), never as markup strings.
"""

from __future__ import annotations

# C0 (but for tab and newline, which `keep_layout` may keep), DEL, C1; and the Unicode controls that reorder
# or hide text (bidirectional embeddings, overrides and isolates, "trojan source").
_CONTROLS = (*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0),
             0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))  # fmt: skip


def _escape(code: int) -> str:
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


_ESCAPES = {code: _escape(code) for code in _CONTROLS}
_ESCAPES_KEEPING_LAYOUT = {code: text for code, text in _ESCAPES.items() if code not in (0x09, 0x0A)}


def safe_text(value: str, *, keep_layout: bool = False) -> str:
    """`value` with every control character written as its escape (ESC as `\\x1b`, C1 CSI as `\\x9b`).

    Args:
        value: text that may come from a capture.
        keep_layout: keep tab and newline as they are (for text whose lines a view lays out itself).

    Returns:
        The text, unchanged when it holds no control character. Backslashes are left as they are: the escapes
        are for a reader, not to be decoded.
    """
    if value.isprintable():  # the common case, no copy (tab and newline are not printable)
        return value
    return value.translate(_ESCAPES_KEEPING_LAYOUT if keep_layout else _ESCAPES)


def safe_optional(value: str | None) -> str:
    """`safe_text` of a value that may be missing ("" then)."""
    return "" if value is None else safe_text(value)


# What a spreadsheet runs as a formula when a CSV cell starts with it (OWASP "CSV injection"); tab and carriage
# return are in the list because some spreadsheets drop them and read what follows. RE2 and `re` syntax both.
FORMULA_START_PATTERN = "^[=+\\-@\t\r]"
FORMULA_GUARD = "'"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def formula_safe(cell: str) -> str:
    """A text cell of a CSV file that no spreadsheet runs as a formula: `=1+1` -> `'=1+1`. Only for text cells:
    a number such as `-1` must stay as it is (`tables.write_csv` does the same to whole columns)."""
    return FORMULA_GUARD + cell if cell.startswith(FORMULA_STARTS) else cell
