"""End to end: the simulator, a real Chromium recording it through `har-analyzer record`, and the loader.

One recording over HTTP/1.1 (load 1 watches, a reload with polling on, load 2 polls) and a short one over
HTTP/2; each is read back with `load_capture` + `request_table` and checked against what the simulator saw,
and the first one's `_initiator`s for the async stacks (who called `setInterval`) Chrome adds to them.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
from click.testing import CliRunner

from analyzer.cli.record import record
from analyzer.har.loader import load_capture
from analyzer.k8s.request_table import request_frame

WATCHED = "calico3/asm.alauda.io/v1beta3/testhl/microservices/asm-cal3"


def _record(url: str, out: Path, browser: Path, *extra: str) -> pd.DataFrame:
    args = [url, "-o", str(out), "--browser-path", str(browser), "--ignore-certificate-errors", *extra]
    result = CliRunner().invoke(record, args)
    assert result.exit_code == 0, result.output
    assert f"{out}: " in result.output
    capture = load_capture(out)
    assert capture.creator == "Playwright" and not capture.warnings
    return request_frame(capture)


def test_record_detail_page_watch_then_poll(tmp_path: Path, browser: Path, simulator: Any) -> None:
    out, console = tmp_path / "detail.har", tmp_path / "console.jsonl"
    frame = _record(f"{simulator.http_url}/console/detail?timeout=2&interval=2", out, browser, "--duration", "7.5",
                    "--reload-after", "3.5", "--set-local-storage", "downgradePolling=true",
                    "--console-log", str(console))  # fmt: skip
    api = frame[frame.k8s.fillna(False)]
    documents = frame[frame.resource_type == "document"]
    assert len(documents) == 2  # the load and the reload
    reload_at = documents.started.iloc[1]
    load1, load2 = api[api.started < reload_at], api[api.started >= reload_at]
    assert {"get", "watch"} <= set(load1.verb)
    assert (load1.verb == "watch").sum() >= 2  # the 2 s watch closed and was re-watched from the last version
    assert set(load2[load2.resource == "microservices"].verb) == {"get"}  # polling: no watch after the reload
    first_watch = load1[load1.verb == "watch"].iloc[0]
    get = load1[(load1.verb == "get") & (load1.resource == "microservices")].iloc[0]
    body = load_capture(out).body(int(get["index"]))
    assert body is not None and body.text is not None
    assert first_watch.resource_version == json.loads(body.text)["metadata"]["resourceVersion"]
    # Chrome's connection ids and DevTools timings were added to every HTTP entry
    assert frame.connection_id.notna().all()
    assert frame.blocked.notna().all() and frame.queueing.notna().all()
    assert set(frame.http_version) == {"HTTP/1.1"}
    completed = load1[(load1.verb == "watch") & load1.time_ms.notna()].iloc[0]
    assert 1900 <= completed.time_ms <= 4000  # the server closed it at timeoutSeconds=2
    # what the simulator saw agrees: one request per API entry, the same URLs
    served = {r.target for r in simulator.log.records()}
    assert {url.split("/", 3)[3] for url in api.url} == {t.lstrip("/") for t in served}
    lines = [json.loads(line)["text"] for line in console.read_text().splitlines()]
    assert any('"mode":"poll"' in line for line in lines) and any('"mode":"watch"' in line for line in lines)
    _check_initiators(json.loads(out.read_text(encoding="utf-8"))["log"]["entries"])


def _check_initiators(entries: list[dict[str, Any]]) -> None:
    """Chrome's initiator on every entry; the async parents name the code that chose to watch or to poll."""
    entries = sorted(entries, key=lambda e: str(e["startedDateTime"]))
    assert all("_initiator" in e for e in entries)
    assert {e["_initiator"]["type"] for e in entries if e["_resourceType"] == "document"} == {"other"}
    watch = next(e for e in entries if "watch=true" in e["request"]["url"])
    assert _functions(watch["_initiator"]["stack"])[1][:2] == ["_watchResource", "watchResource"]  # Promise.then
    reload = max(i for i, e in enumerate(entries) if e["_resourceType"] == "document")
    polls = [e for e in entries[reload:] if e["request"]["url"].endswith("/microservices/asm-cal3")]
    assert len(polls) >= 2
    assert "poll" in _functions(polls[0]["_initiator"]["stack"])[0]  # the first read is poll's own call
    assert polls[1]["_initiator"]["stack"]["parent"]["description"] == "setInterval"
    assert _functions(polls[1]["_initiator"]["stack"])[1][:2] == ["poll", "watchResource"]


def _functions(stack: dict[str, Any] | None) -> list[list[str]]:
    """The function names of a stack and of each of its async parents, innermost first."""
    names = []
    while stack:
        names.append([frame["functionName"] for frame in stack["callFrames"]])
        stack = stack.get("parent")
    return names


def test_record_over_http2_uses_one_connection(tmp_path: Path, browser: Path, simulator: Any) -> None:
    frame = _record(f"{simulator.https_url}/console/list?timeout=30", tmp_path / "h2.har", browser, "--duration", "3")
    assert set(frame.http_version) == {"HTTP/2"}  # the open watch too (Playwright would say HTTP/1.1)
    assert frame.connection_id.nunique() == 1
    assert list(frame[frame.k8s.fillna(False)].verb) == ["list", "watch"]
