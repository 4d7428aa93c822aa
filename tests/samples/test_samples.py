"""The committed samples: each HAR loads, each expected file is well-formed and agrees with its HAR.

The expected files were written from the page's and the simulator's logs (samples/simulator/expected.py);
here they are checked against what Chromium recorded: every request they name is in the HAR, aborted ones
carry Playwright's abort, queued ones show the wait in `blocked`, the 410 is in the stream body, requests on
one Chrome connection came from one client port, and each navigation is one document request.
"""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analyzer.har.loader import Capture, load_capture
from analyzer.k8s.request_table import request_frame
from samples.simulator import scenarios as simulator_scenarios

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
EXPECTED = sorted(SAMPLES.glob("*.expected.json"))
SCENARIOS = {scenario.name for scenario in simulator_scenarios.SCENARIOS}
MODES = {"watch", "poll", "once", "watch+poll"}
FINDINGS = {"watch-replaced-by-polling", "polling-instead-of-watch", "watch-and-poll", "http1-connection-saturation",
            "watch-expired", "relist-storm", "watch-without-resource-version", "watch-reconnect-storm",
            "watch-ended-early", "watch-aborted-by-navigation", "duplicate-requests",
            "capture-omits-unfinished"}  # fmt: skip
KEY = re.compile(r"^[^/]+/[^/]+/[^/]+/[^/]+/[^/]+(/[^/]+)?$")
ENDED_BY = {"complete", "open", "aborted", "error"}


@cache
def _load(name: str) -> tuple[dict[str, Any], Capture, pd.DataFrame]:
    expected = json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    capture = load_capture(SAMPLES / f"{name}.har")
    return expected, capture, request_frame(capture)


def _entry(frame: pd.DataFrame, ref: dict[str, Any]) -> pd.Series:
    """The request an expected file names: the occurrence-th one with that method and URL, in start order."""
    same = frame[(frame.method == ref["method"]) & (frame.url == ref["url"])]
    assert len(same) > ref["occurrence"], f"not in the HAR: {ref}"
    row: pd.Series = same.iloc[ref["occurrence"]]
    return row


def _refs(expected: dict[str, Any]) -> list[dict[str, Any]]:
    streams = expected["streams"]
    refs = [*expected["requests"], *streams["aborted_by_navigation"], *streams["queued"], *streams["open_at_end"]]
    refs += [e for e in streams["expired"]] + [e["relist"] for e in streams["expired"] if e["relist"]]
    return refs + [ref for finding in expected["findings"] for ref in finding.get("evidence", [])]


def test_every_scenario_is_committed() -> None:
    assert {p.name.removesuffix(".expected.json") for p in EXPECTED} == SCENARIOS
    assert all((SAMPLES / f"{name}.har").is_file() for name in SCENARIOS)


@pytest.fixture(params=sorted(SCENARIOS))
def sample(request: pytest.FixtureRequest) -> tuple[dict[str, Any], Capture, pd.DataFrame]:
    return _load(request.param)


def test_har_loads_as_a_chromium_recording(sample: tuple[dict[str, Any], Capture, pd.DataFrame]) -> None:
    expected, capture, frame = sample
    assert capture.creator == "Playwright" and capture.browser is not None and capture.browser.startswith("chromium")
    assert not capture.warnings and not capture.truncated
    assert {"get", "list", "watch"} & set(frame.verb.dropna())
    http = frame[~frame.websocket & frame.status.notna()]
    assert http.connection_id.notna().all() and http.blocked.notna().all()
    assert set(http.http_version) == {expected["protocol"]}


def test_expected_file_is_well_formed(sample: tuple[dict[str, Any], Capture, pd.DataFrame]) -> None:
    expected, _, _ = sample
    assert expected["schema"] == "har-analyzer/sample-expected/v1"
    navigations = expected["navigations"]
    assert [n["index"] for n in navigations] == list(range(len(navigations)))
    assert [n["trigger"] for n in navigations] == ["initial"] + ["reload"] * (len(navigations) - 1)
    for navigation in navigations:
        for resource in navigation["resources"]:
            assert KEY.match(resource["key"]) and resource["mode"] in MODES
            assert (resource["poll_interval_s"] is not None) == ("poll" in resource["mode"])
            assert set(resource["counts"]) == {"get", "list", "watch"}
    indices = {n["index"] for n in navigations}
    for finding in expected["findings"]:
        assert finding["id"] in FINDINGS and finding["navigation"] in indices
        assert finding["resource"] is None or KEY.match(finding["resource"])
    assert all(r["ended_by"] in ENDED_BY for r in expected["requests"])


def test_every_request_named_is_in_the_har(sample: tuple[dict[str, Any], Capture, pd.DataFrame]) -> None:
    expected, _, frame = sample
    for ref in _refs(expected):
        _entry(frame, ref)
    api = frame[frame.k8s.fillna(False)]
    assert len(api) == len(expected["requests"])  # the page's own log names every API request in the HAR


def test_requests_agree_with_the_har(sample: tuple[dict[str, Any], Capture, pd.DataFrame]) -> None:
    expected, capture, frame = sample
    documents = frame[frame.resource_type == "document"]
    assert len(documents) == len(expected["navigations"])
    ports_by_connection: dict[str, set[int]] = {}
    for row in expected["requests"]:
        entry = _entry(frame, row)
        assert entry.verb == row["verb"]
        navigation = int((documents.started <= entry.started).sum()) - 1
        assert navigation == row["navigation"]
        if row["ended_by"] == "aborted":
            assert entry.error == "net::ERR_ABORTED"
        timeout = re.search(r"timeoutSeconds=(\d+)", row["url"])
        if row["server_end"] == "timeout" and not entry.websocket and timeout:
            assert entry.time_ms >= 1000 * int(timeout.group(1)) - 50
        if row["client_port"] is not None and not entry.websocket:
            ports_by_connection.setdefault(entry.connection_id, set()).add(row["client_port"])
    # one Chrome connection is one TCP connection: the server saw one client port for it
    assert all(len(ports) == 1 for ports in ports_by_connection.values())
    for queued in expected["streams"]["queued"]:
        assert _entry(frame, queued).blocked >= queued["queued_ms"] * 0.8
    for expired in expected["streams"]["expired"]:
        body = capture.body(int(_entry(frame, expired)["index"]))
        assert body is not None and body.text is not None
        assert '"code":410' in body.text and '"type":"ERROR"' in body.text


def test_findings_the_scenarios_are_built_for() -> None:
    shown = {name: {f["id"] for f in _load(name)[0]["findings"]} for name in SCENARIOS}
    assert "watch-replaced-by-polling" in shown["detail-watch-then-poll"]
    assert "watch-aborted-by-navigation" in shown["detail-reload-mid-watch"]
    assert shown["http1-saturation"] == {"http1-connection-saturation"}
    assert shown["http2-multiplexed"] == set() and shown["websocket-watch"] == set()
    assert shown["watch-expired-relist"] == {"watch-expired"}
    assert shown["poll-list"] == {"polling-instead-of-watch"}


def test_http2_sample_is_one_connection_and_the_websocket_sample_has_frames() -> None:
    _, _, h2 = _load("http2-multiplexed")
    assert h2[h2.k8s.fillna(False)].connection_id.nunique() == 1
    _, capture, ws = _load("websocket-watch")
    sockets = ws[ws.websocket]
    assert len(sockets) >= 2 and (sockets.websocket_messages > 0).all()
    frames = capture.websocket_frames(int(sockets["index"].iloc[0]))
    assert frames[0].data is not None and json.loads(frames[0].data)["type"] in {"ADDED", "MODIFIED", "BOOKMARK"}
