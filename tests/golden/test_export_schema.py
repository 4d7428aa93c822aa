"""The columns and Arrow types of the report's request table (`requests.parquet`, `requests.csv`) held to a
golden file, for every sample of every writer: work on how the analysis holds its columns (issue 16: shared
strings, categoricals) must not change the table users read. A column that changed its type shows in the diff
under its sample's name. Regenerate only for an intended change: `pytest tests/golden --update-golden`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analyzer.analysis.analyze import analyze
from analyzer.har.loader import load_capture
from analyzer.render.folder import request_arrow

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted(p for p in (REPO / "samples").rglob("*.har") if p.is_file())


def schema_text(sample: Path) -> str:
    table = request_arrow(analyze(load_capture(sample)), redact=True)
    name = sample.relative_to(REPO / "samples").as_posix()
    return f"{name} ({table.num_rows} rows)\n" + "".join(f"  {f.name}: {f.type}\n" for f in table.schema)


def test_the_request_table_columns_and_types_of_every_sample(golden: Any) -> None:
    golden("requests-schema.txt", "".join(schema_text(sample) for sample in SAMPLES))
