"""Table writers' redaction: `redact_table` gives what one regex replace over each column gave."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from analyzer.redact import QUERY_SECRET_PATTERN, QUERY_SECRET_REPLACEMENT
from analyzer.render.tables import formula_safe_table, redact_table, render_bytes


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


def _arrow_csv(table: pa.Table) -> bytes:
    """What Arrow's own writer writes for the table `write_csv` is given (formulas guarded)."""
    import io

    import pyarrow.csv as pacsv

    out = io.BytesIO()
    pacsv.write_csv(formula_safe_table(table), out)
    return out.getvalue()


_MICROS = [0, None, 1_700_000_000_123_456, -62_135_596_800_000_000, 253_402_300_799_999_999, -1]


def _utc(unit: str, values: list[int | None]) -> pa.Array:
    scale = {"s": 1_000_000, "ms": 1_000, "us": 1}.get(unit)
    scaled = [None if v is None else (v // scale if scale else v % 10**18 * 1000 // 1000) for v in values]
    return pa.array(scaled, pa.timestamp(unit, "UTC"))


@pytest.mark.parametrize("unit", ["s", "ms", "us", "ns"])
def test_csv_with_utc_times_first_is_what_arrow_writes(unit: str) -> None:
    started = _utc(unit, _MICROS)
    table = pa.table({
        "index": pa.chunked_array([pa.array([0, 1, 2], pa.int64()), pa.array([3, None, 5], pa.int64())]),
        "started": started,
        "ended": pa.chunked_array([started.slice(0, 2), started.slice(2)]),
        "ratio": pa.array([0.5, None, 1e20, -0.0, float("nan"), 3.0]),
        "method": pa.array(['GET', None, '=1', 'say "hi"', '', 'é'], pa.large_string()),
        "host": pa.array(["h", "h", None, "i", "h", "j"]).dictionary_encode(),
        "k8s": pa.array([True, False, None, True, True, False]),
    })  # fmt: skip
    assert render_bytes(table, "csv") == _arrow_csv(table)


@pytest.mark.parametrize(
    "columns",
    [
        pytest.param({"ended": _utc("us", [1, None]), "text": pa.array(["a\nb", "c"])}, id="line-break-in-a-cell"),
        pytest.param({"text": pa.array(["a", "b"]), "ended": _utc("us", [1, 2])}, id="utc-after-text"),
        pytest.param({"started": _utc("us", [1, None]), "ended": _utc("ms", [None, 2])}, id="times-only"),
        pytest.param({"started": _utc("us", []), "text": pa.array([], pa.string())}, id="no-rows"),
        pytest.param({"at": pa.array([1, 2], pa.timestamp("us", "Europe/Paris"))}, id="other-zone"),
        pytest.param({"on": pa.array([1, None], pa.date32()), "at": _utc("s", [5, 6])}, id="date-first"),
    ],
)
def test_csv_of_other_layouts_is_what_arrow_writes(columns: dict[str, pa.Array]) -> None:
    table = pa.table(columns)
    assert render_bytes(table, "csv") == _arrow_csv(table)


def test_csv_in_batches_one_of_them_left_to_arrow(monkeypatch: pytest.MonkeyPatch) -> None:
    from analyzer.render import tables

    monkeypatch.setattr(tables, "_CSV_BATCH_ROWS", 2)
    table = pa.table({"index": range(5), "ended": _utc("us", [1, 2, None, 4, 5]),
                      "text": ["a", "b", "two\nlines", None, '"q"']})  # fmt: skip
    assert render_bytes(table, "csv") == _arrow_csv(table)
