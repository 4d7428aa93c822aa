"""Write a sample's expected file from what the page and the simulator logged while it was recorded.

Nothing here reads the HAR or runs the analyzer: the page says what it did (`[sim-console]` lines: loads,
modes, requests, watch ends, re-lists), the simulator says what reached it and how each request ended, and
the recorder says when it reloaded and when it closed the browser. A request is named for tests by
`{method, url, occurrence}`: the `occurrence`-th request (0-based, in start order) with that method and URL.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from samples.simulator.log import ApiRecord

SCHEMA = "har-analyzer/sample-expected/v1"
QUEUED_MS = 1000  # the server got it this much later than the page asked: it waited in Chrome's queue
ABORT_WINDOW = 5.0  # a client-closed stream ending this soon after a reload was cut off by it
SATURATION = 6  # Chrome's HTTP/1.1 connections per host


@dataclass
class PageRequest:
    navigation: int
    issued: float  # wall clock, s
    verb: str
    key: str
    url: str  # absolute
    page_url: str  # as the page wrote it (relative for fetch)
    occurrence: int = 0
    server: ApiRecord | None = None
    ended_by: str = "open"  # complete | open | aborted (the analyzer's words)
    aborted_by: int | None = None  # the navigation that cut it off

    @property
    def ref(self) -> dict[str, Any]:
        return {"method": "GET", "url": self.url, "occurrence": self.occurrence}

    @property
    def queued_ms(self) -> int | None:
        return None if self.server is None else round((self.server.arrived - self.issued) * 1000)


def page_events(lines: list[str]) -> list[dict[str, Any]]:
    """The page's own log: the JSON after `[sim-console] ` in each console line."""
    tag = "[sim-console] "
    return [json.loads(line[len(tag) :]) for line in lines if line.startswith(tag)]


def build_expected(scenario: Any, events: list[dict[str, Any]], records: list[ApiRecord], origin: str,
                   navigation_starts: list[float], closed: float, browser: str) -> dict[str, Any]:  # fmt: skip
    """The expected file of one recorded scenario (see samples/README.md for its fields)."""
    requests = _page_requests(events, origin)
    _match_server(requests, records)
    _classify_ends(requests, navigation_starts, closed)
    navigations = _navigations(events, requests, navigation_starts)
    expired = _expired(requests, events)
    queued = [r for r in requests if r.server is not None and (r.queued_ms or 0) >= QUEUED_MS]
    peak = _peak_open_watches(records)
    findings = _findings(navigations, requests, expired, queued, peak)
    return {
        "schema": SCHEMA,
        "scenario": scenario.name,
        "summary": scenario.summary,
        "recorded_with": {"browser": browser, "command": "python -m samples.simulator.record_all"},
        "protocol": "HTTP/2" if scenario.secure else "HTTP/1.1",
        "navigations": navigations,
        "findings": findings,
        "streams": {
            "aborted_by_navigation": [
                {**r.ref, "navigation": r.navigation, "by_navigation": r.aborted_by}
                for r in requests
                if r.ended_by == "aborted"
            ],
            "expired": expired,
            "queued": [{**r.ref, "queued_ms": r.queued_ms} for r in queued],
            "open_at_end": [r.ref for r in requests if r.ended_by == "open"],
            "max_open_watches": peak,
            "server_connections": len({r.client for r in records}),
        },
        "requests": [_request_row(r) for r in requests],
    }


def _page_requests(events: list[dict[str, Any]], origin: str) -> list[PageRequest]:
    requests, seen = [], Counter[str]()
    for event in events:
        if event["ev"] != "request":
            continue
        url = event["url"] if "://" in event["url"] else origin + event["url"]
        request = PageRequest(
            event["nav"], event["t"] / 1000, event["verb"], event["key"], url, event["url"], seen[url]
        )
        seen[url] += 1
        requests.append(request)
    return requests


def _target(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _match_server(requests: list[PageRequest], records: list[ApiRecord]) -> None:
    arrived: dict[str, list[ApiRecord]] = defaultdict(list)
    for record in sorted(records, key=lambda r: r.arrived):
        arrived[record.target].append(record)
    for request in requests:
        queue = arrived.get(_target(request.url))
        if queue:
            request.server = queue.pop(0)


def _classify_ends(requests: list[PageRequest], starts: list[float], closed: float) -> None:
    for request in requests:
        server = request.server
        if server is not None and server.end_reason != "client-closed":
            request.ended_by = "complete"
            continue
        cut = [i for i, at in enumerate(starts) if i > 0 and request.issued < at]
        ended = server.ended if server is not None else None
        if cut and (ended is None or ended - starts[cut[0]] <= ABORT_WINDOW) and (ended or 0) < closed:
            request.ended_by, request.aborted_by = "aborted", cut[0]
        else:
            request.ended_by = "open"  # still open when the browser closed


def _navigations(events: list[dict[str, Any]], requests: list[PageRequest], starts: list[float]) -> list[Any]:
    navigations = []
    for load in (e for e in events if e["ev"] == "load"):
        index = load["nav"]
        modes: dict[str, dict[str, Any]] = {}
        for event in (e for e in events if e["ev"] == "mode" and e["nav"] == index):
            known = modes.setdefault(
                event["key"], {"key": event["key"], "mode": event["mode"], "poll_interval_s": None}
            )
            if known["mode"] != event["mode"]:
                known["mode"] = "watch+poll" if {known["mode"], event["mode"]} == {"watch", "poll"} else known["mode"]
            if event["interval_s"] is not None:
                known["poll_interval_s"] = event["interval_s"]
        for resource in modes.values():
            # A paged list is one logical read: its later pages (a `continue` token) are not counted again.
            verbs = Counter(r.verb for r in requests if r.navigation == index and r.key == resource["key"]
                            and not (r.verb == "list" and "continue=" in urlsplit(r.url).query))  # fmt: skip
            resource["counts"] = {verb: verbs.get(verb, 0) for verb in ("get", "list", "watch")}
        started = datetime.fromtimestamp(starts[index], UTC).isoformat(timespec="milliseconds")
        navigations.append({"index": index, "trigger": load["trigger"], "url": load["href"], "started": started,
                            "resources": sorted(modes.values(), key=lambda m: m["key"])})  # fmt: skip
    return navigations


def _expired(requests: list[PageRequest], events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    facts = []
    for position, request in enumerate(requests):
        if request.server is None or request.server.end_reason != "expired":
            continue
        relist = next((r for r in requests[position + 1 :] if r.key == request.key and r.verb in ("get", "list")), None)
        relisted = any(e["ev"] == "relist" and e["after"] == request.page_url for e in events)
        facts.append({**request.ref, "navigation": request.navigation, "key": request.key,
                      "status": request.server.status, "error_code": 410,
                      "relist": relist.ref if relist is not None and relisted else None})  # fmt: skip
    return facts


def _peak_open_watches(records: list[ApiRecord]) -> int:
    """Most HTTP/1.1 watches open at once, as the server saw them (websockets and HTTP/2 left out)."""
    marks = []
    for r in records:
        if r.verb == "watch" and r.transport == "http" and r.http_version == "1.1" and r.ended is not None:
            marks += [(r.arrived, 1), (r.ended, -1)]
    peak = open_now = 0
    for _, step in sorted(marks, key=lambda m: (m[0], m[1])):
        open_now += step
        peak = max(peak, open_now)
    return peak


def _findings(navigations: list[Any], requests: list[PageRequest], expired: list[Any], queued: list[PageRequest],
              peak: int) -> list[dict[str, Any]]:  # fmt: skip
    findings: list[dict[str, Any]] = []
    modes = {(n["index"], r["key"]): r["mode"] for n in navigations for r in n["resources"]}
    watched = {key for (_, key), mode in modes.items() if "watch" in mode}
    for (index, key), mode in sorted(modes.items()):
        earlier = [m for (i, k), m in modes.items() if k == key and i < index]
        if mode == "poll" and any("watch" in m for m in earlier):
            findings.append({"id": "watch-replaced-by-polling", "navigation": index, "resource": key})
        elif mode == "poll" and key not in watched:
            findings.append({"id": "polling-instead-of-watch", "navigation": index, "resource": key})
        elif mode == "watch+poll":
            findings.append({"id": "watch-and-poll", "navigation": index, "resource": key})
    if peak >= SATURATION and queued:
        findings.append({"id": "http1-connection-saturation", "navigation": queued[0].navigation, "resource": None,
                         "evidence": [r.ref for r in queued]})  # fmt: skip
    for fact in expired:
        evidence = {k: fact[k] for k in ("method", "url", "occurrence")}
        findings.append({"id": "watch-expired", "navigation": fact["navigation"], "resource": fact["key"],
                         "evidence": [evidence] + ([fact["relist"]] if fact["relist"] else [])})  # fmt: skip
    aborted = [r for r in requests if r.ended_by == "aborted" and r.verb == "watch"]
    for index in sorted({r.navigation for r in aborted}):
        findings.append({"id": "watch-aborted-by-navigation", "navigation": index, "resource": None,
                         "evidence": [r.ref for r in aborted if r.navigation == index]})  # fmt: skip
    return findings


def _request_row(request: PageRequest) -> dict[str, Any]:
    server = request.server
    return {
        **request.ref,
        "navigation": request.navigation,
        "verb": request.verb,
        "key": request.key,
        "ended_by": request.ended_by,
        "server_end": server.end_reason if server else None,  # complete, timeout, expired, client-closed
        "status": server.status if server else None,
        "events": dict(server.events) if server and server.verb == "watch" else None,
        "queued_ms": request.queued_ms,
        "client_port": int(server.client.rsplit(":", 1)[1]) if server else None,
    }
