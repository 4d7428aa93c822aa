"""Write a request table (Arrow) as csv, json, jsonl or parquet; the terminal view is in `terminal`."""

from __future__ import annotations

import io
import re
from array import array
from collections.abc import Callable
from typing import BinaryIO

import msgspec
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.buffers import whole_text
from analyzer.redact import REVERSED_SECRET_NAME_PATTERN, URL_SECRET_PATTERNS, may_hold_url_secret
from analyzer.render.text_safety import FORMULA_GUARD, FORMULA_START_PATTERN, FORMULA_STARTS

Writer = Callable[[pa.Table, BinaryIO], None]


# The columns that hold a URL or a part of one: a token may sit in a path segment, so in `path` and in the
# Kubernetes object `name` read from it too.
URL_COLUMNS = ("url", "query", "path", "name")


def redact_table(table: pa.Table) -> pa.Table:
    """The secrets `redact_url` finds, in every column of URL_COLUMNS."""
    for column in URL_COLUMNS:
        if column in table.column_names:
            position = table.column_names.index(column)
            values = table.column(column)
            # The chunks of a compute kernel's result: the same, less the empty ones.
            redacted = pa.chunked_array([_redact(c) for c in values.chunks if len(c)], type=values.type)
            table = table.set_column(position, column, redacted)
    return table


def _redact(strings: pa.Array) -> pa.Array:
    """`replace_substring_regex` with each of URL_SECRET_PATTERNS, run only on the rows they can change."""
    if not _may_hold_secret(strings):
        return strings
    rows = may_hold_url_secret(strings)
    if not pc.any(rows).as_py():
        return strings
    found = strings.filter(rows)
    for pattern, replacement in URL_SECRET_PATTERNS:
        found = pc.replace_substring_regex(found, pattern=pattern, replacement=replacement)
    return pc.replace_with_mask(strings, rows, found)


def _may_hold_secret(strings: pa.Array) -> bool:
    """False when no row has a secret parameter: one search of all the rows' text, reversed (ASCII only)."""
    whole = whole_text(strings)
    if whole is None or not pc.string_is_ascii(whole)[0].as_py():
        return True
    return bool(pc.match_substring_regex(pc.ascii_reverse(whole), REVERSED_SECRET_NAME_PATTERN)[0].as_py())


def write_csv(table: pa.Table, out: BinaryIO) -> None:
    """CSV, with text cells that a spreadsheet would run as a formula guarded (`formula_safe_table`), and lists,
    maps and structs (a query's) as JSON text."""
    import pyarrow.csv as pacsv

    safe = formula_safe_table(_nested_as_json(table))
    pacsv.write_csv(safe.schema.empty_table(), out)  # the header alone
    # A batch at a time: the rows' text is held once more (joined) where Arrow's writer holds none.
    for start in range(0, safe.num_rows, _CSV_BATCH_ROWS):
        batch = safe.slice(start, _CSV_BATCH_ROWS)
        rows = _csv_rows_with_utc_first(batch)
        if rows is None:
            pacsv.write_csv(batch, out, write_options=pacsv.WriteOptions(include_header=False))
        else:
            out.write(rows)


_CSV_BATCH_ROWS = 16_384


def _csv_rows_with_utc_first(table: pa.Table) -> memoryview | None:
    """The rows Arrow's CSV writer writes for a table whose UTC timestamps come first (the request table's
    `started` and `ended`, after `index`), made in a third of its time; None for any other table.

    Arrow formats a UTC timestamp through its time-zone database, some 2.5 us a value (half the time of an
    80,000-request table); a naive one, 20 times faster, differs only by the trailing `Z`. The writer quotes
    every text cell, so the `Z` cannot be given to it in a text column. Instead the leading cells (numbers and
    times, which it writes unquoted as their cast to text) are joined here, and each row's other cells, written
    by Arrow, are appended: those rows are found by their line ends, so a table with a line break in a cell
    (None) is left to Arrow whole.
    """
    utc = [i for i, f in enumerate(table.schema) if pa.types.is_timestamp(f.type) and f.type.tz == "UTC"]
    if not utc or table.num_rows == 0 or not all(_is_plain(table.schema.field(i).type) for i in range(utc[-1] + 1)):
        return None
    lead = [_plain_text(table.column(i).combine_chunks(), in_utc=i in utc) for i in range(utc[-1] + 1)]
    rest = table.select(range(utc[-1] + 1, table.num_columns))
    tails = _csv_lines(rest) if rest.num_columns else pa.repeat(_large("\n"), table.num_rows)  # line ends
    if tails is None:
        return None
    if rest.num_columns:
        lines = pc.binary_join_element_wise(*lead, tails, _large(","), null_handling="replace", null_replacement="")
    else:
        cells = pc.binary_join_element_wise(*lead, _large(","), null_handling="replace", null_replacement="")
        lines = pc.binary_join_element_wise(cells, tails, _large(""))
    del tails  # the other cells' text, as big as the rows: freed before the caller copies the rows
    offsets = memoryview(lines.buffers()[1]).cast("q")  # a large string array's: 64-bit
    start, end = offsets[lines.offset], offsets[lines.offset + len(lines)]
    return memoryview(lines.buffers()[2])[start:end]


def _is_plain(kind: pa.DataType) -> bool:
    """Types Arrow's CSV writer writes unquoted, as their cast to text."""
    return any(is_type(kind) for is_type in _PLAIN_TYPES)


_PLAIN_TYPES = (pa.types.is_integer, pa.types.is_floating, pa.types.is_boolean, pa.types.is_timestamp,
                pa.types.is_date, pa.types.is_time, pa.types.is_duration)  # fmt: skip


def _plain_text(values: pa.Array, *, in_utc: bool) -> pa.Array:
    """`values` as Arrow's CSV writer writes them (nulls stay null); a UTC time as its naive text and `Z`."""
    if not in_utc:
        return pc.cast(values, pa.large_string())
    naive = pc.cast(values.cast(pa.timestamp(values.type.unit)), pa.large_string())
    return pc.binary_join_element_wise(naive, _large("Z"), _large(""))


def _large(text: str) -> pa.Scalar:
    return pa.scalar(text, pa.large_string())


def _csv_lines(table: pa.Table) -> pa.Array | None:
    """Each row of `table` as Arrow's CSV writer writes it, line end included; None when a cell holds a line
    break (a row is then more than one line)."""
    import pyarrow.csv as pacsv

    sink = pa.BufferOutputStream()
    pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(include_header=False))
    data = sink.getvalue()
    offsets = array("q", [0])  # where each line starts, and the end (no numpy: `requests` never imports it)
    offsets.extend(found.end() for found in _LINE_END.finditer(memoryview(data)))
    if len(offsets) != table.num_rows + 1:
        return None
    return pa.Array.from_buffers(pa.large_string(), table.num_rows, [None, pa.py_buffer(offsets), data])


_LINE_END = re.compile(b"\n")


def _nested_as_json(table: pa.Table) -> pa.Table:
    """Each column of lists, maps or structs (which CSV cannot hold) as a column of their JSON text."""
    encoder = _json_encoder()
    for position, field in enumerate(table.schema):
        if pa.types.is_nested(field.type):
            values = table.column(position).to_pylist(maps_as_pydicts="lossy")
            texts = pa.array([None if v is None else encoder.encode(v).decode("utf-8") for v in values], pa.string())
            table = table.set_column(position, pa.field(field.name, pa.string()), texts)
    return table


def formula_safe_table(table: pa.Table) -> pa.Table:
    """Text cells that start like a formula (`=`, `+`, `-`, `@`, tab, CR) get a leading `'`, so that a
    spreadsheet opening the CSV shows them rather than running them; numbers (`-1`) are not text and stay."""
    for position, field in enumerate(table.schema):
        column = table.column(position)
        if pa.types.is_dictionary(field.type) and _is_text(field.type.value_type):
            guarded = pa.chunked_array([_guard_dictionary(c) for c in column.chunks], type=field.type)
        elif _is_text(field.type):
            guarded = _guard_formulas(column)
        else:
            continue
        if guarded is not column:
            table = table.set_column(position, field, guarded)
    return table


def _is_text(kind: pa.DataType) -> bool:
    return bool(pa.types.is_string(kind) or pa.types.is_large_string(kind))


def _guard_formulas(strings: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """`strings` with FORMULA_GUARD before each value that starts like a formula; `strings` itself when none
    does (the usual case: the first characters looked up in a set, 5x faster than a regex over the column)."""
    starts = pc.is_in(pc.utf8_slice_codeunits(strings, 0, 1), value_set=_FORMULA_FIRSTS)
    if not pc.any(starts).as_py():
        return strings
    # RE2's `\0` is the whole match: the guard goes before its first character.
    return pc.replace_substring_regex(strings, pattern=FORMULA_START_PATTERN, replacement=FORMULA_GUARD + "\\0")


_FORMULA_FIRSTS = pa.array(FORMULA_STARTS)


def _guard_dictionary(chunk: pa.DictionaryArray) -> pa.DictionaryArray:
    """A dictionary-encoded chunk guarded through its dictionary (each distinct value once)."""
    dictionary = _guard_formulas(chunk.dictionary)
    if dictionary is chunk.dictionary:
        return chunk
    return pa.DictionaryArray.from_arrays(chunk.indices, dictionary)


def write_parquet(table: pa.Table, out: BinaryIO) -> None:
    """Snappy (Parquet's usual codec: twice as fast to write as zstd, files 1.6x the size); dictionary pages for
    repetitive strings; min/max statistics for numbers and times.

    A dictionary for a column of unique strings (URLs, queries) and string statistics cost a third of the
    write time and give nothing back.
    """
    import pyarrow.parquet as pq

    strings = [f.name for f in table.schema if pa.types.is_string(f.type) or pa.types.is_large_string(f.type)]
    pq.write_table(
        table,
        out,
        compression="snappy",
        use_dictionary=[name for name in strings if name not in _MOSTLY_UNIQUE],
        write_statistics=[f.name for f in table.schema if f.name not in strings],
    )


_MOSTLY_UNIQUE = frozenset({"url", "path", "query", "resource_version", "continue"})


def write_jsonl(table: pa.Table, out: BinaryIO) -> None:
    encoder = _json_encoder()
    for batch in table.to_batches(max_chunksize=8192):
        rows = _rows(batch)
        buffer = bytearray()
        for row in rows:
            encoder.encode_into(row, buffer, len(buffer))
            buffer.extend(b"\n")
        out.write(buffer)


def write_json(table: pa.Table, out: BinaryIO) -> None:
    out.write(b"[")
    encoder = _json_encoder()
    first = True
    for batch in table.to_batches(max_chunksize=8192):
        for row in _rows(batch):
            out.write(b"\n" if first else b",\n")
            out.write(encoder.encode(row))
            first = False
    out.write(b"\n]\n" if not first else b"]\n")


def _json_encoder() -> msgspec.json.Encoder:
    """Decimals (a query's) as JSON numbers, not strings."""
    return msgspec.json.Encoder(decimal_format="number")


def _rows(batch: pa.RecordBatch) -> list[dict[str, object]]:
    """A batch's rows, a map column's values as JSON objects (Arrow gives them as key-value pairs)."""
    rows: list[dict[str, object]] = batch.to_pylist(maps_as_pydicts="lossy")
    return rows


TABLE_WRITERS: dict[str, Writer] = {
    "csv": write_csv,
    "json": write_json,
    "jsonl": write_jsonl,
    "parquet": write_parquet,
}


def render_bytes(table: pa.Table, fmt: str) -> bytes:
    buffer = io.BytesIO()
    TABLE_WRITERS[fmt](table, buffer)
    return buffer.getvalue()
