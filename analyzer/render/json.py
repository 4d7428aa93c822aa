"""JSON output: the one encoder every JSON document goes through, and the analysis document itself
(`analysis.json`, `analyze --format json`, schema `har-analyzer/analysis/v2`).

The analysis document is the typed summary encoded (`analyzer.summary`); its JSON Schema, generated from the
same Structs, ships in the package (`analyzer/schemas/analysis-v2.schema.json`) and a test keeps it current.
"""

from __future__ import annotations

from importlib import resources

import msgspec

from analyzer.summary import SCHEMA_ID, Summary, summary_schema

SCHEMA_FILE = f"schemas/analysis-{SCHEMA_ID.rsplit('/', 1)[1]}.schema.json"


def encode_json(value: object) -> bytes:
    """Typed documents (msgspec Structs) and plain values as indented JSON, newline-terminated."""
    compact = msgspec.json.encode(value)
    formatted = msgspec.json.format(compact, indent=2)
    del compact  # a big capture's document: at most two copies of it at once (this and the formatted one)
    return formatted + b"\n"


def render_analysis_json(summary: Summary) -> bytes:
    return encode_json(summary)


def schema_text() -> str:
    """The shipped JSON Schema of the document."""
    return resources.files("analyzer").joinpath(SCHEMA_FILE).read_text(encoding="utf-8")


def generated_schema_text() -> str:
    """The schema as the Structs define it now (what `schema_text` must equal)."""
    return encode_json(summary_schema()).decode("utf-8")
