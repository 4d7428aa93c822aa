"""The analyzer against the recorded samples: what each scenario did (its expected file, written from the
page's and the simulator's own logs at recording time) is what the analyzer finds in the HAR."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analyzer.analysis.analyze import Analysis, analyze
from analyzer.har import load_capture

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
NAMES = sorted(p.name.removesuffix(".expected.json") for p in SAMPLES.glob("*.expected.json"))


@cache
def loaded(name: str) -> tuple[Analysis, dict[str, Any]]:
    expected = json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    return analyze(load_capture(SAMPLES / f"{name}.har")), expected


def index_of(analysis: Analysis, ref: dict[str, Any]) -> int:
    frame = analysis.traffic.frame
    rows = frame[(frame["method"] == ref["method"]) & (frame["url"] == ref["url"])].sort_values(["started", "index"])
    assert len(rows) > ref["occurrence"], f"{ref['method']} {ref['url']} #{ref['occurrence']} is not in the HAR"
    return int(rows.iloc[ref["occurrence"]]["index"])


@pytest.mark.parametrize("name", NAMES)
def test_navigations_and_verdicts(name: str) -> None:
    analysis, expected = loaded(name)
    ours = [(n.index, n.trigger) for n in analysis.traffic.navigations]
    assert ours == [(n["index"], n["trigger"]) for n in expected["navigations"]]
    for navigation in expected["navigations"]:
        verdicts = {v.key: v for v in analysis.verdicts if v.navigation == navigation["index"]}
        assert sorted(verdicts) == sorted(r["key"] for r in navigation["resources"])
        for resource in navigation["resources"]:
            verdict = verdicts[resource["key"]]
            assert (verdict.mode, verdict.counts) == (resource["mode"], resource["counts"]), resource["key"]
            if resource["poll_interval_s"] is None:
                assert verdict.poll_interval_s is None
            else:
                assert verdict.poll_interval_s == pytest.approx(resource["poll_interval_s"], abs=0.5)


@pytest.mark.parametrize("name", NAMES)
def test_findings(name: str) -> None:
    analysis, expected = loaded(name)
    for wanted in expected["findings"]:
        matching = [f for f in analysis.findings if f.id == wanted["id"] and f.navigation == wanted["navigation"]
                    and (wanted["resource"] is None or f.resource == wanted["resource"])]  # fmt: skip
        assert matching, f"{wanted['id']} not found"
        evidence = {index_of(analysis, ref) for ref in wanted.get("evidence", [])}
        assert evidence <= set().union(*(set(f.evidence) for f in matching)), wanted["id"]
    expected_errors = {f["id"] for f in expected["findings"]}
    unexpected = [f for f in analysis.findings if f.severity == "error" and f.id not in expected_errors]
    assert unexpected == []


@pytest.mark.parametrize("name", NAMES)
def test_requests_streams_and_events(name: str) -> None:
    analysis, expected = loaded(name)
    frame = analysis.traffic.frame.set_index("index")
    keys = dict(zip(analysis.accesses["index"], analysis.accesses["key"], strict=True))
    links = {link.index: link for chain in analysis.chains for link in chain.watches}
    for ref in expected["requests"]:
        index = index_of(analysis, ref)
        row = frame.loc[index]
        assert isinstance(row, pd.Series)  # one row: the index is unique
        assert int(row["navigation"]) == ref["navigation"] and row["ended_by"] == ref["ended_by"], ref["url"]
        assert (None if row["verb"] is None or row["verb"] is pd_na() else row["verb"]) == ref["verb"]
        if ref.get("key") and (row["continue"] is None or row["continue"] is pd_na()):
            assert keys.get(index) == ref["key"]  # a paged list's later pages are part of its first read
        if ref.get("events") and index in links and links[index].events is not None:
            counts = {k: v for k, v in (links[index].events or {}).items() if v}
            assert counts == ref["events"], ref["url"]
    streams = expected["streams"]
    aborted = {s.index for s in analysis.traffic.streams if s.aborted_by_navigation}
    assert {index_of(analysis, r) for r in streams["aborted_by_navigation"]} == aborted
    assert {index_of(analysis, r) for r in streams["expired"]} == {i for i, link in links.items() if link.expired}
    queued = {i for s in analysis.traffic.saturations for i in s.queued}
    assert {index_of(analysis, r) for r in streams["queued"]} <= queued
    open_now = {s.index for s in analysis.traffic.streams if s.ended_by == "open"}
    assert {index_of(analysis, r) for r in streams["open_at_end"]} <= open_now | set(
        frame.index[frame["ended_by"] == "open"]
    )


def pd_na() -> Any:
    return pd.NA
