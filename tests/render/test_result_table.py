"""A query's result on the terminal: every kind of cell as one line, cut and escaped, and the row count."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pyarrow as pa
import pytest

from analyzer.render import result_table
from analyzer.render.result_table import cell_text, render_result
from analyzer.render.terminal import make_console


@pytest.mark.parametrize(
    ("value", "text"),
    [
        pytest.param(None, "", id="null"),
        pytest.param(datetime(2026, 1, 4, 10, tzinfo=UTC), "2026-01-04 10:00:00Z", id="utc-time"),
        pytest.param(date(2026, 1, 4), "2026-01-04", id="date"),
        pytest.param(Decimal("1.50"), "1.50", id="decimal"),
        pytest.param(0.1 + 0.2, "0.3", id="float"),
        pytest.param([("run", "4"), ("team", "a")], "run=4, team=a", id="map"),
        pytest.param([1, 2, 3], "1, 2, 3", id="list"),
        pytest.param({"a": 1, "b": None}, "{a: 1, b: }", id="struct"),
        pytest.param(b"\x01\xff", "01ff", id="bytes"),
        pytest.param(True, "True", id="bool"),
    ],
)
def test_cell_text(value: Any, text: str) -> None:
    assert cell_text(value) == text


def test_the_table_cuts_escapes_and_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(result_table, "MAX_ROWS", 2)
    table = pa.table({"n": [1, 22, 333], "text": ["a\x1b[2J", "b" * 50, None]})
    buffer = io.StringIO()
    render_result(table, make_console(buffer, width=100_000), max_text=10)
    assert [line.rstrip() for line in buffer.getvalue().splitlines()] == [
        " n  text",
        " 1  a\\x1b[2J",
        "22  bbbbbbbbbb…[cut 40 characters]",
        "... 1 more rows: use --format csv, json or parquet for all",
        "3 rows",
    ]
