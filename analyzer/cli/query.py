"""`query DATASET SQL`: DuckDB SQL over a fleet dataset's tables, read-only (docs/queries.md)."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from analyzer.cli.options import (
    atomic_file,
    command_settings,
    emit,
    open_binary,
    output_options,
    settings_from,
    shared_options,
)

if TYPE_CHECKING:
    import pyarrow as pa

    from analyzer.fleet.views import TableInfo


@click.command(
    context_settings=command_settings(),
    epilog="""\b
Examples:
  har-analyzer query fleet/ "SELECT mode, count(*) AS resources FROM resources GROUP BY mode"
  har-analyzer query fleet/ "SELECT id, count(*) FROM findings GROUP BY ALL" --format csv
  har-analyzer query fleet/ - --format parquet -o polls.parquet < pages-that-poll.sql
  har-analyzer query fleet/ --tables""",
)
@click.argument("dataset", type=click.Path(path_type=Path))
@click.argument("sql", required=False)
@click.option("--tables", "list_tables", is_flag=True, help="List the tables and their columns instead.")
@output_options(["table", "csv", "json", "jsonl", "parquet"])
@shared_options
@click.pass_context
def query(ctx: click.Context, dataset: Path, sql: str | None, list_tables: bool, fmt: str, output: Path | None) -> None:
    """Run SQL (DuckDB) on the dataset DATASET written by `batch`: a view per table (captures, loads,
    resources, streams, findings, requests) over its committed captures. SQL is one query (SELECT, WITH,
    DESCRIBE, SUMMARIZE, EXPLAIN), or - to read it from standard input; nothing is ever written to the dataset,
    and no other file is read or written. Example queries: docs/queries.md.
    """
    if list_tables == (sql is not None):
        raise click.UsageError("give SQL (or - to read it from standard input), or --tables")
    if fmt == "parquet" and output is None and sys.stdout.isatty():
        raise click.UsageError("parquet is binary: give -o FILE or redirect standard output")
    from analyzer.fleet.views import describe_tables, open_views, run_query

    connection = open_views(dataset)
    try:
        if sql is not None:
            result = run_query(connection, sys.stdin.read() if sql == "-" else sql)
        else:
            result = _tables_table(describe_tables(connection, dataset))
    finally:
        connection.close()
    _write(ctx, result, fmt, output)


def _tables_table(infos: Sequence[TableInfo]) -> pa.Table:
    """A row per column of each table: its name, DuckDB type, and how many files make up the table."""
    import pyarrow as pa

    rows = [
        {"table": info.name, "column": name, "type": kind, "files": info.files}
        for info in infos
        for name, kind in info.columns
    ]
    return pa.Table.from_pylist(rows)


def _write(ctx: click.Context, result: pa.Table, fmt: str, output: Path | None) -> None:
    from analyzer.render.tables import TABLE_WRITERS

    if fmt == "table":
        from analyzer.render.result_table import render_result

        limit = settings_from(ctx).max_text_length
        emit(ctx, output, lambda console: render_result(result, console, max_text=limit))
        return
    with open_binary(None) if output is None else atomic_file(output) as out:
        TABLE_WRITERS[fmt](result, out)
