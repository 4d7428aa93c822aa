"""The dataset's schema (plain Parquet types, `capture_id` first, the summary's fields) and a capture as tables."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pyarrow as pa
import pytest

from analyzer.analysis.analyze import analyze
from analyzer.fleet.tables import (
    OPTIONAL_TABLES,
    SCHEMAS,
    TABLES,
    CaptureRow,
    capture_tables,
    error_table,
)
from analyzer.har.loader import load_capture
from analyzer.redact import redacted
from analyzer.summary import Finding, Navigation, Request, ResourceVerdict, Stream, Summary

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
PLAIN = {pa.string(), pa.int64(), pa.float64(), pa.bool_(), pa.timestamp("us", tz="UTC"), pa.list_(pa.string()),
         pa.list_(pa.int64()), pa.map_(pa.string(), pa.string())}  # fmt: skip

# Each table's Struct, and the fields it writes otherwise (or not at all), with why.
STRUCT_FIELDS: dict[str, tuple[type[msgspec.Struct], dict[str, str]]] = {
    "loads": (Navigation, {"index": "navigation", "resources": "counted: rows in `resources`"}),
    "resources": (ResourceVerdict, {"counts": "get_requests, list_requests, watch_requests"}),
    "streams": (Stream, {}),
    "findings": (Finding, {}),
    "requests": (Request, {"initiator": "initiator_type, initiator_url, initiator_line, initiator_frames"}),
}


@pytest.mark.parametrize("table", list(TABLES))
def test_every_table_starts_with_capture_id_and_has_plain_types_only(table: str) -> None:
    schema = SCHEMAS[table]
    assert schema.names[0] == "capture_id"
    assert len(set(schema.names)) == len(schema.names)
    assert {f.name: f.type for f in schema if f.type not in PLAIN} == {}
    assert all(c.meaning for c in TABLES[table])


@pytest.mark.parametrize("table", list(STRUCT_FIELDS))
def test_every_field_of_the_summary_is_a_column_or_said_otherwise(table: str) -> None:
    struct, otherwise = STRUCT_FIELDS[table]
    fields = {f.name for f in msgspec.structs.fields(struct)}
    assert {f for f in fields if f not in SCHEMAS[table].names or f in otherwise} == set(otherwise)


@pytest.fixture(scope="module")
def sample_tables() -> tuple[Summary, dict[str, pa.Table]]:
    summary = redacted(analyze(load_capture(SAMPLES / "http1-saturation.har")).summary)
    row = CaptureRow("ab" * 32, "runs/x.har", "9.9", {"team": "web", "branch": "main"})
    return summary, capture_tables(summary, row, with_requests=True)


def test_a_capture_s_tables_hold_its_summary(sample_tables: tuple[Summary, dict[str, pa.Table]]) -> None:
    summary, tables = sample_tables
    assert set(tables) == set(TABLES)
    assert all(t.schema.equals(SCHEMAS[name]) for name, t in tables.items())
    assert {name: t.num_rows for name, t in tables.items()} == {
        "captures": 1,
        "loads": len(summary.navigations),
        "resources": len(summary.verdicts),
        "streams": len(summary.streams),
        "findings": len(summary.findings),
        "requests": len(summary.requests),
    }
    assert all(set(t.column("capture_id").to_pylist()) == {"ab" * 32} for t in tables.values())


def test_the_captures_row(sample_tables: tuple[Summary, dict[str, pa.Table]]) -> None:
    row = sample_tables[1]["captures"].to_pylist()[0]
    assert row["path"] == "runs/x.har" and row["analyzer_version"] == "9.9" and row["error"] is None
    assert row["dataset_schema"] == "har-analyzer/dataset/v1" and row["redacted"] is True
    assert dict(row["labels"]) == {"team": "web", "branch": "main"}
    assert row["started"].tzinfo is not None and row["started"].utcoffset().total_seconds() == 0
    assert (row["kubernetes_requests"], row["long_lived"], row["findings_error"], row["loads"]) == (25, 14, 1, 1)


def test_a_resource_s_key_is_split_into_its_parts(sample_tables: tuple[Summary, dict[str, pa.Table]]) -> None:
    rows = sample_tables[1]["resources"].to_pylist()
    for row in rows:
        parts = [row["cluster"] or "-", row["api_group"] or "core", row["version"] or "-", row["namespace"] or "-",
                 row["resource"], *([row["name"]] if row["name"] else [])]  # fmt: skip
        assert "/".join(parts) == row["key"]
        assert row["get_requests"] + row["list_requests"] + row["watch_requests"] == row["count"]


def test_an_error_row_says_why_and_nothing_measured() -> None:
    table = error_table(CaptureRow(None, "broken.har", "9.9", {"team": "web"}, error="broken.har: empty file"))
    assert table.schema.equals(SCHEMAS["captures"])
    row = table.to_pylist()[0]
    assert (row["capture_id"], row["error"], row["entries"], row["redacted"]) == (None, "broken.har: empty file",
                                                                                   None, None)  # fmt: skip


def test_requests_only_when_asked(sample_tables: tuple[Summary, dict[str, pa.Table]]) -> None:
    summary = sample_tables[0]
    tables = capture_tables(summary, CaptureRow("cd" * 32, "x.har", "9.9", {}))
    assert set(TABLES) - set(tables) == OPTIONAL_TABLES
