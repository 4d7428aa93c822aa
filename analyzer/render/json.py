"""The analysis as JSON: `analysis.json` and `analyze --format json` (schema `har-analyzer/analysis/v2`).

The document is the typed summary encoded (`analyzer.summary`); its JSON Schema, generated from the same
Structs, ships in the package (`analyzer/schemas/analysis-v2.schema.json`) and a test keeps it current.
"""

from __future__ import annotations

from importlib import resources

import msgspec

from analyzer.summary import SCHEMA_ID, Summary, encode_summary, summary_schema

SCHEMA_FILE = f"schemas/analysis-{SCHEMA_ID.rsplit('/', 1)[1]}.schema.json"


def render_analysis_json(summary: Summary) -> bytes:
    return encode_summary(summary)


def schema_text() -> str:
    """The shipped JSON Schema of the document."""
    return resources.files("analyzer").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def generated_schema_text() -> str:
    """The schema as the Structs define it now (what `schema_text` must equal)."""
    return (msgspec.json.format(msgspec.json.encode(summary_schema()), indent=2) + b"\n").decode("utf-8")
