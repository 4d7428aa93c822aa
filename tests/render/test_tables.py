"""Table writers' redaction: `redact_table` gives what one regex replace over each column gave."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from analyzer.redact import QUERY_SECRET_PATTERN, QUERY_SECRET_REPLACEMENT
from analyzer.render.tables import redact_table, render_bytes


def _reference(table: pa.Table) -> pa.Table:
    for column in ("url", "query"):
        if column in table.column_names:
            position = table.column_names.index(column)
            redacted = pc.replace_substring_regex(
                table.column(column), pattern=QUERY_SECRET_PATTERN, replacement=QUERY_SECRET_REPLACEMENT
            )
            table = table.set_column(position, column, redacted)
    return table


def _assert_same(table: pa.Table) -> None:
    got, expected = redact_table(table), _reference(table)
    assert got.schema == expected.schema
    for name in expected.column_names:
        assert got.column(name).equals(expected.column(name)), (name, got.column(name).to_pylist())
        assert [len(c) for c in got.column(name).chunks] == [len(c) for c in expected.column(name).chunks]


CASES = [
    pytest.param("https://h/p?a=1", id="no-secret"),
    pytest.param("https://h/p?access_token=abc&x=1", id="access-token"),
    pytest.param("https://h/p?ACCESS_TOKEN=abc", id="upper-case-name"),
    pytest.param("https://h/p?x=1;token=abc", id="after-semicolon"),
    pytest.param("https://h/p#id_token=abc&access_token=def", id="in-fragment"),
    pytest.param("token=abc", id="at-the-start"),
    pytest.param("token=abc&key=1", id="at-the-start-and-after-ampersand"),
    pytest.param("https://h/p?monkey=1&xcode=2", id="name-as-suffix"),
    pytest.param("https://h/p?token", id="name-without-value"),
    pytest.param("https://h/p?key=", id="empty-value"),
    pytest.param("https://h/p?token=a=b&c", id="equals-in-value"),
    pytest.param("https://h/p?code=1&code=2", id="twice"),
    pytest.param("https://h/p?x-amz-signature=abc&X-Amz-Security-Token=def", id="dashes"),
    pytest.param("https://h/p?to\u212aen=abc", id="kelvin-sign-folds-to-k"),
    pytest.param("https://h/p?\u017fig=abc", id="long-s-folds-to-s"),
    pytest.param("https://h/\u00e4?token=abc", id="non-ascii-with-secret"),
    pytest.param("https://h/\u00e4?x=1", id="non-ascii-without-secret"),
    pytest.param("https://h/p?\u00e4=1&password=x", id="non-ascii-name-before-secret"),
    pytest.param("", id="empty"),
    pytest.param(None, id="null"),
]


@pytest.mark.parametrize("value", CASES)
def test_one_value_is_redacted_like_the_regex(value: str | None) -> None:
    _assert_same(pa.table({"url": pa.array([value], pa.string()), "query": pa.array([value], pa.string())}))


def test_cases_among_clean_rows_in_chunks_and_slices() -> None:
    values = [case.values[0] for case in CASES]
    clean = "https://console.example.com/api/v1/namespaces/a/pods?limit=500&watch=1"
    rows = pa.array([v for value in values for v in (value, clean)], pa.string())
    chunked = pa.chunked_array([rows.slice(0, 9), rows.slice(9, 0), rows.slice(9)])
    _assert_same(pa.table({"index": pa.array(range(len(rows))), "url": chunked, "query": chunked}))


def test_clean_rows_only() -> None:
    rows = pa.array(["https://h/a?limit=1", None, "/b?watch=true"], pa.string())
    _assert_same(pa.table({"url": rows}))
    assert redact_table(pa.table({"url": rows})).column("url").equals(pa.chunked_array([rows]))


def test_secrets_are_redacted_and_other_columns_kept() -> None:
    jwt = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.c2ln"
    table = pa.table({"url": ["https://h/p?token=abc&x=1"], "query": ["token=abc&x=1"], "path": [f"/s/{jwt}"],
                      "name": [jwt], "host": ["token=abc"]})  # fmt: skip
    assert redact_table(table).to_pylist() == [
        {"url": "https://h/p?token=REDACTED&x=1", "query": "token=REDACTED&x=1", "path": "/s/REDACTED",
         "name": "REDACTED", "host": "token=abc"}
    ]  # fmt: skip


def test_table_without_the_columns() -> None:
    table = pa.table({"host": ["token=abc"]})
    assert redact_table(table).equals(table)


def test_lists_maps_and_structs_are_json_in_csv_and_json_objects_in_json() -> None:
    table = pa.table({
        "labels": pa.array([[("run", "4")], None], pa.map_(pa.string(), pa.string())),
        "ids": pa.array([[1, 2], []], pa.list_(pa.int64())),
        "pair": pa.array([{"a": "=1"}, {"a": None}], pa.struct([("a", pa.string())])),
        "text": ["=2", "b"],
    })  # fmt: skip
    assert render_bytes(table, "csv").decode().splitlines() == [
        '"labels","ids","pair","text"',
        '"{""run"":""4""}","[1,2]","{""a"":""=1""}","\'=2"',
        ',"[]","{""a"":null}","b"',
    ]
    assert (
        render_bytes(table, "jsonl").decode().splitlines()[0]
        == '{"labels":{"run":"4"},"ids":[1,2],"pair":{"a":"=1"},"text":"=2"}'
    )
