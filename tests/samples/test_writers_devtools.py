"""Chromium DevTools' own HAR export (samples/simulator/writers/devtools.py) and the samples recorded with it.

The smoke test records one short scenario (a reload, watches that never end) with a headful Chromium under
Xvfb and checks what DevTools' "Export HAR (sanitized)" is known to write: no `log.browser`, one page per load,
`_initiator` with the JavaScript stack on every fetch, both documents, and no entry for an unfinished request.
The committed samples under samples/devtools/ are checked for the same shape and for every request their
expected file says finished.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from analyzer.har.loader import load_capture
from analyzer.record.defaults import DEFAULT_BROWSER

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "devtools"
SCENARIOS = sorted(p.name.removesuffix(".expected.json") for p in SAMPLES.glob("*.expected.json"))


def require_devtools_writer() -> None:
    """Skip (fail under CI=true) when Chromium, Xvfb or the Python packages the writer needs are missing."""
    missing = []
    if not DEFAULT_BROWSER.is_file():
        missing.append(f"{DEFAULT_BROWSER} (apt-get install chromium)")
    if shutil.which("Xvfb") is None:
        missing.append("Xvfb (apt-get install xvfb)")
    for module in ("playwright", "hypercorn", "trustme"):
        if importlib.util.find_spec(module) is None:
            missing.append(f"the Python package {module} (pip install -e '.[test]')")
    if missing:
        reason = "the devtools writer needs " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: .ci/run must install it")
        pytest.skip(reason)


def _raw(path: Path) -> dict[str, Any]:
    """The file as DevTools wrote it: the writer's own shape (`log.browser`, `_initiator`) is what is checked."""
    log: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))["log"]
    return log


def test_smoke_records_a_reload_with_devtools_export(tmp_path: Path) -> None:
    require_devtools_writer()
    from analyzer.record import RecordPlan
    from samples.simulator.server import Churn, Simulator, SimulatorOptions
    from samples.simulator.world import key
    from samples.simulator.writers import recorder

    out = tmp_path / "smoke.har"
    started = time.monotonic()
    with Simulator(SimulatorOptions(churn=(Churn(key("microservices", "asm-cal3"), 1.0),))) as simulator:
        plan = RecordPlan(url=f"{simulator.http_url}/console/detail?timeout=30", output=out, duration=5.0,
                          reload_after=(2.5,), local_storage_before_reload=(("downgradePolling", "true"),))  # fmt: skip
        result = recorder("devtools")(plan)
        records = simulator.log.records()
    assert time.monotonic() - started < 60
    assert result.reloads and result.started < result.reloads[0] < result.ended
    assert any(line.text.startswith("[sim-console] ") for line in result.console)

    log = _raw(out)
    assert log["creator"]["name"] == "WebInspector" and "browser" not in log
    pages = [page["id"] for page in log["pages"]]
    assert len(pages) == 2  # one page per load: the reload started the second
    documents = [e for e in log["entries"] if e["_resourceType"] == "document"]
    assert [e["pageref"] for e in documents] == pages
    fetches = [e for e in log["entries"] if e["_resourceType"] == "fetch"]
    assert fetches and all(e["_initiator"]["type"] == "script" for e in fetches)
    assert all(e["_initiator"]["stack"]["callFrames"][0]["url"].endswith("/static/console.js") for e in fetches)
    # The 30 s watch of load 1 (cut by the reload) and load 2's polls still in flight are left out; the
    # simulator saw the watch, DevTools exported no entry for it.
    assert any(r.verb == "watch" for r in records)
    assert not any("watch=" in e["request"]["url"] for e in log["entries"])
    capture = load_capture(out)
    assert capture.creator == "WebInspector" and capture.browser is None and not capture.warnings
    assert len(capture) == result.entries == len(log["entries"])


@pytest.mark.parametrize("name", SCENARIOS)
def test_committed_sample_has_devtools_shape(name: str) -> None:
    capture = load_capture(SAMPLES / f"{name}.har")
    assert capture.creator == "WebInspector" and capture.browser is None
    assert not capture.warnings and not capture.truncated
    expected = json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    assert len(capture.pages) == len(expected["navigations"])  # one page per load


@pytest.mark.parametrize("name", SCENARIOS)
def test_committed_sample_holds_every_finished_request(name: str) -> None:
    expected = json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    entries = Counter((e["request"]["method"], e["request"]["url"]) for e in _raw(SAMPLES / f"{name}.har")["entries"])
    finished = Counter((r["method"], r["url"]) for r in expected["requests"] if r["ended_by"] == "complete")
    missing = {ref: count for ref, count in finished.items() if entries[ref] < count}
    assert not missing, f"finished requests the export lacks: {missing}"


def test_every_scenario_has_a_sample() -> None:
    from samples.simulator.scenarios import SCENARIOS as ALL

    assert {s.name for s in ALL} <= set(SCENARIOS)
