"""Per-value normalisation of HAR fields whose spelling depends on the writer: HTTP versions, resource types,
connection ids, and headers in either `{name, value}` or `[name, value]` form."""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import msgspec

from analyzer.har import schema
from analyzer.model import Body

_HTTP_VERSION = re.compile(r"^(?:https?/)?(1\.0|1\.1|2(?:\.0)?|3(?:\.0)?)$|^(h2|h2c)$|^(h3)(?:-.*)?$", re.I)

# Chrome's `_resourceType` vocabulary (front_end/core/common/ResourceType.ts), the column's values.
RESOURCE_TYPES = frozenset(
    {
        "document", "stylesheet", "image", "media", "font", "script", "texttrack", "xhr", "fetch",
        "eventsource", "websocket", "webtransport", "manifest", "signed-exchange", "ping",
        "csp-violation-report", "preflight", "other", "sm-script", "sm-stylesheet",
    }
)  # fmt: skip

_MIME_TYPES: tuple[tuple[str, str], ...] = (
    ("text/html", "document"),
    ("application/xhtml", "document"),
    ("text/css", "stylesheet"),
    ("javascript", "script"),
    ("ecmascript", "script"),
    ("image/", "image"),
    ("font/", "font"),
    ("application/font", "font"),
    ("application/x-font", "font"),
    ("audio/", "media"),
    ("video/", "media"),
    ("text/event-stream", "eventsource"),
    ("application/manifest+json", "manifest"),
    ("text/vtt", "texttrack"),
    ("json", "fetch"),
    ("xml", "fetch"),
    ("text/plain", "fetch"),
    ("application/x-protobuf", "fetch"),
    ("application/vnd.kubernetes.protobuf", "fetch"),
)


@lru_cache(maxsize=256)
def normalize_http_version(raw: str | None) -> str | None:
    """`http/2.0`, `h2`, `HTTP/2` -> `HTTP/2`; `1.1` -> `HTTP/1.1`; junk (`""`, `unknown`, `2 2`) -> None."""
    if not raw:
        return None
    match = _HTTP_VERSION.match(raw.strip())
    if match is None:
        return None
    number, h2, h3 = match.groups()
    if h2:
        return "HTTP/2"
    if h3:
        return "HTTP/3"
    return {"1.0": "HTTP/1.0", "1.1": "HTTP/1.1"}.get(number, f"HTTP/{number[0]}")


@lru_cache(maxsize=1024)
def infer_resource_type(declared: str | None, mime_type: str | None, is_websocket: bool) -> str | None:
    """The writer's `_resourceType` when it gave one, else a guess from the response MIME type."""
    if declared:
        lowered = declared.lower()
        return lowered if lowered in RESOURCE_TYPES else "other"
    if is_websocket:
        return "websocket"
    if not mime_type:
        return None
    lowered = mime_type.lower()
    for needle, kind in _MIME_TYPES:
        if needle in lowered:
            return kind
    return "other"


def decode_headers(raw: msgspec.Raw | None) -> list[tuple[str, str]]:
    """Headers as (name, value) pairs, from `[{name, value}]` or Slack's `[[name, value]]`; junk is dropped."""
    if raw is None or not bytes(raw) or bytes(raw) == b"null":
        return []
    try:
        items = msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return []
    pairs: list[tuple[str, str]] = []
    if not isinstance(items, list):
        return pairs
    for item in items:
        if isinstance(item, dict) and "name" in item:
            pairs.append((str(item["name"]), "" if item.get("value") is None else str(item.get("value"))))
        elif isinstance(item, list) and len(item) == 2:
            pairs.append((str(item[0]), str(item[1])))
    return pairs


def header(pairs: list[tuple[str, str]], name: str) -> str | None:
    """The first value of a header, matched case-insensitively (HTTP/2 writers lower-case names)."""
    wanted = name.lower()
    for key, value in pairs:
        if key.lower() == wanted:
            return value
    return None


# Writers whose `connection` is the server port, not a connection: Firefox, Firebug, and Chrome whenever the
# file also carries `_connectionId` (Chrome >= 116 moved the id there).
PORT_CONNECTION_WRITERS = frozenset({"firefox", "firebug", "iceweasel"})
_FIDDLER_CLIENT_PORT = re.compile(r"ClientPort:(\d+)", re.I)


def connection_id(raw: str | None, explicit: str | None, *, connection_is_port: bool) -> str | None:
    """A real connection identity, or None: a server port identifies nothing."""
    if explicit:
        return explicit
    if not raw or connection_is_port:
        return None
    fiddler = _FIDDLER_CLIENT_PORT.search(raw)
    if fiddler:
        return fiddler.group(1)  # Fiddler's client port: unique per TCP connection while it is open
    return raw.strip() or None


def body_of(content: schema.Content, read_member: Callable[[str], bytes] | None = None) -> Body | None:
    """The body a response's `content` holds, its text read from a sidecar file (`read_member`, Playwright's
    `attach` mode) where the writer put it there; None where the writer kept none."""
    text = raw_text(content.text)
    if text is None and content._file and read_member is not None:
        try:
            text = read_member(content._file).decode("utf-8", "replace")
        except KeyError:
            text = None
    if text is None:
        return None
    size = content.size
    size = int(size) if size is not None and 0 <= size <= 2**53 else None  # NaN, inf, 1e300: unknown
    return Body(text=text, encoding=content.encoding, mime_type=content.mimeType, size=size)


def raw_text(raw: msgspec.Raw | bytes | memoryview) -> str | None:
    """A raw JSON value that should be a string (a body, a frame's data), or None."""
    try:
        value = msgspec.json.decode(raw)
    except msgspec.ValidationError:
        return None
    except msgspec.DecodeError:  # bytes that are not UTF-8 in the string: kept, as U+FFFD
        try:
            value = msgspec.json.decode(bytes(raw).decode("utf-8", "replace"))
        except msgspec.DecodeError:
            return None
    return value if isinstance(value, str) else None
