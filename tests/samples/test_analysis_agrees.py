"""The analyzer against the recorded samples of every HAR writer: what each scenario did (its expected file,
written from the page's and the simulator's own logs at recording time) is what the analyzer finds in the HAR.

What a writer cannot show is in the expected file's `writer_blind_spots`: a request it did not write at all
(`written: false`: DevTools leaves out what was still open; chrome-har its websockets) is taken out of the counts
and the findings it alone shows, and where a writer kept a request without the evidence of how it ended
(`written: true`, e.g. Firefox keeps no websocket frames), `unknown` is the right answer. Everything else must
agree: page loads, each resource's mode per load, poll intervals within 10 %, how each request ended, the
streams cut by a reload, expired and still open, every expected finding and no unexpected warning or error.
"""

from __future__ import annotations

import json
from collections import Counter
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analyzer.analysis.analyze import Analysis, analyze
from analyzer.analysis.values import is_missing
from analyzer.har import load_capture
from analyzer.settings import Settings

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CAPTURES = [c for c in sorted(SAMPLES.glob("*.har")) + sorted(SAMPLES.glob("*/*.har"))
            if c.with_suffix(".expected.json").is_file()]  # fmt: skip
Ref = tuple[str, str, int]  # method, url, occurrence: how an expected file names a request


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}" if path.parent != SAMPLES else f"record/{path.stem}"


@cache
def loaded(capture: Path) -> tuple[Analysis, dict[str, Any]]:
    expected = json.loads(capture.with_suffix(".expected.json").read_text(encoding="utf-8"))
    auto = capture.parent.name == "unknown-gateway"  # the API under a path only --prefix auto finds
    return analyze(load_capture(capture), Settings(discover_prefixes=auto)), expected


def ref(request: dict[str, Any]) -> Ref:
    return request["method"], request["url"], request["occurrence"]


def blind(expected: dict[str, Any], *, written: bool) -> set[Ref]:
    """The requests the writer's blind spots name: not in the HAR at all, or in it without some fact."""
    spots = expected.get("writer_blind_spots", [])
    return {ref(r) for spot in spots if spot["written"] is written for r in spot["requests"]}


def index_of(analysis: Analysis, wanted: Ref) -> int | None:
    frame = analysis.traffic.frame
    method, url, occurrence = wanted
    rows = frame[(frame["method"] == method) & (frame["url"] == url)].sort_values(["started", "index"])
    return int(rows.iloc[occurrence]["index"]) if len(rows) > occurrence else None


def located(analysis: Analysis, expected: dict[str, Any], refs: list[dict[str, Any]]) -> set[int]:
    """The indices of the requests `refs` names that the writer wrote (each must be in the HAR)."""
    unwritten = blind(expected, written=False)
    found = set()
    for wanted in (ref(r) for r in refs if ref(r) not in unwritten):
        index = index_of(analysis, wanted)
        assert index is not None, f"{wanted[0]} {wanted[1]} #{wanted[2]} is not in the HAR"
        found.add(index)
    return found


@pytest.mark.parametrize("capture", CAPTURES, ids=_id)
def test_navigations_and_verdicts(capture: Path) -> None:
    analysis, expected = loaded(capture)
    ours = [(n.index, n.trigger) for n in analysis.traffic.navigations]
    assert ours == [(n["index"], n["trigger"]) for n in expected["navigations"]]
    unwritten = blind(expected, written=False)
    missing = Counter((r["navigation"], r["key"], r["verb"]) for r in expected["requests"] if ref(r) in unwritten)
    for navigation in expected["navigations"]:
        verdicts = {v.key: v for v in analysis.verdicts if v.navigation == navigation["index"]}
        for resource in navigation["resources"]:
            key = resource["key"]
            visible = {verb: n - missing[(navigation["index"], key, verb)] for verb, n in resource["counts"].items()}
            if not any(visible.values()):
                assert key not in verdicts, key  # the writer wrote none of its requests
                continue
            verdict = verdicts[key]
            assert verdict.counts == visible, key
            if visible == resource["counts"]:  # the writer wrote every request the mode rests on
                assert verdict.mode == resource["mode"], key
            if resource["poll_interval_s"] is None:
                assert verdict.poll_interval_s is None, key
            else:
                assert verdict.poll_interval_s == pytest.approx(resource["poll_interval_s"], rel=0.1), key


@pytest.mark.parametrize("capture", CAPTURES, ids=_id)
def test_findings(capture: Path) -> None:
    analysis, expected = loaded(capture)
    for wanted in expected["findings"]:
        evidence = located(analysis, expected, wanted.get("evidence", []))
        if wanted.get("evidence") and not evidence:
            continue  # the writer wrote none of what shows it
        # a request the writer kept without the fact that made it evidence (a queue wait it has no timing for)
        evidence -= located(analysis, expected, [{"method": m, "url": u, "occurrence": o}
                                                 for m, u, o in blind(expected, written=True)])  # fmt: skip
        matching = [f for f in analysis.findings if f.id == wanted["id"] and f.navigation == wanted["navigation"]
                    and (wanted["resource"] is None or f.resource == wanted["resource"])]  # fmt: skip
        assert matching, f"{wanted['id']} not found"
        assert evidence <= set().union(*(set(f.evidence) for f in matching)), wanted["id"]
    named = {f["id"] for f in expected["findings"]}
    unexpected = [f.id for f in analysis.findings if f.severity in ("error", "warning") and f.id not in named]
    assert unexpected == []


@pytest.mark.parametrize("capture", CAPTURES, ids=_id)
def test_how_each_request_ended(capture: Path) -> None:
    analysis, expected = loaded(capture)
    frame = analysis.traffic.frame.set_index("index")
    keys = dict(zip(analysis.accesses["index"], analysis.accesses["key"], strict=True))
    without_evidence = blind(expected, written=True)
    for request in expected["requests"]:
        (index,) = located(analysis, expected, [request]) or (None,)
        if index is None:
            continue
        row = frame.loc[index]
        assert isinstance(row, pd.Series)  # one row: the index is unique
        assert int(row["navigation"]) == request["navigation"], request["url"]
        assert (None if is_missing(row["verb"]) else row["verb"]) == request["verb"], request["url"]
        if request.get("key") and is_missing(row["continue"]):
            assert keys.get(index) == request["key"]  # a paged list's later pages are part of its first read
        allowed = {request["ended_by"]} | ({"unknown"} if ref(request) in without_evidence else set())
        assert row["ended_by"] in allowed, (request["url"], row["ended_by"])


@pytest.mark.parametrize("capture", CAPTURES, ids=_id)
def test_streams_and_events(capture: Path) -> None:
    analysis, expected = loaded(capture)
    streams = expected["streams"]
    links = {link.index: link for chain in analysis.chains for link in chain.watches}
    for request in expected["requests"]:
        index = next(iter(located(analysis, expected, [request])), None)
        if request.get("events") and index in links and links[index].events is not None:
            counts = {k: v for k, v in (links[index].events or {}).items() if v}
            assert counts == request["events"], request["url"]
    cut = {s.index for s in analysis.traffic.streams if s.aborted_by_navigation}
    assert located(analysis, expected, streams["aborted_by_navigation"]) == cut
    expired = {i for i, link in links.items() if link.expired or link.expiry_inferred}
    assert located(analysis, expected, streams["expired"]) == expired
    open_now = {s.index for s in analysis.traffic.streams if s.ended_by in ("open", "unknown")}
    frame = analysis.traffic.frame
    open_now |= set(frame.loc[frame["ended_by"].isin(["open", "unknown"]), "index"])
    assert located(analysis, expected, streams["open_at_end"]) <= open_now
    # `queued`: still in the browser's queue at the end, never seen by the server; Playwright's status -1 shows it
    never_sent = {s.index for s in analysis.traffic.streams if s.queued}
    unseen = located(analysis, expected, [r for r in expected["requests"] if r["server_end"] is None])
    assert never_sent <= unseen
    if "playwright" in (analysis.traffic.capture.creator or "").lower():
        assert never_sent == unseen
    if not any(s["fact"] == "queueing" for s in expected.get("writer_blind_spots", [])):
        queued = {i for s in analysis.traffic.saturations for i in s.queued}
        assert located(analysis, expected, streams["queued"]) <= queued


@pytest.mark.parametrize("capture", CAPTURES, ids=_id)
def test_a_bound_is_never_reported_as_a_measure(capture: Path) -> None:
    """A stream whose end is not known has no `ended` and a duration that says which bound it is."""
    analysis, _ = loaded(capture)
    for stream in analysis.traffic.streams:
        if stream.ended_by in ("open", "unknown"):
            assert stream.ended is None and stream.duration_bound in ("at_least", None), stream.index
        if stream.duration_bound == "at_least":
            assert stream.ended is None, stream.index
        if stream.duration_bound == "at_most":
            assert stream.ended is not None, stream.index


def test_every_writer_is_committed() -> None:
    writers = {_id(c).partition("/")[0] for c in CAPTURES}
    assert writers >= {"record", "playwright", "chrome-har", "firefox", "devtools"}
