"""Typed records of the input side: the classification of one request, console prefixes, and what the loader
hands out lazily (pages, bodies, websocket frames). What the analysis derives is in `analyzer.summary`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# Keys of `har-analyzer classify --format json`, in order: a public contract, do not reorder.
CLASSIFY_KEYS: tuple[str, ...] = (
    "url",
    "method",
    "k8s",
    "is_resource_request",
    "verb",
    "api_prefix",
    "group",
    "version",
    "namespace",
    "resource",
    "subresource",
    "name",
    "cluster",
    "console",
    "field_selector",
    "label_selector",
    "resource_version",
    "timeout_seconds",
    "allow_watch_bookmarks",
)


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """What kube-apiserver makes of one request, plus what we know about the console in front of it.

    String fields use None where upstream's RequestInfo has the empty string, so JSON shows null.
    When `k8s` is False every Kubernetes field below `is_resource_request` is None.
    """

    url: str
    method: str  # upper-case HTTP method as given
    # Ours: the path, after a known or configured console prefix, is a Kubernetes API path.
    k8s: bool
    # kube-apiserver's own answer (RequestInfo.IsResourceRequest) for the path after the prefix, if any.
    is_resource_request: bool
    verb: str | None = None  # get list watch create update patch delete deletecollection proxy, or lower method
    api_prefix: str | None = None  # "api" or "apis"
    group: str | None = None  # None for the core group
    version: str | None = None
    namespace: str | None = None
    resource: str | None = None
    subresource: str | None = None
    name: str | None = None
    # RequestInfo.Parts: resource/name/subresource/... relative to the namespace segment.
    parts: tuple[str, ...] = ()
    cluster: str | None = None  # the {cluster} segment of the console prefix
    console: str | None = None  # alauda openshift rancher headlamp lens custom direct
    field_selector: str | None = None  # raw first value, only for list/watch/deletecollection (upstream rule)
    label_selector: str | None = None
    resource_version: str | None = None
    resource_version_match: str | None = None
    timeout_seconds: int | None = None
    allow_watch_bookmarks: bool | None = None
    send_initial_events: bool | None = None
    limit: int | None = None
    continue_token: str | None = None
    is_websocket: bool = False  # ws/wss URL, or the caller said the request was a websocket

    def to_json(self) -> dict[str, object]:
        """The object `classify --format json` prints, with exactly CLASSIFY_KEYS."""
        return {key: getattr(self, key) for key in CLASSIFY_KEYS}


@dataclass(frozen=True, slots=True)
class Prefix:
    """A console or gateway prefix in front of the Kubernetes API, e.g. `/api-gateway/kubernetes/{cluster}/`."""

    pattern: str  # as the user wrote it; `{cluster}` stands for one path segment
    console: str  # alauda openshift rancher headlamp lens custom
    segments: tuple[str, ...] = field(default=())  # pattern split on "/", empty segments dropped

    @classmethod
    def parse(cls, pattern: str, console: str = "custom") -> Prefix:
        segments = tuple(s for s in pattern.strip().split("/") if s)
        return cls(pattern=pattern, console=console, segments=segments)


@dataclass(frozen=True, slots=True)
class Page:
    """A `log.pages[]` record as the writer gave it (navigations are derived separately)."""

    id: str | None
    title: str | None
    started: datetime | None  # UTC
    run: int | None = None  # WebPageTest's `_run`: one run of a multi-run test, each in a fresh browser
    repeat_view: bool = False  # WebPageTest's `_cached` 1: the run's second load, with a warm cache


@dataclass(frozen=True, slots=True)
class Body:
    """A response body, decoded lazily for the one entry that needs it."""

    text: str | None  # as written; base64 when `encoding` says so
    encoding: str | None
    mime_type: str | None
    size: int | None  # content.size as written (decoded length for most writers; -1/None unknown)

    def decoded(self) -> bytes | None:
        """The body bytes, base64 undone."""
        if self.text is None:
            return None
        if (self.encoding or "").lower() == "base64":
            import base64
            import binascii

            try:
                return base64.b64decode(self.text)
            except (binascii.Error, ValueError):
                return None
        return self.text.encode("utf-8", "surrogatepass")


@dataclass(frozen=True, slots=True)
class WebSocketFrame:
    """One `_webSocketMessages` frame, its time normalised to UTC (writers use seconds or milliseconds)."""

    direction: str | None  # send, receive, error
    time: datetime | None
    opcode: int | None  # 1 text, 2 binary, 8 close; -1 for Chrome's error frames
    data: str | None
