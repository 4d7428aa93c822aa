"""The dataset on disk: its layout, what is already in it, atomic writes, and reading its tables back.

    DATASET/_dataset.json                       {"schema": "har-analyzer/dataset/v1", "created_by": ...}
    DATASET/<table>/schema.parquet              no rows: the table's columns, for engines that need a file
    DATASET/<table>/<capture_id>.parquet        a capture's rows (loads, resources, streams, findings, requests)
    DATASET/captures/<capture_id>.v<version>.parquet   its `captures` row: written last, the commit marker
    DATASET/captures/error-<sha256 of its location>.parquet   the row of a capture that could not be read

Every file is written under a hidden temporary name in its folder (`.<name>.<pid>-<random>.tmp`) and renamed:
a reader never sees half a file, and a killed run leaves at most temporary files (removed by the next run's
`tidy`) and the complete files of a capture it had not committed, which the next run writes again under the
same names. Readers take only the files of committed captures (`table_files`).
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from analyzer.errors import ConfigError
from analyzer.fleet.tables import DATASET_SCHEMA, SCHEMAS, TABLE_NAMES

MANIFEST = "_dataset.json"
SCHEMA_FILE = "schema.parquet"
CAPTURES = "captures"
_ID = r"[0-9a-f]{64}"
_DATA_FILE = re.compile(rf"({_ID})\.parquet")
_COMMIT_FILE = re.compile(rf"({_ID})\.v(.+)\.parquet")
_ERROR_FILE = re.compile(rf"error-{_ID}\.parquet")
_TEMPORARY = re.compile(r"\..+\.\d+-[0-9a-f]+\.tmp")


@dataclass(frozen=True)
class Manifest:
    schema: str
    created_by: str  # `har-analyzer <version>` that made the dataset


def prepare(root: Path, version: str) -> Manifest:
    """The dataset at `root`, made there when `root` is missing or an empty folder, with every table's folder.

    Raises:
        ConfigError: `root` is a file, a folder that holds something else, or a dataset of another schema.
    """
    if root.exists() and not root.is_dir():
        raise ConfigError(f"{root}: is a file, not a dataset folder")
    try:
        if (root / MANIFEST).exists():
            manifest = read_manifest(root)
        elif root.exists() and any(root.iterdir()):
            raise ConfigError(f"{root}: not empty and not a har-analyzer dataset (no {MANIFEST})")
        else:
            root.mkdir(parents=True, exist_ok=True)
            manifest = Manifest(DATASET_SCHEMA, f"har-analyzer {version}")
            payload = {"schema": manifest.schema, "created_by": manifest.created_by, "tables": list(TABLE_NAMES)}
            _write_atomically(root, MANIFEST, lambda path: path.write_text(json.dumps(payload, indent=2) + "\n"))
        for table in TABLE_NAMES:
            (root / table).mkdir(exist_ok=True)
            if not (root / table / SCHEMA_FILE).exists():
                write_table(root, table, SCHEMA_FILE, SCHEMAS[table].empty_table())
    except OSError as exc:
        raise ConfigError(f"{root}: cannot write the dataset: {exc.strerror or exc}") from None
    return manifest


def read_manifest(root: Path) -> Manifest:
    """The manifest of the dataset at `root`.

    Raises:
        ConfigError: no dataset there, or one of another schema than this version reads and writes.
    """
    try:
        data = json.loads((root / MANIFEST).read_text(encoding="utf-8"))
        manifest = Manifest(str(data["schema"]), str(data.get("created_by", "")))
    except FileNotFoundError:
        raise ConfigError(f"{root}: not a har-analyzer dataset (no {MANIFEST})") from None
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ConfigError(f"{root}/{MANIFEST}: not a dataset manifest: {exc}") from None
    if manifest.schema != DATASET_SCHEMA:
        raise ConfigError(f"{root}: a dataset of schema {manifest.schema!r}; this version reads and writes "
                          f"{DATASET_SCHEMA} (write a new dataset)")  # fmt: skip
    return manifest


def commit_name(capture_id: str, version: str) -> str:
    return f"{capture_id}.v{version}.parquet"


def error_name(location: str) -> str:
    return f"error-{hashlib.sha256(location.encode('utf-8', 'surrogateescape')).hexdigest()}.parquet"


def is_committed(root: Path, capture_id: str, version: str) -> bool:
    """Whether the capture is in the dataset, analysed by that version."""
    return (root / CAPTURES / commit_name(capture_id, version)).exists()


def commit(
    root: Path, capture_id: str, version: str, tables: dict[str, pa.Table], location: str, others: Iterable[str] = ()
) -> None:
    """Write one analysed capture: its rows in each table (a table where it has none loses the capture's old
    file), then its `captures` row, which commits it; then drop its `captures` rows of the `others` versions
    (those in the dataset: `versions`) and the error row an earlier run left for its location."""
    for table, rows in tables.items():
        if table == CAPTURES:
            continue
        if rows.num_rows:
            write_table(root, table, f"{capture_id}.parquet", rows)
        else:
            _remove(root / table / f"{capture_id}.parquet")
    write_table(root, CAPTURES, commit_name(capture_id, version), tables[CAPTURES])
    for other in others:
        if other != version:
            _remove(root / CAPTURES / commit_name(capture_id, other))
    forget_error(root, location)


def record_error(root: Path, location: str, row: pa.Table) -> None:
    """The `captures` row of a capture that could not be read, in place of the one an earlier run left."""
    write_table(root, CAPTURES, error_name(location), row)


def forget_error(root: Path, location: str) -> None:
    _remove(root / CAPTURES / error_name(location))


def write_table(root: Path, table: str, name: str, rows: pa.Table) -> None:
    """`rows` as `<table>/<name>`, written under a temporary name and renamed."""
    _write_atomically(root / table, name, lambda path: pq.write_table(rows, path))


def _write_atomically(folder: Path, name: str, write: Callable[[Path], object]) -> None:
    temporary = folder / f".{name}.{os.getpid()}-{secrets.token_hex(4)}.tmp"
    try:
        write(temporary)
        os.replace(temporary, folder / name)
    except BaseException:
        _remove(temporary)
        raise


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        path.unlink()


def tidy(root: Path, version: str) -> int:
    """Remove what a killed run left that no reader should see: temporary files, and a capture's `captures` rows
    of other versions where this version's is there (a run killed between the two). Run it before a batch,
    never during one. Returns how many files went."""
    removed = 0
    for table in TABLE_NAMES:
        folder = root / table
        for name in os.listdir(folder) if folder.is_dir() else []:
            if _TEMPORARY.fullmatch(name):
                _remove(folder / name)
                removed += 1
    done = committed_versions(root)
    for capture_id, found in done.items():
        if version in found:
            for other in found - {version}:
                _remove(root / CAPTURES / commit_name(capture_id, other))
                removed += 1
    return removed


def committed_versions(root: Path) -> dict[str, set[str]]:
    """The captures in the dataset, each with the versions that analysed it (one, but after a killed run)."""
    found: dict[str, set[str]] = {}
    for name in os.listdir(root / CAPTURES):
        if match := _COMMIT_FILE.fullmatch(name):
            found.setdefault(match[1], set()).add(match[2])
    return found


def versions(root: Path) -> set[str]:
    """The analyzer versions whose rows the dataset holds."""
    return {v for found in committed_versions(root).values() for v in found}


def table_files(root: Path, table: str) -> list[Path]:
    """The Parquet files that make up `table` now: its schema file, and the rows of committed captures (those of
    a capture a killed run did not commit are left out); sorted by name.

    Raises:
        ConfigError: no dataset at `root`, or one of another schema.
    """
    read_manifest(root)
    if table not in SCHEMAS:
        raise ConfigError(f"no table {table!r} in a dataset (tables: {', '.join(TABLE_NAMES)})")
    folder = root / table
    names = sorted(os.listdir(folder)) if folder.is_dir() else []
    if table == CAPTURES:
        kept = [n for n in names if _COMMIT_FILE.fullmatch(n) or _ERROR_FILE.fullmatch(n)]
    else:
        ids = committed_versions(root)
        kept = [n for n in names if (m := _DATA_FILE.fullmatch(n)) and m[1] in ids]
    return [folder / SCHEMA_FILE, *(folder / n for n in kept)] if SCHEMA_FILE in names else [folder / n for n in kept]


def table_paths(root: Path) -> dict[str, list[Path]]:
    """`table_files` of every table, by name: what a query engine is given (DuckDB's `read_parquet([...])`)."""
    return {table: table_files(root, table) for table in TABLE_NAMES}


def table_glob(root: Path, table: str) -> str:
    """`DATASET/<table>/*.parquet`: every file of the table, a capture a killed run did not commit included."""
    return str(root / table / "*.parquet")


def read_table(root: Path, table: str) -> pa.Table:
    """One table of the dataset, committed captures only, with its documented columns."""
    import pyarrow.dataset as ds

    files = [str(path) for path in table_files(root, table)]
    return ds.dataset(files, schema=SCHEMAS[table], format="parquet").to_table()
