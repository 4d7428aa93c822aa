"""Reading single values out of pandas rows: missing values (None, NaN, NaT, pd.NA) become None."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd


def is_missing(value: Any) -> bool:
    return value is None or value is pd.NA or value is pd.NaT or (isinstance(value, float) and value != value)


def as_datetime(value: Any) -> datetime | None:
    return None if is_missing(value) else pd.Timestamp(value).to_pydatetime()


def as_text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def as_int(value: Any) -> int | None:
    return None if is_missing(value) else int(value)


def as_float(value: Any) -> float | None:
    return None if is_missing(value) else float(value)


def as_tri_state(value: Any) -> bool | None:
    """True, False, or None where the evidence could not tell."""
    return None if is_missing(value) else bool(value)


# One row of a request frame as a dict, column name -> value: how the few per-row loops that remain read the
# frame (the Arrow/pandas operations do the rest).
Row = dict[str, Any]


def rows_of(frame: pd.DataFrame) -> list[Row]:
    """The rows as dicts, built column by column (much faster than `DataFrame.to_dict("records")`)."""
    columns = list(frame.columns)
    values = [frame[column].tolist() for column in columns]
    return [dict(zip(columns, row, strict=True)) for row in zip(*values, strict=True)]
