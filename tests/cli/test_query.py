"""`har-analyzer query`: the documented example queries on a real dataset, every output format, --tables, and
one-line errors (a bad query, a write, no dataset) with exit code 2."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from analyzer.cli import cli
from analyzer.fleet.views import open_views, run_query
from tests.fleet.fleets import PAGE, RESOURCE, SECRET

DOCS = Path(__file__).resolve().parents[2] / "docs" / "queries.md"
EXAMPLES = re.findall(r"```sql\n(-- (.+?)\n.*?)```", DOCS.read_text(encoding="utf-8"), re.S)
ONE_ROW = "SELECT labels['run'] AS run, started, loads FROM captures WHERE labels['run'] = '4'"


def query(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["query", *args], input=stdin)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize("sql", [pytest.param(sql, id=name) for sql, name in EXAMPLES])
def test_the_documented_examples_run(fleet: Path, sql: str) -> None:
    code, out, err = query(str(fleet), "-", "--format", "json", stdin=sql)
    assert (code, err) == (0, "")
    rows = json.loads(out)
    assert rows, "every example returns rows on the test fleet"
    if "poll" in sql.split("\n", 1)[0]:
        assert {(r["url_path"], r["trigger"], r["resource"]) for r in rows} == {(PAGE, "reload", RESOURCE)}


def test_the_docs_hold_the_examples_the_issue_asks_for() -> None:
    names = [name for _, name in EXAMPLES]
    assert {"pages that poll", "findings by week", "heaviest resources", "API requests a minute per release"} <= set(
        names
    )


def test_since_when_a_page_polls(fleet: Path) -> None:
    sql = next(sql for sql, name in EXAMPLES if name == "since when each page polls")
    code, out, _ = query(str(fleet), "--format", "csv", "--", sql)  # SQL that starts with `--`: after `--`
    assert code == 0 and out.splitlines()[1] == f'"{PAGE}","reload","{RESOURCE}",2026-01-04 10:00:00.000000Z,"4"'


def test_the_terminal_table(fleet: Path) -> None:
    code, out, err = query(str(fleet), ONE_ROW)
    assert (code, err) == (0, "")
    assert out == "run  started               loads\n4    2026-01-04 10:00:00Z      2\n1 row\n"


@pytest.mark.parametrize(
    ("fmt", "read"),
    [
        pytest.param("csv", lambda data: pacsv.read_csv(io.BytesIO(data)), id="csv"),
        pytest.param("parquet", lambda data: pq.read_table(io.BytesIO(data)), id="parquet"),
        pytest.param("json", lambda data: pa.Table.from_pylist(json.loads(data)), id="json"),
        pytest.param("jsonl", lambda data: pa.Table.from_pylist([json.loads(x) for x in data.splitlines()]),
                     id="jsonl"),
    ],
)  # fmt: skip
def test_the_data_formats_hold_the_result(fleet: Path, tmp_path: Path, fmt: str, read) -> None:  # type: ignore[no-untyped-def]
    sql = "SELECT labels['run'] AS run, loads, kubernetes_requests FROM captures WHERE error IS NULL ORDER BY started"
    with open_views(fleet) as connection:
        expected = run_query(connection, sql).to_pylist()
    code, out, err = query(str(fleet), sql, "--format", fmt, "-o", str(tmp_path / f"result.{fmt}"))
    assert (code, out, err) == (0, "", "")
    got = read((tmp_path / f"result.{fmt}").read_bytes()).to_pylist()
    assert [{**r, "run": str(r["run"])} for r in got] == expected and len(expected) == 6


def test_maps_are_json_objects(fleet: Path) -> None:
    code, out, _ = query(str(fleet), "SELECT labels FROM captures WHERE labels['run'] = '1'", "--format", "jsonl")
    assert code == 0 and json.loads(out) == {"labels": {"release": "v1.9", "run": "1", "team": "a"}}


def test_the_tables_and_their_columns(fleet: Path) -> None:
    code, out, _ = query(str(fleet), "--tables", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and {r["table"] for r in rows} == {"captures", "loads", "resources", "streams", "findings",
                                                         "requests"}  # fmt: skip
    assert {"table": "captures", "column": "labels", "type": "MAP(VARCHAR, VARCHAR)", "files": 8} in rows


def test_urls_are_as_batch_wrote_them_redacted(fleet: Path) -> None:
    sql = "SELECT DISTINCT url FROM loads WHERE url LIKE '%access_token%'"
    code, out, _ = query(str(fleet), sql, "--format", "csv")
    assert code == 0 and "access_token=REDACTED" in out and SECRET not in out


@pytest.mark.parametrize(
    ("args", "error"),
    [
        pytest.param(["SELEC 1"], 'Error: query: Parser Error: syntax error at or near "SELEC"', id="syntax"),
        pytest.param(["COPY captures TO 'x.csv'"], "Error: query: only a query (SELECT) runs on the dataset, not COPY",
                     id="copy"),
        pytest.param(["ATTACH 'x.db'"], "Error: query: only a query (SELECT) runs on the dataset, not ATTACH",
                     id="attach"),
        pytest.param(["SELECT 1; SELECT 2"], "Error: query: give one statement (2 given)", id="two-statements"),
    ],
)  # fmt: skip
def test_a_refused_query_is_one_line_and_exit_2(fleet: Path, args: list[str], error: str) -> None:
    code, out, err = query(str(fleet), *args)
    assert (code, out) == (2, "") and err.startswith(error) and err.count("\n") == 1


def test_no_dataset_and_no_sql_are_errors(tmp_path: Path, fleet: Path) -> None:
    code, _, err = query(str(tmp_path), "SELECT 1")
    assert code == 2 and err == f"Error: {tmp_path}: not a har-analyzer dataset (no _dataset.json)\n"
    code, _, err = query(str(fleet))
    assert code == 2 and "give SQL (or - to read it from standard input), or --tables" in err
