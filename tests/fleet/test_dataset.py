"""The dataset on disk: made or refused, written atomically, committed by the `captures` row, tidied, read."""

from __future__ import annotations

import json
from pathlib import Path

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq
import pytest

from analyzer.errors import ConfigError
from analyzer.fleet import dataset
from analyzer.fleet.tables import DATASET_SCHEMA, SCHEMAS, TABLE_NAMES, CaptureRow, error_table

ONE, TWO = "1" * 64, "2" * 64


def _captures_row(capture_id: str, version: str = "1.0") -> pa.Table:
    return pa.Table.from_pylist([{"capture_id": capture_id, "path": f"{capture_id[:4]}.har",
                                  "analyzer_version": version, "labels": []}], schema=SCHEMAS["captures"])  # fmt: skip


def _loads(capture_id: str, rows: int) -> pa.Table:
    return pa.Table.from_pylist([{"capture_id": capture_id, "navigation": n} for n in range(rows)],
                                schema=SCHEMAS["loads"])  # fmt: skip


def _tables(capture_id: str, loads: int, version: str = "1.0") -> dict[str, pa.Table]:
    return {"loads": _loads(capture_id, loads), "captures": _captures_row(capture_id, version)}


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def test_a_new_dataset_has_every_table_with_its_schema(tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    manifest = dataset.prepare(root, "1.0")
    assert manifest == dataset.Manifest(DATASET_SCHEMA, "har-analyzer 1.0")
    assert json.loads((root / "_dataset.json").read_text())["schema"] == DATASET_SCHEMA
    assert _files(root) == {"_dataset.json", *(f"{t}/schema.parquet" for t in TABLE_NAMES)}
    for table in TABLE_NAMES:
        read = dataset.read_table(root, table)
        assert read.num_rows == 0 and read.schema.equals(SCHEMAS[table])
        assert ds.dataset(str(root / table), format="parquet").schema.equals(SCHEMAS[table])
    assert dataset.prepare(root, "2.0") == manifest  # an existing dataset is taken as it is


@pytest.mark.parametrize(
    ("make", "message"),
    [
        pytest.param(lambda p: p.write_text("x"), "is a file, not a dataset folder", id="a-file"),
        pytest.param(lambda p: (p.mkdir(), (p / "x").write_text("")), "not empty and not a har-analyzer dataset",
                     id="a-folder-of-something-else"),
        pytest.param(lambda p: (p.mkdir(), (p / "_dataset.json").write_text('{"schema": "har-analyzer/dataset/v0"}')),
                     "a dataset of schema 'har-analyzer/dataset/v0'", id="another-schema"),
        pytest.param(lambda p: (p.mkdir(), (p / "_dataset.json").write_text("[")), "not a dataset manifest",
                     id="a-broken-manifest"),
    ],
)  # fmt: skip
def test_a_path_that_cannot_hold_the_dataset_is_refused(tmp_path: Path, make, message: str) -> None:  # type: ignore[no-untyped-def]
    root = tmp_path / "fleet"
    make(root)
    with pytest.raises(ConfigError, match=message):
        dataset.prepare(root, "1.0")


def test_the_captures_row_commits_a_capture(tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    dataset.prepare(root, "1.0")
    dataset.write_table(root, "loads", f"{TWO}.parquet", _loads(TWO, 2))  # a killed run's orphan: not committed
    dataset.commit(root, ONE, "1.0", _tables(ONE, 3), "/captures/one.har")
    assert dataset.is_committed(root, ONE, "1.0") and not dataset.is_committed(root, ONE, "2.0")
    assert dataset.read_table(root, "loads").column("capture_id").to_pylist() == [ONE] * 3
    assert [p.name for p in dataset.table_files(root, "loads")] == ["schema.parquet", f"{ONE}.parquet"]
    assert dataset.table_glob(root, "loads") == str(root / "loads" / "*.parquet")
    assert sorted(dataset.table_paths(root)) == sorted(TABLE_NAMES)
    assert not list(root.rglob("*.tmp"))


def test_a_rerun_replaces_the_capture_s_rows_and_its_other_versions(tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    dataset.prepare(root, "1.0")
    dataset.record_error(root, "/captures/one.har", error_table(CaptureRow(None, "one.har", "1.0", {}, error="x")))
    dataset.commit(root, ONE, "1.0", _tables(ONE, 3), "/captures/one.har")
    assert not list((root / "captures").glob("error-*"))  # the path's old error row went
    dataset.commit(root, ONE, "2.0", _tables(ONE, 0, "2.0"), "/captures/one.har", others=["1.0"])
    assert _files(root) - {f"{t}/schema.parquet" for t in TABLE_NAMES} == {"_dataset.json",
                                                                           f"captures/{ONE}.v2.0.parquet"}  # fmt: skip
    assert dataset.versions(root) == {"2.0"} and dataset.read_table(root, "loads").num_rows == 0


def test_tidy_removes_temporary_files_and_rows_of_other_versions(tmp_path: Path) -> None:
    root = tmp_path / "fleet"
    dataset.prepare(root, "1.0")
    dataset.commit(root, ONE, "1.0", _tables(ONE, 1), "/one.har")
    dataset.commit(root, ONE, "2.0", _tables(ONE, 1, "2.0"), "/one.har")  # killed before the 1.0 row went
    dataset.commit(root, TWO, "1.0", _tables(TWO, 1), "/two.har")  # not yet analysed by 2.0: kept
    (root / "loads" / f".{ONE}.parquet.123-abcd.tmp").write_bytes(b"half a file")
    (root / "captures" / "notes.txt").write_text("not ours")
    assert dataset.committed_versions(root) == {ONE: {"1.0", "2.0"}, TWO: {"1.0"}}
    assert dataset.tidy(root, "2.0") == 2
    assert dataset.committed_versions(root) == {ONE: {"2.0"}, TWO: {"1.0"}}
    assert not list(root.rglob("*.tmp")) and (root / "captures" / "notes.txt").exists()


def test_an_interrupted_write_leaves_no_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "fleet"
    dataset.prepare(root, "1.0")

    def fail(table: pa.Table, path: Path) -> None:
        Path(path).write_bytes(b"half")
        raise KeyboardInterrupt

    monkeypatch.setattr(pq, "write_table", fail)
    with pytest.raises(KeyboardInterrupt):
        dataset.commit(root, ONE, "1.0", _tables(ONE, 1), "/one.har")
    assert list((root / "loads").iterdir()) == [root / "loads" / "schema.parquet"]


def test_reading_needs_a_dataset(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not a har-analyzer dataset"):
        dataset.table_files(tmp_path, "loads")
    dataset.prepare(tmp_path / "fleet", "1.0")
    with pytest.raises(ConfigError, match="no table 'pods'"):
        dataset.table_files(tmp_path / "fleet", "pods")
