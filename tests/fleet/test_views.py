"""The dataset as DuckDB views: exactly the committed files, every table (an empty one too), and a connection on
which nothing but a query runs and no file but the dataset's is read, let alone written."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest

from analyzer.errors import ConfigError, InputError
from analyzer.fleet import dataset
from analyzer.fleet.tables import SCHEMAS, TABLE_NAMES
from analyzer.fleet.views import QueryError, describe_tables, open_views, run_query
from tests.fleet.fleets import PAGE, RUNS


def _digests(root: Path) -> dict[str, str]:
    files = (p for p in root.rglob("*") if p.is_file())
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


@pytest.fixture
def views(fleet: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    """The test fleet's views (closed after the test: DuckDB's threads go with the connection)."""
    with open_views(fleet) as connection:
        yield connection


def _query(root: Path, sql: str) -> pa.Table:
    with open_views(root) as connection:
        return run_query(connection, sql)


def test_a_view_per_table_over_the_committed_captures(fleet: Path, views: duckdb.DuckDBPyConnection) -> None:
    connection = views
    counts = {t: run_query(connection, f"SELECT count(*) AS n FROM {t}").column("n")[0].as_py() for t in TABLE_NAMES}
    assert counts["captures"] == len(RUNS) + 1  # and the error row of run7.har
    assert counts["loads"] == 2 * len(RUNS) and counts["requests"] == 0  # `requests` only with --requests
    pages = run_query(connection, "SELECT DISTINCT url_path, trigger FROM loads ORDER BY ALL").to_pylist()
    assert pages == [{"url_path": PAGE, "trigger": "initial"}, {"url_path": PAGE, "trigger": "reload"}]
    infos = {info.name: info for info in describe_tables(connection, fleet)}
    for table in TABLE_NAMES:  # every documented column, an empty table's too
        assert [name for name, _ in infos[table].columns] == SCHEMAS[table].names
    assert infos["requests"].files == 1 and infos["captures"].files == len(RUNS) + 2


def test_files_of_uncommitted_captures_and_temporary_files_are_left_out(fleet: Path, tmp_path: Path) -> None:
    root = shutil.copytree(fleet, tmp_path / "fleet")
    orphan = "f" * 64  # a capture a killed batch wrote into `loads` but never committed
    shutil.copy(next((root / "loads").glob("[0-9a-f]*.parquet")), root / "loads" / f"{orphan}.parquet")
    shutil.copy(root / "loads" / "schema.parquet", root / "loads" / f".{orphan}.parquet.123-abcd.tmp")
    ids = _query(root, "SELECT DISTINCT capture_id FROM loads").column("capture_id").to_pylist()
    assert len(ids) == len(RUNS) and orphan not in ids


def test_an_empty_table_without_even_its_schema_file_has_its_columns(fleet: Path, tmp_path: Path) -> None:
    root = shutil.copytree(fleet, tmp_path / "fleet")
    (root / "requests" / "schema.parquet").unlink()
    result = _query(root, "SELECT * FROM requests")
    assert result.num_rows == 0 and result.column_names == SCHEMAS["requests"].names


@pytest.mark.parametrize(
    ("sql", "message"),
    [
        pytest.param("COPY (SELECT 1) TO '{out}/x.csv'", "not COPY", id="copy-to-a-file"),
        pytest.param("COPY (SELECT * FROM loads LIMIT 0) TO '{schema}' (FORMAT parquet, USE_TMP_FILE false)",
                     "not COPY", id="copy-over-a-dataset-file"),
        pytest.param("ATTACH '{out}/x.duckdb' AS x", "not ATTACH", id="attach"),
        pytest.param("INSTALL httpfs", "not LOAD", id="install"),
        pytest.param("LOAD httpfs", "not LOAD", id="load"),
        pytest.param("EXPORT DATABASE '{out}/x'", "not EXPORT", id="export"),
        pytest.param("CREATE TABLE t AS SELECT 1", "not CREATE", id="create"),
        pytest.param("SET enable_external_access = true", "not SET", id="set"),
        pytest.param("PRAGMA enable_profiling", "not PRAGMA", id="pragma"),
        pytest.param("CALL pragma_version()", "not CALL", id="call"),
        pytest.param("SELECT 1; COPY (SELECT 1) TO '{out}/x.csv'", "give one statement", id="two-statements"),
        pytest.param("SELECT * FROM read_csv('{out}/outside.csv')", "Permission Error", id="read-another-file"),
        pytest.param("SELECT * FROM query('COPY (SELECT 1) TO ''{out}/x.csv''')", "Parser Error", id="query-function"),
        pytest.param("SELECT * FROM read_parquet('{out}/*.parquet')", "Permission Error", id="glob-outside"),
        pytest.param("SELEC 1", "query: Parser Error: syntax error at or near \"SELEC\"", id="syntax-error"),
        pytest.param("SELECT nope FROM loads", "query: Binder Error: Referenced column \"nope\" not found",
                     id="unknown-column"),
    ],
)  # fmt: skip
def test_nothing_but_a_query_runs_and_no_other_file_is_touched(
    fleet: Path, views: duckdb.DuckDBPyConnection, tmp_path: Path, sql: str, message: str
) -> None:
    (tmp_path / "outside.csv").write_text("a\n1\n")
    before = _digests(fleet)
    with pytest.raises(QueryError, match=message) as raised:
        run_query(views, sql.format(out=tmp_path, schema=fleet / "loads" / "schema.parquet"))
    assert "\n" not in str(raised.value) and str(raised.value).startswith("query: ")
    assert _digests(fleet) == before and sorted(p.name for p in tmp_path.iterdir()) == ["outside.csv"]
    assert run_query(views, "SELECT count(*) AS n FROM captures").column("n")[0].as_py() == len(RUNS) + 1


def test_integer_sums_are_integers(fleet: Path) -> None:
    result = _query(fleet, "SELECT sum(count) AS reads, 1.5::DECIMAL(4, 2) AS d FROM resources")
    types = {field.name: str(field.type) for field in result.schema}
    assert types == {"reads": "int64", "d": "decimal128(4, 2)"}


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda p: p.mkdir(), "not a har-analyzer dataset", id="a-folder"),
        pytest.param(lambda p: (p.mkdir(), (p / "_dataset.json").write_text(json.dumps({"schema": "x/v9"}))),
                     "a dataset of schema 'x/v9'", id="another-schema"),
    ],
)  # fmt: skip
def test_a_folder_that_is_no_dataset_of_this_schema_is_refused(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    make(tmp_path / "fleet")
    with pytest.raises(ConfigError, match=message):
        open_views(tmp_path / "fleet")


def test_a_new_dataset_has_empty_tables(tmp_path: Path) -> None:
    dataset.prepare(tmp_path / "fleet", "1.0")
    assert _query(tmp_path / "fleet", "SELECT * FROM captures").num_rows == 0


def test_a_damaged_file_is_one_line(fleet: Path, tmp_path: Path) -> None:
    root = shutil.copytree(fleet, tmp_path / "fleet")
    next((root / "loads").glob("[0-9a-f]*.parquet")).write_bytes(b"PAR1 not parquet")
    with pytest.raises(InputError, match=f"^{root}: cannot read the dataset: .*parquet") as raised:
        open_views(root)
    assert "\n" not in str(raised.value)
