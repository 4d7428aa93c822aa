"""Any Arrow table on the terminal (a `query`'s result): its columns as they come, each cell cut to a bounded
length and escaped; the data formats (csv, json, parquet) are `analyzer.render.tables`'."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import pyarrow as pa
from rich.console import Console, JustifyMethod
from rich.table import Table

from analyzer.render.text_safety import cut_text, safe_text
from analyzer.render.timeline import is_bounded
from analyzer.settings import DEFAULT_MAX_TEXT_LENGTH
from analyzer.wording import plural

MAX_ROWS = 2000


def render_result(table: pa.Table, console: Console, *, max_text: int = DEFAULT_MAX_TEXT_LENGTH) -> None:
    """The first MAX_ROWS rows, then the row count. Numbers are right-aligned; null is an empty cell; a map is
    `key=value` pairs, a list its items, both comma-separated."""
    bounded = is_bounded(console)
    view = Table(box=None, pad_edge=False, header_style="bold", show_edge=False)
    for field in table.schema:
        justify: JustifyMethod = "right" if _is_number(field.type) else "left"
        view.add_column(safe_text(field.name), justify=justify, no_wrap=True,
                        overflow="ellipsis" if bounded else "fold")  # fmt: skip
    for row in table.slice(0, MAX_ROWS).to_pylist():
        view.add_row(*(safe_text(cut_text(cell_text(value), max_text)) for value in row.values()))
    console.print(view)
    if table.num_rows > MAX_ROWS:
        console.print(f"... {table.num_rows - MAX_ROWS} more rows: use --format csv, json or parquet for all")
    console.print(plural(table.num_rows, "row"), style="dim")


def cell_text(value: Any) -> str:
    """A value of an Arrow row as one line of text."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ").replace("+00:00", "Z")
    if isinstance(value, date | time | Decimal):
        return str(value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list) and value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        return ", ".join(f"{cell_text(k)}={cell_text(v)}" for k, v in value)  # a map: (key, value) pairs
    if isinstance(value, list | tuple):
        return ", ".join(cell_text(v) for v in value)
    if isinstance(value, Mapping):  # a struct
        return "{" + ", ".join(f"{k}: {cell_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, bytes):
        return value.hex()
    return str(value)


def _is_number(kind: pa.DataType) -> bool:
    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind))
