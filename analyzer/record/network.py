"""Chrome's own view of each request, from the CDP Network domain: connection id, protocol, timing, end, initiator.

Playwright's HAR writer leaves out what DevTools' export has (`_connectionId`, the blocked/queueing time,
`_initiator`); `NetworkLog` listens to `Network.requestWillBeSent`, `responseReceived`, `loadingFinished` and
`loadingFailed` on a CDP session and keeps one `CdpRequest` per request, in the order Chrome issued them, and
one `CdpWebSocket` per `Network.webSocketCreated` (a websocket has no requestWillBeSent). `devtools_timings`
and `devtools_initiator` turn them into HAR fields exactly as DevTools does (devtools-frontend
`front_end/models/har/Log.ts`, `buildTimings` and `Entry.build`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class _Session(Protocol):
    def on(self, event: str, handler: Any) -> Any: ...


@dataclass
class CdpRequest:
    """One request (one hop of a redirect chain) as Chrome reported it. Times are Chrome's monotonic seconds."""

    request_id: str
    method: str
    url: str  # without the fragment, as Playwright writes it
    issued: float  # requestWillBeSent.timestamp: when the page asked (queueing starts here)
    wall_time: float  # requestWillBeSent.wallTime, seconds since the epoch
    resource_type: str | None
    is_navigation: bool  # a main-frame document request (a load or reload of the page)
    connection_id: int | None = None
    connection_reused: bool | None = None
    protocol: str | None = None  # "http/1.1", "h2", ...
    remote_ip: str | None = None
    remote_port: int | None = None
    timing: dict[str, float] | None = None  # Network.ResourceTiming
    headers_received: float | None = None  # responseReceived.timestamp
    finished: float | None = None  # loadingFinished / loadingFailed timestamp
    error: str | None = None  # loadingFailed.errorText, e.g. net::ERR_ABORTED
    canceled: bool = False
    # requestWillBeSent.initiator, CDP's Network.Initiator as Chrome sent it (`stack.parent`: the async callers)
    initiator: dict[str, Any] | None = None


@dataclass(frozen=True)
class CdpWebSocket:
    """A websocket as Chrome reported it when the page created it (`Network.webSocketCreated`)."""

    request_id: str
    url: str
    initiator: dict[str, Any] | None  # CDP's Network.Initiator, as for a request


class NetworkLog:
    """Collects CDP Network events; attach it to a session before `Network.enable`."""

    def __init__(self) -> None:
        self.requests: list[CdpRequest] = []
        self.websockets: list[CdpWebSocket] = []
        self._open: dict[str, CdpRequest] = {}

    def attach(self, session: _Session) -> None:
        session.on("Network.requestWillBeSent", self._will_be_sent)
        session.on("Network.responseReceived", self._response_received)
        session.on("Network.loadingFinished", self._loading_finished)
        session.on("Network.loadingFailed", self._loading_failed)
        session.on("Network.webSocketCreated", self._websocket_created)

    def _will_be_sent(self, params: dict[str, Any]) -> None:
        previous = self._open.get(params["requestId"])
        initiator = params.get("initiator")
        if previous is not None and params.get("redirectResponse"):
            _apply_response(previous, params["redirectResponse"], params["timestamp"])
            previous.finished = params["timestamp"]  # this hop ended with the redirect
            initiator = previous.initiator  # DevTools gives each hop the chain's first initiator (appendRedirect)
        request = params["request"]
        kind = params.get("type")
        entry = CdpRequest(
            request_id=params["requestId"],
            method=request["method"],
            url=request["url"],
            issued=params["timestamp"],
            wall_time=params["wallTime"],
            resource_type=kind.lower() if kind else None,
            is_navigation=kind == "Document" and params.get("loaderId") == params["requestId"],
            initiator=initiator,
        )
        self._open[entry.request_id] = entry
        self.requests.append(entry)

    def _response_received(self, params: dict[str, Any]) -> None:
        request = self._open.get(params["requestId"])
        if request is not None:
            _apply_response(request, params["response"], params["timestamp"])

    def _loading_finished(self, params: dict[str, Any]) -> None:
        request = self._open.pop(params["requestId"], None)
        if request is not None:
            request.finished = params["timestamp"]

    def _loading_failed(self, params: dict[str, Any]) -> None:
        request = self._open.pop(params["requestId"], None)
        if request is not None:
            request.finished = params["timestamp"]
            request.error = params.get("errorText") or "failed"
            request.canceled = bool(params.get("canceled"))

    def _websocket_created(self, params: dict[str, Any]) -> None:
        self.websockets.append(CdpWebSocket(params["requestId"], params["url"], params.get("initiator")))


def _apply_response(request: CdpRequest, response: dict[str, Any], timestamp: float) -> None:
    request.connection_id = response.get("connectionId")
    request.connection_reused = response.get("connectionReused")
    request.protocol = response.get("protocol")
    request.remote_ip = response.get("remoteIPAddress")
    request.remote_port = response.get("remotePort")
    request.timing = response.get("timing")
    request.headers_received = timestamp


def devtools_timings(request: CdpRequest, end: float | None) -> dict[str, float]:
    """HAR timings of a request the way DevTools' export computes them (ms; -1 where it does not apply).

    `blocked` is queueing (issued -> the network stack's requestTime) plus the stall before dns, connect
    or send started — where the six-connections-per-host wait shows; `_blocked_queueing` is the queueing
    part alone. `end` (Chrome's clock) is when the body ended; None leaves `receive` at -1.
    """
    timing = request.timing
    if timing is None:
        return {}
    start = timing["requestTime"]
    queued = (start - request.issued) * 1000 if request.issued < start else -1.0
    result: dict[str, float] = {"blocked": max(queued, 0.0)}
    blocked_start = _least_non_negative(timing.get("dnsStart", -1), timing.get("connectStart", -1),
                                        timing.get("sendStart", -1))  # fmt: skip
    if blocked_start is not None:
        result["blocked"] += blocked_start
    if timing.get("proxyEnd", -1) != -1:
        result["_blocked_proxy"] = timing["proxyEnd"] - timing["proxyStart"]
        result["blocked"] = max(result["blocked"], result["_blocked_proxy"])
    dns_end = timing.get("dnsEnd", -1)
    result["dns"] = dns_end - (blocked_start or 0) if dns_end >= 0 else -1.0
    connect_end = timing.get("connectEnd", -1)
    connect_start = dns_end if result["dns"] >= 0 else (blocked_start or 0)
    result["connect"] = connect_end - connect_start if connect_end >= 0 else -1.0
    ssl_start, ssl_end = timing.get("sslStart", -1), timing.get("sslEnd", -1)
    result["ssl"] = ssl_end - ssl_start if ssl_end >= 0 else -1.0
    result["send"] = max(timing.get("sendEnd", 0) - timing.get("sendStart", 0), 0.0)
    result["wait"] = max(timing.get("receiveHeadersEnd", 0) - timing.get("sendEnd", 0), 0.0)
    if end is None:
        result["receive"] = -1.0
    else:
        result["receive"] = max((end - start) * 1000 - timing.get("receiveHeadersEnd", 0), 0.0)
    result["_blocked_queueing"] = queued
    return {k: round(v, 3) for k, v in result.items()}


# The initiator's fields DevTools' export keeps, in its order: the top-level columnNumber is left out
_INITIATOR_FIELDS = ("url", "requestId", "lineNumber", "stack")


def devtools_initiator(initiator: dict[str, Any] | None) -> dict[str, Any] | None:
    """`_initiator` as DevTools' export writes it: CDP's initiator, `stack` (with its async parents) as is.

    DevTools (`Entry.build`) copies `type`, then `url`, `requestId`, `lineNumber` and `stack` where Chrome
    sent them; the top-level `columnNumber` Chrome sends for a parser initiator is not in its exports.
    """
    if initiator is None:
        return None
    return {"type": initiator.get("type"), **{k: initiator[k] for k in _INITIATOR_FIELDS if k in initiator}}


def total_time(timings: dict[str, float]) -> float:
    """entry.time as DevTools writes it: the sum of the non-negative timings, ssl left out (it is in connect)."""
    parts = ("blocked", "dns", "connect", "send", "wait", "receive")
    return round(sum(max(timings.get(p, 0.0), 0.0) for p in parts), 3)


def _least_non_negative(*values: float) -> float | None:
    candidates = [v for v in values if v >= 0]
    return min(candidates) if candidates else None
