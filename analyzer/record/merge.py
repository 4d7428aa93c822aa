"""Add Chrome's connection ids, initiators and DevTools-style timings to the entries Playwright's HAR writer wrote.

Entries are matched to CDP requests by method and URL, in start order (Playwright's `startedDateTime` and
Chrome's `requestWillBeSent` both mark when the page asked). For each matched entry:

- `_connectionId` (Chrome's connection id, as DevTools writes it), and `serverIPAddress`/`_serverPort` when
  Playwright left them out (it does for requests still open or aborted);
- `_initiator`, who sent it, as DevTools writes it: CDP's initiator with its call stack and the async
  parents of that stack (`setInterval`, `Promise.then`, `await`…), so a poll names the code that set it up;
- `timings` and `time` rebuilt the way DevTools' export does: `blocked` (queueing + stall, where the
  six-connections-per-host wait of HTTP/1.1 shows) and `_blocked_queueing`; `time` is the sum of the
  timings, ssl left out. Playwright's own `time` leaves out blocked and send and counts ssl twice;
- `response.httpVersion` from the protocol Chrome negotiated: Playwright writes its default `HTTP/1.1` for
  requests still open when the context closed, even over HTTP/2.

A request Playwright marks failed (`_failureText`) for which Chrome reported no end is one the page cut off
by navigating away (Chromium sends no `loadingFailed` for it): its `receive` runs to the next main-frame
document request, and `timings.comment` says so. A request still streaming when the browser closed (an
open watch) keeps its status and gets `receive` -1 and `time` -1 — Playwright's mark of an unfinished
request (it wrote the wait alone as `time` there, which reads as a stream that ended at once); one still
waiting for a connection keeps Playwright's status -1 and time -1. Websocket entries are Playwright's, with
the `_initiator` of the socket Chrome created for the same URL (matched in start order) added.
"""

from __future__ import annotations

from collections import defaultdict, deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from analyzer.record.network import CdpRequest, CdpWebSocket, devtools_initiator, devtools_timings, total_time

_HTTP_VERSIONS = {"http/1.0": "HTTP/1.0", "http/1.1": "HTTP/1.1", "h2": "HTTP/2.0", "h3": "h3"}
CUT_BY_NAVIGATION = "receive ends at the next navigation: Chrome reported no end for this request"


@dataclass(frozen=True)
class MergeStats:
    matched: int
    entries_without_cdp: int  # entries no CDP request matched (websockets, service-worker fetches)
    cdp_without_entry: int  # CDP requests Playwright wrote no entry for


def add_chrome_fields(har: dict[str, Any], requests: list[CdpRequest],
                      websockets: Sequence[CdpWebSocket] = ()) -> MergeStats:  # fmt: skip
    """Add `_connectionId`, `_initiator` and DevTools timings to `har`'s entries in place; returns what matched."""
    entries: list[dict[str, Any]] = har["log"]["entries"]
    queues: dict[tuple[str, str], deque[CdpRequest]] = defaultdict(deque)
    for request in sorted(requests, key=lambda r: r.issued):
        queues[(request.method, _without_fragment(request.url))].append(request)
    sockets: dict[str, deque[CdpWebSocket]] = defaultdict(deque)
    for socket in websockets:  # in the order Chrome created them
        sockets[_without_fragment(socket.url)].append(socket)
    navigations = sorted(r.issued for r in requests if r.is_navigation)
    matched = 0
    for entry in sorted(entries, key=lambda e: str(e.get("startedDateTime", ""))):
        written = entry.get("request") or {}
        url = _without_fragment(str(written.get("url", "")))
        if entry.get("_resourceType") == "websocket":
            _add_initiator(entry, sockets.get(url))
            continue
        queue = queues.get((str(written.get("method", "GET")), url))
        if queue:
            _apply(entry, queue.popleft(), navigations)
            matched += 1
    socket_entries = sum(1 for e in entries if e.get("_resourceType") == "websocket")
    left = sum(len(q) for q in queues.values())
    return MergeStats(matched, len(entries) - matched - socket_entries, left)


def _add_initiator(entry: dict[str, Any], sockets: deque[CdpWebSocket] | None) -> None:
    if sockets:
        initiator = devtools_initiator(sockets.popleft().initiator)
        if initiator is not None:
            entry["_initiator"] = initiator


def _apply(entry: dict[str, Any], request: CdpRequest, navigations: list[float]) -> None:
    initiator = devtools_initiator(request.initiator)
    if initiator is not None:
        entry["_initiator"] = initiator
    if request.connection_id is not None:
        entry["_connectionId"] = str(request.connection_id)
    if request.remote_ip and not entry.get("serverIPAddress"):
        entry["serverIPAddress"] = request.remote_ip
    if request.remote_port and not entry.get("_serverPort"):
        entry["_serverPort"] = request.remote_port
    response = entry.setdefault("response", {})
    if request.protocol in _HTTP_VERSIONS:
        response["httpVersion"] = _HTTP_VERSIONS[request.protocol]
    end, comment = request.finished, None
    if end is None and response.get("_failureText"):
        end = next((t for t in navigations if t > request.issued), None)
        comment = CUT_BY_NAVIGATION if end is not None else None
    timings = devtools_timings(request, end)
    if not timings:
        return
    entry["timings"] = {**timings, "comment": comment} if comment else timings
    entry["time"] = total_time(timings) if end is not None else -1  # -1: still open, as Playwright marks it


def _without_fragment(url: str) -> str:
    return url.split("#", 1)[0]
