"""Every real capture of the shared corpus: it loads with the entry count of MANIFEST.tsv, or (the
deliberately broken ones) fails with one clear line. Kubernetes look-alikes must not be classified."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from analyzer.errors import InputError
from analyzer.har import load_capture
from analyzer.k8s.request_table import request_table
from tests.conftest import CORPUS, require_shared

BROKEN_MARKERS = {
    "UNPARSEABLE": "not valid JSON",
    "no log object": "not a HAR file: no log.entries (top-level keys:",
    "entries missing": "not a HAR file",
}


def _manifest() -> list[dict[str, str]]:
    path = CORPUS / "MANIFEST.tsv"
    if not path.exists():
        return []
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t"))


ROWS = _manifest()


def _expected_error(notes: str) -> str | None:
    for marker, message in BROKEN_MARKERS.items():
        if marker in notes:
            return message
    return None


def test_corpus_is_present() -> None:
    require_shared(CORPUS / "MANIFEST.tsv")
    assert len(ROWS) >= 200


@pytest.mark.parametrize("row", ROWS, ids=[r["file"][:90] for r in ROWS])
def test_every_corpus_file(row: dict[str, str]) -> None:
    path: Path = require_shared(CORPUS / row["file"])
    expected_error = _expected_error(row["notes"])
    if expected_error is not None:
        with pytest.raises(InputError) as info:
            load_capture(path)
        message = str(info.value)
        assert message.startswith(f"{path}: {expected_error}"), message
        assert "\n" not in message
        return
    capture = load_capture(path)
    table = request_table(capture)
    assert table.num_rows == len(capture) == int(row["entries"])
    assert sorted(table.column("index").to_pylist()) == list(range(table.num_rows))
    started = [s for s in table.column("started").to_pylist() if s is not None]
    assert started == sorted(started), "entries are sorted by start time"
    if "non-k8s /api/v1-style paths" in row["notes"]:
        assert not any(table.column("k8s").to_pylist()), "look-alike APIs are not Kubernetes"
