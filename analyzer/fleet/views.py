"""The dataset as SQL: an in-memory DuckDB connection with one view per table over exactly the committed files,
and the one way a user's query is run on it (read-only).

    captures, loads, resources, streams, findings, requests    -- read_parquet([...files], union_by_name = true)

Read-only, twice over:

1. Only a query runs: a SELECT (`WITH`, `FROM`, `VALUES`, `DESCRIBE`, `SUMMARIZE`, `SHOW` included) or an
   EXPLAIN of one; COPY, ATTACH, INSTALL, LOAD, EXPORT, CREATE, INSERT, SET, PRAGMA, CALL and the rest are
   refused before DuckDB runs them (`QueryError`).
2. DuckDB itself may read the dataset's committed files and nothing else: external access is off with those
   files as its only `allowed_paths`, extensions are neither installed nor loaded, Python variables are not
   scanned, and the configuration is locked, so that no statement can undo it. (DuckDB allows writing to an
   allowed path with `COPY ... (USE_TMP_FILE false)`: the first rule is what keeps COPY out.)
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from analyzer.errors import AnalyzerError, InputError
from analyzer.fleet.dataset import table_paths
from analyzer.fleet.tables import SCHEMAS

if TYPE_CHECKING:
    import duckdb

# The statement types a user's query may have (DuckDB's `StatementType` names).
QUERY_STATEMENTS = frozenset({"SELECT", "EXPLAIN"})
# Set before the configuration is locked: no extension is fetched or loaded (the ones a query needs, parquet,
# json and icu, are built in), no Python variable is read as a table, no progress bar is drawn on the terminal,
# and times are shown in UTC, as the dataset stores them.
_SETTINGS = (
    "SET autoinstall_known_extensions = false",
    "SET autoload_known_extensions = false",
    "SET python_enable_replacements = false",
    "SET enable_progress_bar = false",
    "SET TimeZone = 'UTC'",
)


class QueryError(AnalyzerError):
    """A query DuckDB refused, or one that is not a query: `query: <the first line of the reason>`."""


@dataclass(frozen=True)
class TableInfo:
    """A table of the dataset as the views show it."""

    name: str
    files: int  # Parquet files, the schema file included
    columns: tuple[tuple[str, str], ...]  # name, DuckDB type


def open_views(root: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection with a view per table of the dataset at `root`, read-only (module doc).

    Raises:
        ConfigError: `root` is not a dataset, or one of another schema (`analyzer.fleet.dataset.read_manifest`).
        InputError: a file of it cannot be read (`reading`).
    """
    import duckdb

    paths = table_paths(root)
    connection = duckdb.connect(":memory:")
    try:
        with reading(root):
            _lock(connection, [str(path.absolute()) for files in paths.values() for path in files])
            for table, files in paths.items():
                _create_view(connection, table, files)
    except BaseException:
        connection.close()
        raise
    return connection


def _lock(connection: duckdb.DuckDBPyConnection, allowed: list[str]) -> None:
    """The settings, then external access off but for the `allowed` files, and the configuration locked."""
    for setting in _SETTINGS:
        connection.execute(setting)
    connection.execute("SET allowed_paths = ?", [allowed])
    connection.execute("SET enable_external_access = false")
    connection.execute("SET lock_configuration = true")


def _create_view(connection: duckdb.DuckDBPyConnection, table: str, files: list[Path]) -> None:
    if files:
        listed = ", ".join(_literal(str(path.absolute())) for path in files)
        connection.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet([{listed}], union_by_name = true)")
    else:  # a folder without even its schema file (made by hand): the documented columns, no rows
        connection.register(table, SCHEMAS[table].empty_table())


@contextlib.contextmanager
def reading(root: Path) -> Iterator[None]:
    """DuckDB's errors while reading the dataset (a damaged Parquet file) as one line.

    Raises:
        InputError: `<root>: cannot read the dataset: <the first line of DuckDB's message>`.
    """
    import duckdb

    try:
        yield
    except duckdb.Error as exc:
        raise InputError(f"{root}: cannot read the dataset: {first_line(str(exc))}") from None


def run_query(connection: duckdb.DuckDBPyConnection, sql: str) -> pa.Table:
    """The result of one query (module doc) as an Arrow table; integer sums (DuckDB's HUGEINT) as int64 where
    they fit.

    Raises:
        QueryError: not exactly one statement, not a query, or DuckDB's error (its first line).
    """
    import duckdb

    try:
        statements = connection.extract_statements(sql)
        if len(statements) != 1:
            raise QueryError(f"query: give one statement ({len(statements)} given)")
        kind = statements[0].type.name
        if kind not in QUERY_STATEMENTS:
            raise QueryError(f"query: only a query (SELECT) runs on the dataset, not {kind}")
        table = connection.sql(statements[0].query).to_arrow_table()
    except duckdb.Error as exc:
        raise QueryError(f"query: {first_line(str(exc))}") from None
    return _integers(table)


def first_line(message: str) -> str:
    return next((line.strip() for line in message.splitlines() if line.strip()), "failed")


def describe_tables(connection: duckdb.DuckDBPyConnection, root: Path) -> list[TableInfo]:
    """Every table's columns as the views have them, and how many files make it up."""
    infos = []
    for table, files in table_paths(root).items():
        columns = connection.execute(f"DESCRIBE {table}").fetchall()
        infos.append(TableInfo(table, len(files), tuple((str(c[0]), str(c[1])) for c in columns)))
    return infos


def _literal(text: str) -> str:
    """`text` as an SQL string literal (a path may hold a quote)."""
    return "'" + text.replace("'", "''") + "'"


def _integers(table: pa.Table) -> pa.Table:
    """Columns of whole decimals (DuckDB sums integers into HUGEINT, which Arrow gets as decimal128(38, 0)) as
    int64 when every value fits: a count is a number in every format, not a decimal string."""
    for position, field in enumerate(table.schema):
        if pa.types.is_decimal(field.type) and field.type.scale == 0:
            try:
                column = pc.cast(table.column(position), pa.int64())
            except pa.ArrowInvalid:  # past int64: kept whole
                continue
            table = table.set_column(position, pa.field(field.name, pa.int64()), column)
    return table
