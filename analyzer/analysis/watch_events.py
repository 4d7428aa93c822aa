"""Decode what a watch delivered: newline-delimited JSON events over HTTP, or one event per websocket frame.

Also reads the `resourceVersion` a get or list returned, so that a watch can be checked to start from it,
and the resources a multiplexed websocket subscribed to (Headlamp's `/wsMultiplexer` request messages,
Rancher Steve's `/v1/subscribe` messages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import msgspec

from analyzer.har.hooks import Digest
from analyzer.har.loader import Capture
from analyzer.model import Body

EVENT_TYPES = ("ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR")


@dataclass
class WatchEvents:
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(EVENT_TYPES, 0))
    last_resource_version: str | None = None
    first_event: datetime | None = None  # known for websocket frames only (HTTP bodies carry no times)
    expired: bool = False  # an ERROR event with code 410 (resource version too old)
    has_body: bool = False  # the writer kept what was delivered


# What a watch with no body delivered, as far as anyone can tell (shared: never changed).
NO_EVENTS = WatchEvents()


class _Metadata(msgspec.Struct):
    resourceVersion: str | None = None


class _Object(msgspec.Struct):
    metadata: _Metadata | None = None
    code: int | None = None  # a Status object (ERROR events)
    reason: str | None = None


class _Event(msgspec.Struct):
    type: str | None = None
    object: _Object | None = None


_EVENT = msgspec.json.Decoder(_Event)
_OBJECT = msgspec.json.Decoder(_Object)


def socket_events(capture: Capture, index: int) -> WatchEvents:
    """The events a websocket watch received, one per frame."""
    result = WatchEvents()
    for frame in capture.websocket_frames(index):
        if frame.direction == "receive" and frame.data:
            if _count(result, frame.data) and result.first_event is None:
                result.first_event = frame.time
            result.has_body = True
    return result


def body_events(body: Body | None) -> WatchEvents:
    """The events of an HTTP watch's body (`Capture.each_body` reads many in one pass)."""
    result = WatchEvents()
    if body is not None and body.text and body.text.isascii() and (body.encoding or "").lower() != "base64":
        text: str | None = body.text  # what its bytes decode back to: no round trip
    else:
        text = _text(body.decoded() if body else None)
    if text is None:
        return result
    result.has_body = True
    for line in text.splitlines():
        if line.strip():
            _count(result, line)
    return result


def might_watch(url: str) -> bool:
    """Whether a request URL may be a watch: kube-apiserver's have `watch` in the path (`/watch/`) or the query
    (`watch=true`), perhaps percent-encoded (`%77atch`); more than the watches (`allowWatchBookmarks` on a list):
    the rest are read and never asked for."""
    if "watch" in url.lower():
        return True
    # Only an escaped letter can spell a letter of `watch` once unescaped (looked for as `%40` to `%7F`, the
    # letters and a few other characters): the escapes of most URLs (`%3D`, `%2F`, `%20`) cannot, and such URLs
    # are not unquoted for nothing.
    return "%" in url and _ESCAPED_LETTER.search(url) is not None and "watch" in unquote(url).lower()


_ESCAPED_LETTER = re.compile("%[4-7][0-9a-f]", re.IGNORECASE)


def _digest(body: Body | None) -> bytes:
    events = body_events(body)
    return _ENCODE((list(events.counts.values()), events.last_resource_version, events.expired, events.has_body))


def digested_events(digest: bytes) -> WatchEvents:
    """The events of an HTTP watch's body from its digest (`WATCH_BODIES`)."""
    counts, last, expired, has_body = _DECODE(digest)
    return WatchEvents(dict(zip(EVENT_TYPES, counts, strict=True)), last, None, expired, has_body)


_ENCODE = msgspec.msgpack.Encoder().encode
_DECODE = msgspec.msgpack.Decoder(tuple[list[int], str | None, bool, bool]).decode
# The events of the bodies of the requests that might be watches, counted where the loader decodes the entries
# (`load_capture(digest=WATCH_BODIES)`, as the CLI does): no second decode of each watch's entry here.
WATCH_BODIES = Digest(name="watch-events/1", wants=might_watch, reduce=_digest)


def read_resource_version(capture: Capture, index: int) -> str | None:
    """The `metadata.resourceVersion` of a get's object or a list's collection, if the body was kept."""
    data = capture.decoded_body(index)
    if not data:
        return None
    try:
        decoded = _OBJECT.decode(data)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return None
    return decoded.metadata.resourceVersion if decoded.metadata else None


def _count(result: WatchEvents, line: str) -> bool:
    try:
        event = _EVENT.decode(line)
    except (msgspec.DecodeError, msgspec.ValidationError):
        return False
    kind = (event.type or "").upper()
    if kind not in result.counts:
        return False
    result.counts[kind] += 1
    obj = event.object
    if kind == "ERROR" and obj is not None and obj.code == 410:
        result.expired = True
    elif obj is not None and obj.metadata is not None and obj.metadata.resourceVersion:
        result.last_resource_version = obj.metadata.resourceVersion
    return True


def _text(data: bytes | None) -> str | None:
    if not data:
        return None
    return data.decode("utf-8", "replace")


def multiplexed_subscriptions(capture: Capture, index: int, url: str) -> list[tuple[str, str]]:
    """(method, URL) of each watch a multiplexed websocket asked for, as if it were its own request."""
    try:
        path = urlsplit(url).path
    except ValueError:  # a URL Python cannot split (`ws://[::1/x`, an unclosed IPv6 host): no multiplexer's
        return []
    sent = [f.data for f in capture.websocket_frames(index) if f.direction == "send" and f.data]
    if path.endswith("/wsMultiplexer"):
        return [s for s in (_headlamp(message, url) for message in sent) if s]
    if path.endswith("/v1/subscribe"):
        return [s for s in (_steve(message, url) for message in sent) if s]
    return []


def _headlamp(message: str, socket_url: str) -> tuple[str, str] | None:
    data = _json(message)
    if not isinstance(data, dict) or not isinstance(data.get("path"), str):
        return None
    if str(data.get("type", "REQUEST")).upper() not in ("REQUEST", ""):
        return None  # CLOSE messages end a subscription
    cluster = data.get("clusterId") or data.get("cluster") or "-"
    query = data.get("query") or ""
    base = urlsplit(socket_url)
    return "GET", f"{base.scheme}://{base.netloc}/clusters/{cluster}{data['path']}?{query}"


def _steve(message: str, socket_url: str) -> tuple[str, str] | None:
    data = _json(message)
    if not isinstance(data, dict) or not isinstance(data.get("resourceType"), str) or data.get("stop"):
        return None
    # Steve names types `group.kind` (`apps.deployment`, `pod`) and objects `namespace/name`; the version is
    # not in the message, so it is written `-`, and the plural is the kind plus `s` (approximate).
    group, _, kind = data["resourceType"].rpartition(".")
    namespace, _, name = str(data.get("id") or "").rpartition("/")
    namespace = namespace or str(data.get("namespace") or "")
    path = f"/apis/{group}/-" if group else "/api/v1"
    path += f"/namespaces/{namespace}" if namespace else ""
    path += f"/{kind}s" + (f"/{name}" if name else "")
    base = urlsplit(socket_url)
    prefix = base.path.rsplit("/v1/subscribe", 1)[0]
    version = data.get("resourceVersion")
    query = "watch=true" + (f"&resourceVersion={version}" if version else "")
    return "GET", f"{base.scheme}://{base.netloc}{prefix}{path}?{query}"


def _json(message: str) -> Any:
    try:
        return msgspec.json.decode(message)
    except msgspec.DecodeError:
        return None
