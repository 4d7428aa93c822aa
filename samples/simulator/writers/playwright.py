"""Playwright's plain `record_har` (Debian's Chromium, headless): the HAR as Playwright writes it, no CDP fields.

The plan is driven by `har-analyzer record`'s own loop (`record_capture(plan, is_enriched=False)`), so cookies,
settings before the reload, reload times, the console lines and the timing marks are the same as for `record`;
only the merge of Chrome's network events (connection ids, queueing, DevTools timings) is left out.
"""

from __future__ import annotations

from typing import Any

from analyzer.record import RecordPlan, RecordResult, record_capture


def record(plan: RecordPlan) -> RecordResult:
    return record_capture(plan, is_enriched=False)


LABEL = "Playwright record_har"


def blind_spots(expected: dict[str, Any]) -> list[dict[str, Any]]:
    """The facts of this run (an expected file) that a plain Playwright HAR does not show."""
    streams = expected["streams"]
    spots = [_spot("connection", "no connection ids: which TCP connection a request used (client_port) is not "
                   "in the HAR", [])]  # fmt: skip
    if streams["queued"]:
        spots.append(_spot("queueing", "no `blocked` timing: the wait for a free HTTP/1.1 connection (queued_ms) "
                           "is not in the HAR", [_ref(q) for q in streams["queued"]]))  # fmt: skip
    if streams["aborted_by_navigation"]:
        spots.append(_spot("aborted-duration", "`_failureText: net::ERR_ABORTED` with `time` up to the response "
                           "headers: how long it streamed before the reload cut it is not in the HAR",
                           [_ref(a) for a in streams["aborted_by_navigation"]]))  # fmt: skip
    if expected["protocol"] == "HTTP/2" and streams["open_at_end"]:
        what = "still open at the end: `httpVersion` is Playwright's default `HTTP/1.1`, not `HTTP/2.0`"
        spots.append(_spot("http-version", what, streams["open_at_end"]))
    if streams["open_at_end"]:
        spots.append(_spot("open-at-end", "written with Playwright's defaults (`receive: -1`, `content.size: -1`; "
                           "status -1 when no headers came): how long it was open is not in the HAR",
                           streams["open_at_end"]))  # fmt: skip
    return spots


def _spot(fact: str, what: str, requests: list[dict[str, Any]], *, is_written: bool = True) -> dict[str, Any]:
    return {"fact": fact, "what": what, "written": is_written, "requests": requests}


def _ref(fact: dict[str, Any]) -> dict[str, Any]:
    return {k: fact[k] for k in ("method", "url", "occurrence")}
