"""The typed summary: resource keys and their one string form, enumerations, reading `analysis.json` back, and
the committed JSON Schema being the one the Structs generate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from analyzer.analysis.analyze import analyze
from analyzer.har.loader import load_capture
from analyzer.render.json import generated_schema_text, render_analysis_json, schema_text
from analyzer.summary import (
    ENDED_BY,
    SCHEMA_ID,
    ResourceKey,
    SummaryError,
    decode_summary,
    one_of,
)

SAMPLE = Path(__file__).resolve().parents[1] / "samples" / "detail-watch-then-poll.har"


@pytest.mark.parametrize(
    ("text", "key"),
    [
        pytest.param(
            "calico3/asm.alauda.io/v1beta3/testhl/microservices/asm-cal3",
            ResourceKey("calico3", "asm.alauda.io", "v1beta3", "testhl", "microservices", "asm-cal3"),
            id="object-behind-a-console",
        ),
        pytest.param(
            "-/core/v1/-/namespaces/team-a",
            ResourceKey(None, None, "v1", None, "namespaces", "team-a"),
            id="cluster-scoped-core-object",
        ),
        pytest.param("-/core/v1/default/pods", ResourceKey(None, None, "v1", "default", "pods"), id="collection"),
        pytest.param("c/core/-/-/pods", ResourceKey("c", None, None, None, "pods"), id="no-version"),
        pytest.param(
            "c/core/v1/ns/pods/a/b",
            ResourceKey("c", None, "v1", "ns", "pods", "a/b"),
            id="name-from-a-selector-with-a-slash",
        ),
    ],
)
def test_key_and_its_string_form(text: str, key: ResourceKey) -> None:
    assert ResourceKey.parse(text) == key and str(key) == text


def test_labels_collection_and_all_namespaces() -> None:
    key = ResourceKey.parse("calico3/core/v1/testhl/configmaps/cfg")
    assert key.labels == ("calico3", "core", "v1", "testhl", "configmaps", "cfg")
    assert str(key.collection) == "calico3/core/v1/testhl/configmaps"
    assert str(key.all_namespaces) == "calico3/core/v1/-/configmaps"
    assert ResourceKey.parse("c/core/v1/-/nodes").labels[5] == ""


@pytest.mark.parametrize("text", ["", "a/b/c/d", "example.com"])
def test_not_a_key(text: str) -> None:
    with pytest.raises(ValueError, match="not a resource key"):
        ResourceKey.parse(text)


def test_one_of_an_enumeration() -> None:
    assert one_of("open", ENDED_BY) == "open"
    with pytest.raises(ValueError, match="'closed' is not one of complete, open, aborted, error"):
        one_of("closed", ENDED_BY)


def test_analysis_json_reads_back_into_the_same_summary() -> None:
    summary = analyze(load_capture(SAMPLE)).summary
    assert decode_summary(render_analysis_json(summary)) == summary


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(
            b'{"schema": "har-analyzer/analysis/v1", "capture": {}}',
            "unsupported report schema 'har-analyzer/analysis/v1'",
            id="v1",
        ),
        pytest.param(b"{", "invalid JSON", id="cut-off"),
        pytest.param(b'{"log": {}}', "not an analysis report (no schema)", id="a-har"),
        pytest.param(f'{{"schema": "{SCHEMA_ID}"}}'.encode(), "not a valid analysis report", id="keys-missing"),
    ],
)
def test_what_is_not_a_v2_summary_is_one_line(data: bytes, message: str) -> None:
    with pytest.raises(SummaryError) as caught:
        decode_summary(data)
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


def test_committed_schema_is_generated_from_the_structs() -> None:
    assert schema_text() == generated_schema_text(), "regenerate analyzer/schemas/analysis-v2.schema.json"
    assert json.loads(schema_text())["$id"].endswith(SCHEMA_ID)


WRITERS_SAMPLES = sorted(p for p in (SAMPLE.parent).rglob("poll-list.har") if p.is_file())


@pytest.mark.parametrize("sample", WRITERS_SAMPLES, ids=lambda p: p.parent.name)
def test_equal_texts_of_requests_are_one_object(sample: Path) -> None:
    """A console polls the same URLs over the same connections: each distinct URL and connection id is one str
    object, shared by its requests (a million requests' copies were about 150 MB)."""
    requests = analyze(load_capture(sample)).summary.requests
    for field in ("url", "connection"):
        values = [getattr(r, field) for r in requests if getattr(r, field) is not None]
        first: dict[str, str] = {}
        assert all(first.setdefault(value, value) is value for value in values), field
        assert len(first) < len(values), f"{field}: no value repeats, so nothing was shown to be shared"
