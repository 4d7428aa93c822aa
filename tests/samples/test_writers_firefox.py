"""The Firefox writer: a short real recording (Firefox ESR under Xvfb, the Network panel's own "Save All As HAR"),
and the committed `samples/firefox/` captures it wrote.

What is asserted is what Firefox's export is known to write (docs/writers.md): creator Firefox, one page for the
whole capture although the page was reloaded, every main-frame document kept, and every API request the page
made (its own log, the expected file) present. The analysis of these captures is tested elsewhere.
"""

from __future__ import annotations

import importlib.util
import json
import os
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from analyzer.har.loader import load_capture
from analyzer.k8s.request_table import request_frame
from analyzer.record import RecordPlan

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "firefox"
COMMITTED = sorted(p.name.removesuffix(".expected.json") for p in SAMPLES.glob("*.expected.json"))


def require_firefox() -> None:
    """Skips the calling test (fails it under CI=true) when Firefox ESR, Xvfb or a Python package is missing."""
    from samples.simulator.writers.firefox import missing_programs

    missing = missing_programs()
    missing += [f"the Python package {module} (pip install -e '.[test]')" for module in
                ("hypercorn", "trustme", "wsproto") if importlib.util.find_spec(module) is None]  # fmt: skip
    if missing:
        reason = "the Firefox writer needs " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: .ci/run must install it")
        pytest.skip(reason)


def _har(path: Path) -> dict[str, Any]:
    har: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return har


def _missing_requests(har_path: Path, expected: dict[str, Any]) -> list[dict[str, Any]]:
    """The expected file's requests ({method, url, occurrence}) that the HAR does not hold."""
    frame = request_frame(load_capture(har_path))
    counts = frame.groupby(["method", "url"]).size().to_dict()
    return [{k: r[k] for k in ("method", "url", "occurrence")} for r in expected["requests"]
            if counts.get((r["method"], r["url"]), 0) <= r["occurrence"]]  # fmt: skip


def _documents(har: dict[str, Any], expected: dict[str, Any]) -> list[dict[str, Any]]:
    urls = {navigation["url"] for navigation in expected["navigations"]}
    return [entry for entry in har["log"]["entries"] if entry["request"]["url"] in urls]


def test_smoke_records_one_reload_with_firefox(tmp_path: Path) -> None:
    """4.5 s of the detail page with a reload 2.5 s in: the 30 s watch of load 1 is cut by the reload, load 2's is
    still open when the export runs. Nothing is requested near the end, so the export cannot race a request."""
    require_firefox()
    from samples.simulator.expected import build_expected, page_events
    from samples.simulator.scenarios import Scenario
    from samples.simulator.server import Churn, Simulator, SimulatorOptions
    from samples.simulator.world import key
    from samples.simulator.writers.firefox import BROWSER, LABEL, record

    watched = key("microservices", "asm-cal3")
    scenario = Scenario("firefox-smoke", "a reload mid-watch", "/console/detail?timeout=30", duration=4.5,
                        reload_after=(2.5,), churn=(Churn(watched, 1.0),), findings=())  # fmt: skip
    with Simulator(SimulatorOptions(churn=scenario.churn)) as simulator:
        plan = RecordPlan(url=simulator.http_url + scenario.page, output=tmp_path / "firefox.har",
                          duration=scenario.duration, reload_after=scenario.reload_after)  # fmt: skip
        result = record(plan)
        records = simulator.log.records()
    expected = build_expected(scenario, page_events([line.text for line in result.console]), records,
                              simulator.http_url, [result.started, *result.reloads], result.ended,
                              f"{BROWSER} {result.browser_version} ({LABEL})")  # fmt: skip
    har = _har(plan.output)
    assert har["log"]["creator"]["name"] == "Firefox" and har["log"]["version"] == "1.2"
    assert [page["id"] for page in har["log"]["pages"]] == ["page_1"]  # one page across the reload
    assert {entry["pageref"] for entry in har["log"]["entries"]} == {"page_1"}
    assert len(_documents(har, expected)) == 2 == len(expected["navigations"])  # the load and the reload
    assert [r["verb"] for r in expected["requests"]].count("watch") == 2
    assert not _missing_requests(plan.output, expected)
    capture = load_capture(plan.output)
    assert capture.creator == "Firefox" and not capture.truncated


def test_committed_samples_are_there() -> None:
    assert COMMITTED, f"no Firefox samples in {SAMPLES}"
    assert all((SAMPLES / f"{name}.har").is_file() for name in COMMITTED)


@cache
def _committed(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    expected: dict[str, Any] = json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    return expected, _har(SAMPLES / f"{name}.har")


@pytest.mark.parametrize("name", COMMITTED)
def test_committed_sample_is_firefox_export(name: str) -> None:
    expected, har = _committed(name)
    capture = load_capture(SAMPLES / f"{name}.har")
    assert capture.creator == "Firefox" and capture.browser is not None and capture.browser.startswith("Firefox")
    assert not capture.truncated
    assert expected["recorded_with"]["browser"].startswith("Firefox ESR ")
    assert len(har["log"]["pages"]) == 1  # Firefox keeps one page across reloads
    assert len(_documents(har, expected)) == len(expected["navigations"])


@pytest.mark.parametrize("name", COMMITTED)
def test_committed_sample_has_every_expected_request(name: str) -> None:
    expected, _ = _committed(name)
    assert not _missing_requests(SAMPLES / f"{name}.har", expected)


def _entry(har: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    same = [
        e for e in har["log"]["entries"] if (e["request"]["method"], e["request"]["url"]) == (ref["method"], ref["url"])
    ]
    entry: dict[str, Any] = same[ref["occurrence"]]
    return entry


@pytest.mark.parametrize("name", COMMITTED)
def test_committed_sample_writes_unfinished_requests_the_firefox_way(name: str) -> None:
    """Open at the export: `time` 0 and no timings (a websocket: its 101 handshake, like a closed one). Cut by a
    reload: no error field, status 200 or 0."""
    expected, har = _committed(name)
    for ref in expected["streams"]["open_at_end"]:
        entry = _entry(har, ref)
        if ref["url"].startswith(("ws:", "wss:")):
            assert entry["response"]["status"] == 101, ref
        else:
            assert (entry["time"], entry["timings"]) == (0, {}) and entry["response"]["status"] in (0, 200), ref
    for fact in expected["streams"]["aborted_by_navigation"]:
        entry = _entry(har, fact)
        assert entry["response"]["status"] in (0, 200) and entry["time"] > 0, fact
        assert not {"_error", "_failureText"} & set(entry["response"]), fact
