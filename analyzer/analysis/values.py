"""Reading values out of pandas rows and columns: missing values (None, NaN, NaT, pd.NA) become None."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


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


# Whole columns as Python lists, for the structs the summary is made of: one conversion per column, not per value.


def texts(column: pd.Series | pa.Array, *, shared: bool = False) -> list[str | None]:
    """`as_text` of every value: a non-empty string, else None. `shared` for a column of few distinct values
    (methods, verbs, connections): equal values are one str object, not one each (a million requests' methods
    were 50 MB of copies of "GET"), and the column is read faster. An Arrow array is read as it is."""
    if isinstance(column, pd.Series) and column.dtype == object:
        return [v if isinstance(v, str) and v else None for v in column.tolist()]
    array = column if isinstance(column, pa.Array) else pa.array(column, from_pandas=True)
    return [v or None for v in (shared_values(array) if shared else array.to_pylist())]


def take(array: pa.Array | pa.ChunkedArray, positions: npt.NDArray[np.int64]) -> pa.Array:
    """`array.take(positions)`, the rows of a chunked array taken chunk by chunk: Arrow's take over a chunked
    text column costs about the whole column each time (18 ms for a tenth of 200,000 URLs in 28 chunks, 0.8 ms
    once joined), and a loop of takes over a 1,000,000-entry capture's 114 chunks took 1.75 s."""
    if isinstance(array, pa.Array):
        return array.take(pa.array(positions, type=pa.int64()))
    starts = np.cumsum([0, *(len(chunk) for chunk in array.chunks)])
    chunk_of = np.searchsorted(starts, positions, side="right") - 1
    order = np.argsort(chunk_of, kind="stable")  # the positions grouped by chunk, in their order within each
    bounds = np.searchsorted(chunk_of[order], np.arange(len(array.chunks) + 1))
    parts = [array.chunk(k).take(pa.array(positions[order[bounds[k] : bounds[k + 1]]] - starts[k], type=pa.int64()))
             for k in range(len(array.chunks)) if bounds[k] < bounds[k + 1]]  # fmt: skip
    grouped = pa.concat_arrays(parts) if parts else pa.array([], type=array.type)
    return grouped.take(pa.array(np.argsort(order, kind="stable"), type=pa.int64()))  # back in the asked order


def shared_values(array: pa.Array | pa.ChunkedArray) -> list[Any]:
    """`array.to_pylist()` with one Python object per distinct value, shared by the rows that hold it (None for
    nulls): a column of few distinct values (or of values repeated often: a console's polled URLs) costs one
    object per value, not per row. Values of a scalar type (strings, numbers)."""
    encoded = (array.combine_chunks() if isinstance(array, pa.ChunkedArray) else array).dictionary_encode()
    distinct = np.array([*encoded.dictionary.to_pylist(), None], dtype=object)
    positions = encoded.indices.fill_null(len(distinct) - 1).to_numpy(zero_copy_only=False)
    found: list[Any] = distinct.take(positions).tolist()
    return found


def ints(column: pd.Series) -> list[int | None]:
    """`as_int` of every value (a number column; a fraction is cut towards zero, as `int()` does)."""
    values = pa.array(column.astype("float64") if column.dtype == object else column, from_pandas=True)
    cut: list[int | None] = pc.cast(values, pa.int64(), safe=False).to_pylist()
    return cut


def floats(column: pd.Series) -> list[float | None]:
    found: list[float | None] = pa.array(column.astype("float64"), from_pandas=True).to_pylist()
    return found


def datetimes(column: pd.Series) -> list[datetime | None]:
    """`as_datetime` of every value (a datetime column)."""
    values = pd.to_datetime(column, utc=True)
    return [None if v is pd.NaT else v for v in values.dt.to_pydatetime().tolist()]


def tri_states(column: pd.Series) -> list[bool | None]:
    """True, False or None (missing) of every value, by Arrow (a Python test per value was 5x slower)."""
    try:
        found: list[bool | None] = pa.array(column, from_pandas=True, type=pa.bool_()).to_pylist()
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # values that are no booleans: as Python reads them
        return [None if is_missing(v) else bool(v) for v in column.tolist()]
    return found


# Moments as numpy sees them, for comparisons over whole columns: datetime64[us], naive UTC, NaT where missing.
Moments = npt.NDArray[np.datetime64]


def moments(column: pd.Series) -> Moments:
    """A datetime column as `Moments`."""
    if isinstance(column.dtype, pd.DatetimeTZDtype):  # the request table's: its integers are UTC already
        array: Any = column.array
        found: Moments = array.asi8.view(f"datetime64[{array.unit}]").astype("datetime64[us]")
        return found
    values = pd.to_datetime(column, utc=True)
    return values.dt.tz_localize(None).to_numpy(dtype="datetime64[us]")


def moments_of(values: Sequence[datetime | None]) -> Moments:
    """Datetimes (tz-aware, or None) as `Moments`."""
    values = list(values)
    if all(type(value) is datetime or value is None for value in values):
        # Whole microseconds from the epoch, exactly what pandas makes of them (a naive one taken as UTC), at a
        # fraction of the cost of a Series of objects for the few values most callers have.
        found = [_NAT if v is None else _microseconds(v) for v in values]
        return np.array(found, dtype="int64").view("datetime64[us]")
    return moments(pd.Series(values, dtype="object"))


def _microseconds(value: datetime) -> int:
    return ((value if value.tzinfo else value.replace(tzinfo=UTC)) - _EPOCH) // _MICROSECOND


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_NAT = np.iinfo(np.int64).min  # NaT's integer in a datetime64 array


def start_order(frame: pd.DataFrame) -> npt.NDArray[np.intp]:
    """The positions of `frame`'s rows by (`started`, `index`), rows without a start last: the order of
    `frame.sort_values(["started", "index"])`, without moving the frame."""
    started = moments(frame["started"])
    order: npt.NDArray[np.intp] = np.lexsort(
        (frame["index"].to_numpy(dtype="int64"), started.astype("int64"), np.isnat(started))
    )
    return order


def as_moment(value: datetime) -> np.datetime64:
    """One datetime as an element of `Moments` (a naive one is taken as UTC already)."""
    return np.datetime64(value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value, "us")
