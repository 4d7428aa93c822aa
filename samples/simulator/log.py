"""The simulator's own log of API requests: when each arrived, on which connection, and how it ended."""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class ApiRecord:
    """One Kubernetes API request as the server saw it (times are wall-clock seconds since the epoch)."""

    id: int
    method: str
    target: str  # path and query as received
    transport: str  # "http" or "websocket"
    http_version: str  # "1.1" or "2"
    client: str  # "ip:port" of the TCP connection: HTTP/2 streams of one connection share it
    arrived: float
    query: dict[str, str]
    ended: float | None = None
    verb: str | None = None  # get, list, watch
    key: str | None = None  # {cluster}/{group or core}/{version}/{namespace or -}/{resource}[/{name}]
    status: int | None = None
    # complete (get/list answered), timeout (watch closed at timeoutSeconds), expired (410 ERROR event sent,
    # then closed), client-closed (the browser went away first)
    end_reason: str | None = None
    body_bytes: int = 0
    resource_version: str | None = None  # of a get/list answer
    events: Counter[str] = field(default_factory=Counter)  # watch events sent, by type
    last_event_version: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["events"] = dict(self.events)
        return data


class RequestLog:
    """Thread-safe list of ApiRecords (the server writes it on its loop; recorders read it from others)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._records: list[ApiRecord] = []

    def start(self, scope: dict[str, Any], query: dict[str, str]) -> ApiRecord:
        client = scope.get("client") or ("?", 0)
        raw_query = scope["query_string"].decode()
        with self._lock:
            record = ApiRecord(
                id=len(self._records),
                method=scope.get("method", "GET"),
                target=scope["path"] + (f"?{raw_query}" if raw_query else ""),
                transport="websocket" if scope["type"] == "websocket" else "http",
                http_version=scope.get("http_version", "1.1"),
                client=f"{client[0]}:{client[1]}",
                arrived=time.time(),
                query=query,
            )
            self._records.append(record)
        return record

    def finish(self, record: ApiRecord) -> None:
        record.ended = time.time()
        if record.end_reason is None:
            record.end_reason = "complete"

    def records(self) -> list[ApiRecord]:
        with self._lock:
            return list(self._records)
