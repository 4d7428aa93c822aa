"""The facts of every sample and every corpus file — page loads with their verdicts, connections, streams, watch
chains, findings, totals and traffic figures — held to golden digests (`facts-*.json`), so that work on how the
analysis computes them (issue 16: on columns, for speed) cannot change what it finds. Each file's row names the
counts and finding ids beside the digest, so that a changed row says what changed; `/tmp` dumps and a JSON diff
tell the rest. Regenerate only for an intended change: `pytest tests/golden --update-golden`."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import msgspec
import pytest

from analyzer.errors import InputError
from analyzer.summary import Summary
from tests.analysis.test_corpus_traffic import FILES, analysis
from tests.conftest import CORPUS, require_shared

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted(p for p in (REPO / "samples").rglob("*.har*") if not p.name.endswith(".expected.json"))
FACTS = ("navigations", "connections", "streams", "watch_chains", "findings", "summary", "traffic")


def facts(summary: Summary) -> dict[str, Any]:
    """The row of one capture: a digest of its facts, and the counts a reader looks at first."""
    encoded = msgspec.json.encode({name: getattr(summary, name) for name in FACTS})
    return {
        "digest": hashlib.sha256(encoded).hexdigest()[:20],
        "loads": len(summary.navigations),
        "verdicts": sum(len(n.resources) for n in summary.navigations),
        "streams": len(summary.streams),
        "connections": len(summary.connections),
        "findings": sorted(f.id for f in summary.findings),
    }


def _rows(names: list[str], summarize: Any) -> str:
    rows: dict[str, Any] = {}
    for name in names:
        try:
            rows[name] = facts(summarize(name))
        except InputError as exc:
            rows[name] = {"unreadable": str(exc).split(": ", 1)[-1]}
    return json.dumps(rows, indent=1, sort_keys=True) + "\n"


def test_the_facts_of_every_sample(golden: Any) -> None:
    from analyzer.analysis.analyze import analyze
    from analyzer.har import load_capture

    names = [str(p.relative_to(REPO / "samples")) for p in SAMPLES]
    golden("facts-samples.json", _rows(names, lambda name: analyze(load_capture(REPO / "samples" / name)).summary))


def test_the_facts_of_every_sample_and_corpus_file_read_as_the_cli_reads(golden: Any) -> None:
    """The CLI has the loader count the watches' events where it decodes the entries (`WATCH_BODIES`): the same
    facts."""
    from analyzer.analysis.analyze import analyze
    from analyzer.analysis.watch_events import WATCH_BODIES
    from analyzer.har import load_capture

    def summarize(path: Path) -> Summary:
        return analyze(load_capture(path, digest=WATCH_BODIES)).summary

    names = [str(p.relative_to(REPO / "samples")) for p in SAMPLES]
    golden("facts-samples.json", _rows(names, lambda name: summarize(REPO / "samples" / name)))
    require_shared(CORPUS)
    golden("facts-corpus.json", _rows(FILES, lambda name: summarize(CORPUS / name)))


def test_the_facts_of_every_corpus_file(golden: Any) -> None:
    require_shared(CORPUS)
    if not FILES:
        pytest.fail(f"{CORPUS} holds no capture")
    golden("facts-corpus.json", _rows(FILES, lambda name: analysis(name).summary))
