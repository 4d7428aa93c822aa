"""Build HAR documents for tests: `make_entry(**overrides)` and `make_har(entries, **log)`."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

BASE = "https://console.example.com/api-gateway/kubernetes/calico3/apis/asm.alauda.io/v1beta3/namespaces/testhl"
GET_URL = f"{BASE}/microservices/asm-cal3"
LIST_URL = f"{BASE}/microservices?fieldSelector=metadata.name=asm-cal3"
WATCH_URL = f"{LIST_URL}&watch=true&allowWatchBookmarks=true&timeoutSeconds=59&resourceVersion=5937358"

_ENTRY: dict[str, Any] = {
    "startedDateTime": "2026-11-01T10:00:00.000Z",
    "time": 35.5,
    "request": {
        "method": "GET",
        "url": GET_URL,
        "httpVersion": "HTTP/1.1",
        "headers": [{"name": "Accept", "value": "application/json"}],
        "queryString": [],
        "cookies": [],
        "headersSize": -1,
        "bodySize": 0,
    },
    "response": {
        "status": 200,
        "statusText": "OK",
        "httpVersion": "HTTP/1.1",
        "headers": [{"name": "Content-Type", "value": "application/json"}],
        "cookies": [],
        "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
        "redirectURL": "",
        "headersSize": -1,
        "bodySize": -1,
        "_transferSize": 300,
        "_error": None,
    },
    "cache": {},
    "timings": {"blocked": 1.5, "dns": -1, "ssl": -1, "connect": -1, "send": 0.1, "wait": 30.0, "receive": 3.9},
}


def make_entry(**overrides: Any) -> dict[str, Any]:
    """A Chrome-like entry; keys with dots (`response.status`) reach inside."""
    entry = copy.deepcopy(_ENTRY)
    for key, value in overrides.items():
        node = entry
        *parents, last = key.split(".")
        for parent in parents:
            node = node.setdefault(parent, {})
        if value is _DELETE:
            node.pop(last, None)
        else:
            node[last] = value
    return entry


_DELETE = object()
DELETE: Any = _DELETE  # make_entry(**{"response.content.text": DELETE})


def make_har(entries: list[dict[str, Any]], **log: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}}
    body.update(log)
    body["entries"] = entries
    return {"log": body}


def har_bytes(entries: list[dict[str, Any]], **log: Any) -> bytes:
    return json.dumps(make_har(entries, **log), indent=2).encode("utf-8")


def at(seconds: float) -> str:
    """An ISO start time `seconds` after 2026-11-01T10:00:00Z."""
    from datetime import UTC, datetime, timedelta

    moment = datetime(2026, 11, 1, 10, 0, 0, tzinfo=UTC) + timedelta(seconds=seconds)
    return moment.isoformat().replace("+00:00", "Z")


def document(url: str, start: float, **overrides: Any) -> dict[str, Any]:
    """A main-frame document request."""
    fields = {"startedDateTime": at(start), "request.url": url, "_resourceType": "document",
              "_initiator": {"type": "other"}, "response.content.mimeType": "text/html"}  # fmt: skip
    fields.update(overrides)
    return make_entry(**fields)


def request(url: str, start: float, time_ms: float = 40.0, **overrides: Any) -> dict[str, Any]:
    """A fetch, `time_ms` long, its time spent waiting unless `timings` is given."""
    fields = {"startedDateTime": at(start), "request.url": url, "time": time_ms, "_resourceType": "fetch",
              "timings": {"blocked": 0.5, "dns": -1, "connect": -1, "ssl": -1, "send": 0.1,
                          "wait": max(time_ms - 1.6, 0), "receive": 1.0}}  # fmt: skip
    fields.update(overrides)
    return make_entry(**fields)


def shifted_sample(sample: Path, offset: timedelta) -> bytes:
    """The sample with every start time (entries, pages, websocket frames) moved by `offset`: another capture
    (another `capture_id`) of the same page."""
    har = json.loads(sample.read_bytes())
    log = har["log"]
    for item in [*log.get("pages", []), *log["entries"]]:
        if isinstance(item.get("startedDateTime"), str):
            item["startedDateTime"] = (datetime.fromisoformat(item["startedDateTime"]) + offset).isoformat()
        for frame in item.get("_webSocketMessages") or []:
            scale = 1000 if frame["time"] > 1e11 else 1  # milliseconds or seconds, as the writer wrote them
            frame["time"] += offset.total_seconds() * scale
    return json.dumps(har).encode()


def first_start(sample: Path) -> datetime:
    """The earliest `startedDateTime` of a sample's entries."""
    entries = json.loads(sample.read_bytes())["log"]["entries"]
    return min(datetime.fromisoformat(e["startedDateTime"]) for e in entries)
