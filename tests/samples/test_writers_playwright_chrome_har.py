"""Playwright's plain `record_har` and sitespeed.io's chrome-har: a short live recording with each, and their samples.

The smoke tests record one 5 s scenario (a detail page whose 30 s watch is cut by a reload at 2.5 s) on free
ports and check what each writer is known to write; the sample tests read the committed `samples/playwright/`
and `samples/chrome-har/` files. Neither compares the analysis with the expected files (later work does).
"""

from __future__ import annotations

import dataclasses
import json
import os
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analyzer.har.loader import Capture, load_capture
from analyzer.k8s.request_table import request_frame
from samples.simulator.record_all import record_scenario
from samples.simulator.scenarios import BY_NAME
from samples.simulator.writers import chrome_har, playwright
from tests.record.conftest import require_recorder

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
CREATORS = {"playwright": "Playwright", "chrome-har": "chrome-har"}  # log.creator.name
LABELS = {"playwright": playwright.LABEL, "chrome-har": chrome_har.LABEL}  # how the expected file names the writer
# The shortest scenario with a reload, made shorter: load 1's watch is open when the reload cuts it.
SMOKE = dataclasses.replace(BY_NAME["detail-reload-mid-watch"], duration=5.0, reload_after=(2.5,))


def _require_writer(writer: str) -> Path:
    """The browser; skips (fails under CI=true) when Chromium, Playwright or (for chrome-har) Node is missing."""
    browser = require_recorder()
    if writer == "chrome-har" and not (shutil.which("node") and shutil.which("npm")):
        reason = "chrome-har needs Node.js and npm (apt-get install nodejs npm)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: .ci/run must install it")
        pytest.skip(reason)
    return browser


def _entry(frame: pd.DataFrame, ref: dict[str, Any]) -> pd.Series:
    """The request an expected file names: the occurrence-th one with that method and URL, in start order."""
    same = frame[(frame.method == ref["method"]) & (frame.url == ref["url"])]
    assert len(same) > ref["occurrence"], f"not in the HAR: {ref}"
    row: pd.Series = same.iloc[ref["occurrence"]]
    return row


def _unwritten(expected: dict[str, Any]) -> list[dict[str, Any]]:
    """The requests the expected file says this writer leaves out of its HAR."""
    return [ref for spot in expected.get("writer_blind_spots", []) if not spot["written"] for ref in spot["requests"]]


def _assert_requests_present(expected: dict[str, Any], frame: pd.DataFrame) -> None:
    unwritten = _unwritten(expected)
    for request in expected["requests"]:
        ref = {k: request[k] for k in ("method", "url", "occurrence")}
        if ref not in unwritten:
            _entry(frame, ref)


def _raw_entry(raw: dict[str, Any], ref: dict[str, Any]) -> dict[str, Any]:
    """The same request in the HAR's own JSON (start order, as in the expected file)."""
    same = [e for e in raw["entries"] if e["request"]["method"] == ref["method"] and e["request"]["url"] == ref["url"]]
    entry: dict[str, Any] = sorted(same, key=lambda e: e["startedDateTime"])[ref["occurrence"]]
    return entry


@pytest.mark.parametrize("writer", list(CREATORS))
def test_smoke_recording(writer: str, tmp_path: Path) -> None:
    browser = _require_writer(writer)
    expected = record_scenario(SMOKE, tmp_path, browser=browser, ports=(0, 0), writer=writer)
    raw = json.loads((tmp_path / f"{SMOKE.name}.har").read_text(encoding="utf-8"))["log"]
    frame = request_frame(load_capture(tmp_path / f"{SMOKE.name}.har"))
    assert raw["creator"]["name"] == CREATORS[writer]
    assert expected["recorded_with"]["browser"].endswith(f"({LABELS[writer]})")
    assert len(raw["pages"]) == 1  # neither writer starts a page at a reload
    documents = [e for e in raw["entries"] if e["_resourceType"] == "document"]
    page_url = expected["navigations"][0]["url"]
    assert [(e["request"]["url"], e["response"]["status"]) for e in documents] == [(page_url, 200)] * 2
    assert {e["pageref"] for e in documents} == {raw["pages"][0]["id"]}
    _assert_requests_present(expected, frame)
    (cut,) = expected["streams"]["aborted_by_navigation"]
    (still_open,) = [r for r in expected["streams"]["open_at_end"] if "watch=true" in r["url"]]
    aborted, running = _raw_entry(raw, cut), _raw_entry(raw, still_open)
    facts = {spot["fact"] for spot in expected["writer_blind_spots"]}
    if writer == "playwright":
        assert aborted["response"]["_failureText"] == "net::ERR_ABORTED"
        assert running["timings"]["receive"] == -1 and running["response"]["content"]["size"] == -1
        assert {"connection", "aborted-duration", "open-at-end"} <= facts
    else:
        assert "_failureText" not in aborted["response"] and aborted["timings"]["receive"] == 0
        assert running["timings"]["receive"] == 0 and running["connection"]
        assert {"response-bodies", "aborted-unmarked", "open-at-end"} <= facts


COMMITTED = [
    pytest.param(writer, path.name.removesuffix(".expected.json"), id=f"{writer}/{path.name}")
    for writer in CREATORS
    for path in sorted((SAMPLES / writer).glob("*.expected.json"))
]


@cache
def _sample(writer: str, name: str) -> tuple[dict[str, Any], Capture, pd.DataFrame]:
    folder = SAMPLES / writer
    expected = json.loads((folder / f"{name}.expected.json").read_text(encoding="utf-8"))
    capture = load_capture(folder / f"{name}.har")
    return expected, capture, request_frame(capture)


@pytest.mark.parametrize("writer", list(CREATORS))
def test_each_writer_has_samples(writer: str) -> None:
    assert any(param.values[0] == writer for param in COMMITTED)


@pytest.mark.parametrize(("writer", "name"), COMMITTED)
def test_committed_sample(writer: str, name: str) -> None:
    expected, capture, frame = _sample(writer, name)
    assert capture.creator == CREATORS[writer] and not capture.truncated
    assert expected["scenario"] == name
    assert expected["recorded_with"]["browser"].endswith(f"({LABELS[writer]})")
    assert isinstance(expected["writer_blind_spots"], list)
    _assert_requests_present(expected, frame)
