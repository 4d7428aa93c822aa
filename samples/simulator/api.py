"""The fake Kubernetes API (ASGI): get, list (fieldSelector, limit/continue) and watch, over HTTP or websocket.

URL grammar, behind `/api-gateway/kubernetes/{cluster}/` or `/kubernetes/{cluster}/` (or a gateway of the
run's own, such as `/proxy/clusters/{cluster}/k8s/`, that the analyzer does not know):
`/api/{version}/[namespaces/{ns}/]{resource}[/{name}]` (core) and
`/apis/{group}/{version}/[namespaces/{ns}/]{resource}[/{name}]`. A GET with a name is a get; without one
it is a list, or a watch when `watch` is anything but `false`/`0`.

Watch over HTTP: status 200, `Content-Type: application/json`, chunked, one JSON event per line
(k8s-api-semantics.md §3.7); over websocket: one text frame per event (§3.8). Every request is written to
`RequestLog` with how it ended, which is what the samples' expected files are built from.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from samples.simulator.log import ApiRecord, RequestLog
from samples.simulator.store import KINDS, Selector, Store
from samples.simulator.streams import stream_events

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

PREFIXES = ("/api-gateway/kubernetes/{cluster}/", "/kubernetes/{cluster}/")  # `{cluster}`: one segment
_FALSE = frozenset({"false", "0"})


class BadRequest(Exception):
    def __init__(self, code: int, reason: str, message: str) -> None:
        super().__init__(message)
        self.code, self.reason = code, reason


def parse_target(path: str, gateways: tuple[str, ...] = ()) -> tuple[Selector, str | None] | None:
    """The collection and object name a path names, or None when it is not a Kubernetes path of ours.

    `gateways` are more prefixes like PREFIXES (tried first), e.g. `/proxy/clusters/{cluster}/k8s/`."""
    for prefix in (*gateways, *PREFIXES):
        before, _, after = prefix.partition("{cluster}")
        cluster, _, rest = path.removeprefix(before).partition("/")
        tail = after.lstrip("/")
        if path.startswith(before) and cluster and rest.startswith(tail):
            return _target(cluster, rest[len(tail) :])
    return None


def _target(cluster: str, rest: str) -> tuple[Selector, str | None] | None:
    parts = [p for p in rest.split("/") if p]
    if len(parts) >= 2 and parts[0] == "api":
        group, version, parts = "", parts[1], parts[2:]
    elif len(parts) >= 3 and parts[0] == "apis":
        group, version, parts = parts[1], parts[2], parts[3:]
    else:
        return None
    namespace = ""
    if len(parts) >= 3 and parts[0] == "namespaces":
        namespace, parts = parts[1], parts[2:]
    if not parts or len(parts) > 2:
        return None
    return Selector(cluster, group, version, namespace, parts[0]), (parts[1] if len(parts) == 2 else None)


class Api:
    """Serves the Kubernetes paths. `latency` (seconds) is added to every get and list."""

    def __init__(self, store: Store, log: RequestLog, *, latency: float = 0.015, bookmark_interval: float = 60,
                 gateways: tuple[str, ...] = ()) -> None:  # fmt: skip
        self.store, self.log, self.latency, self.bookmark_interval = store, log, latency, bookmark_interval
        self.gateways = gateways

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        target = parse_target(scope["path"], self.gateways)
        query = {k: v[0] for k, v in parse_qs(scope["query_string"].decode(), keep_blank_values=True).items()}
        record = self.log.start(scope, query)
        try:
            if target is None:
                raise BadRequest(404, "NotFound", f"the server could not find the requested resource: {scope['path']}")
            selector, name = _narrow(*target, query)
            is_watch = target[1] is None and query.get("watch", "false").lower() not in _FALSE and "watch" in query
            record.verb = "watch" if is_watch else ("get" if target[1] else "list")
            record.key = _key(selector, name)
            if scope["type"] == "websocket":
                await self._websocket(scope, receive, send, selector, name, query, record)
            elif scope["method"] not in ("GET", "HEAD"):
                raise BadRequest(405, "MethodNotAllowed", f"the simulator only reads: {scope['method']}")
            elif is_watch:
                await self._watch(receive, send, selector, name, query, record)
            else:
                await asyncio.sleep(self.latency)
                await _json(send, 200, self._read(selector, target[1], name, query), record)
        except BadRequest as error:
            if scope["type"] == "websocket":  # refused before the handshake completes: the browser sees a 403
                await send({"type": "websocket.close", "code": 1008})
                record.status = 403
            else:
                await _json(send, error.code, _status(error.code, error.reason, str(error)), record)
        finally:
            self.log.finish(record)

    def _read(self, selector: Selector, path_name: str | None, name: str | None, query: dict[str, str]) -> Any:
        if path_name is not None:
            for obj in self.store.select(Selector(**{**selector.__dict__, "name": path_name})):
                return obj
            raise BadRequest(404, "NotFound", f'{selector.resource} "{path_name}" not found')
        items = self.store.select(selector if name is None else Selector(**{**selector.__dict__, "name": name}))
        version, start = self.store.version, 0
        if query.get("continue"):
            version, start = _decode_continue(query["continue"])
        limit = _int(query, "limit")
        page = items[start : start + limit] if limit else items[start:]
        metadata: dict[str, Any] = {"resourceVersion": str(version)}
        if limit and start + limit < len(items):
            metadata["continue"] = _encode_continue(version, start + limit)
        kind = KINDS.get(selector.resource, selector.resource.title())
        api_version = f"{selector.group}/{selector.version}" if selector.group else selector.version
        return {"kind": f"{kind}List", "apiVersion": api_version, "metadata": metadata, "items": page}

    async def _watch(self, receive: Receive, send: Send, selector: Selector, name: str | None,
                     query: dict[str, str], record: ApiRecord) -> None:  # fmt: skip
        stop = asyncio.Event()
        events = self._events(selector, name, query, stop, record)  # a bad parameter is a 400, before the 200
        listener = asyncio.create_task(_until_disconnect(receive, "http.disconnect", stop))
        await send({"type": "http.response.start", "status": 200, "headers": _headers("application/json")})
        await send({"type": "http.response.body", "body": b"", "more_body": True})  # flush the headers now
        record.status = 200
        try:
            async for event in events:
                await send({"type": "http.response.body", "body": _line(event), "more_body": True})
            if not stop.is_set():
                await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            listener.cancel()
        if record.end_reason is None:  # the stream did not end by itself: the client went away
            record.end_reason = "client-closed"

    async def _websocket(self, scope: Scope, receive: Receive, send: Send, selector: Selector, name: str | None,
                         query: dict[str, str], record: ApiRecord) -> None:  # fmt: skip
        if (await receive())["type"] != "websocket.connect":
            return
        stop = asyncio.Event()
        events = self._events(selector, name, query, stop, record)
        offered = scope.get("subprotocols") or []
        # golang.org/x/net/websocket echoes a lone offered subprotocol (k8s-api-semantics.md §3.8)
        await send({"type": "websocket.accept", "subprotocol": offered[0] if len(offered) == 1 else None})
        record.status = 101
        listener = asyncio.create_task(_until_disconnect(receive, "websocket.disconnect", stop))
        try:
            async for event in events:
                await send({"type": "websocket.send", "text": _line(event).decode()})
            if not stop.is_set():
                await send({"type": "websocket.close", "code": 1000})
        finally:
            listener.cancel()
        if record.end_reason is None:  # the stream did not end by itself: the client went away
            record.end_reason = "client-closed"

    def _events(self, selector: Selector, name: str | None, query: dict[str, str], stop: asyncio.Event,
                record: ApiRecord) -> Any:  # fmt: skip
        narrowed = selector if name is None else Selector(**{**selector.__dict__, "name": name})
        return stream_events(
            self.store, narrowed, query.get("resourceVersion"), timeout=float(_int(query, "timeoutSeconds") or 1800),
            bookmarks=query.get("allowWatchBookmarks", "").lower() == "true",
            bookmark_interval=self.bookmark_interval, stop=stop, record=record,
        )  # fmt: skip


def _narrow(selector: Selector, name: str | None, query: dict[str, str]) -> tuple[Selector, str | None]:
    """Apply `fieldSelector` (metadata.name / metadata.namespace, `=` or `==`); anything else is a 400."""
    field_selector = query.get("fieldSelector", "")
    for term in filter(None, field_selector.split(",")):
        field, _, value = term.replace("==", "=").partition("=")
        if field == "metadata.name" and value:
            if name not in (None, value):
                raise BadRequest(400, "BadRequest", "fieldSelector metadata.name doesn't match requested name")
            name = value
        elif field == "metadata.namespace" and value and selector.namespace in ("", value):
            selector = Selector(**{**selector.__dict__, "namespace": value})
        else:
            raise BadRequest(400, "BadRequest", f'"{term}" is not a known field selector: only "metadata.name", ...')
    return selector, name


def _key(selector: Selector, name: str | None) -> str:
    base = f"{selector.cluster}/{selector.group or 'core'}/{selector.version}/{selector.namespace or '-'}"
    return f"{base}/{selector.resource}" + (f"/{name}" if name else "")


def _int(query: dict[str, str], name: str) -> int:
    raw = query.get(name, "")
    if raw == "":
        return 0
    if not raw.isdigit():
        raise BadRequest(400, "BadRequest", f"{name}: invalid value {raw!r}: must be a non-negative integer")
    return int(raw)


def _encode_continue(version: int, start: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"rv": version, "start": start}).encode()).decode()


def _decode_continue(token: str) -> tuple[int, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token.encode()))
        return int(data["rv"]), int(data["start"])
    except (ValueError, KeyError, TypeError):
        raise BadRequest(400, "BadRequest", "continue key is not valid") from None


def _status(code: int, reason: str, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": reason, "code": code}  # fmt: skip


def _headers(content_type: str, length: int | None = None) -> list[tuple[bytes, bytes]]:
    headers = [(b"content-type", content_type.encode()), (b"cache-control", b"no-cache, private")]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    return headers


def _line(event: dict[str, Any]) -> bytes:
    return json.dumps(event, separators=(",", ":")).encode() + b"\n"  # Go's json.Encoder ends each with \n


async def _json(send: Send, status: int, body: Any, record: ApiRecord) -> None:
    data = json.dumps(body, separators=(",", ":")).encode()
    await send({"type": "http.response.start", "status": status, "headers": _headers("application/json", len(data))})
    await send({"type": "http.response.body", "body": data})
    record.status, record.body_bytes = status, len(data)
    record.resource_version = (body.get("metadata") or {}).get("resourceVersion")


async def _until_disconnect(receive: Receive, kind: str, stop: asyncio.Event) -> None:
    while (await receive())["type"] != kind:
        pass
    stop.set()
