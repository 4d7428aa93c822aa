"""The public entry point: what one request is, as Kubernetes sees it, behind any console prefix.

Procedure: split the URL; reject cheaply a path whose first segment cannot start a Kubernetes path;
decode the path like Go; strip the first console prefix (custom ones first, then the built-ins) after
which a Kubernetes path remains, else try the path as it is ("direct"); then run the RequestInfo port
on what remains and read the list/watch parameters from the Go-parsed query.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import NamedTuple

from analyzer.k8s.paths import PathKind, path_kind
from analyzer.k8s.prefixes import BUILTIN_PREFIXES, CLUSTER_PLACEHOLDER, DIRECT, match_prefix, validate_prefix
from analyzer.k8s.query import Query, go_bool, go_int64, parse_query, split_url, unescape_path
from analyzer.k8s.request_info import API_PREFIXES, is_resource_path, request_info_from_parts, split_path
from analyzer.model import Prefix, RequestInfo

WEBSOCKET_SCHEMES = frozenset({"ws", "wss"})
CACHE_SIZE = 1 << 17  # distinct (method, url, is_websocket) keys kept by one Classifier
PATH_CACHE_SIZE = 1 << 14  # distinct raw paths: a watch reconnects to the same path with a new query


class _Location(NamedTuple):
    kind: PathKind
    rest: tuple[str, ...]  # the split, decoded path after the prefix
    console: str | None = None
    cluster: str | None = None


class ListParams(NamedTuple):
    """List/watch query parameters, first value of each (Go conversion rules); "" reads as absent."""

    resource_version: str | None
    resource_version_match: str | None
    timeout_seconds: int | None  # None when absent or not an int64
    allow_watch_bookmarks: bool | None
    send_initial_events: bool | None
    limit: int | None
    continue_token: str | None


class Classifier:
    """Classifies requests behind the built-in and custom `prefixes`; caches by (method, url, is_websocket).

    Raises:
        ConfigError: for an invalid custom prefix.
    """

    def __init__(self, prefixes: Sequence[Prefix] = ()) -> None:
        for prefix in prefixes:
            validate_prefix(prefix)
        self.prefixes: tuple[Prefix, ...] = (*prefixes, *BUILTIN_PREFIXES)
        self._wildcards = tuple(p for p in self.prefixes if p.segments[0] == CLUSTER_PLACEHOLDER)
        firsts = {p.segments[0] for p in self.prefixes} - {CLUSTER_PLACEHOLDER}
        self._candidates = {
            first: tuple(p for p in self.prefixes if p.segments[0] in (first, CLUSTER_PLACEHOLDER)) for first in firsts
        }
        self._interesting_firsts = frozenset(firsts | API_PREFIXES)
        self._cached = functools.lru_cache(maxsize=CACHE_SIZE)(self._classify)
        self._locate_raw = functools.lru_cache(maxsize=PATH_CACHE_SIZE)(self._locate_raw_path)

    def classify(self, method: str, url: str, is_websocket: bool = False) -> RequestInfo:
        """Classify one request; `is_websocket` when the capture says so (status 101, `_resourceType`)."""
        return self._cached(method, url, is_websocket)

    def cache_info(self) -> functools._CacheInfo:
        return self._cached.cache_info()

    def _classify(self, method: str, url: str, is_websocket: bool) -> RequestInfo:
        method = method.upper()
        scheme, raw_path, raw_query = split_url(url)
        is_websocket = is_websocket or scheme in WEBSOCKET_SCHEMES
        if self._is_surely_not_api(raw_path):
            return RequestInfo(url=url, method=method, k8s=False, is_resource_request=False, is_websocket=is_websocket)
        location = self._locate_raw(raw_path)
        if location.kind is PathKind.NOT_KUBERNETES:
            is_resource = is_resource_path(location.rest)
            return RequestInfo(
                url=url, method=method, k8s=False, is_resource_request=is_resource, is_websocket=is_websocket
            )
        return _kubernetes_info(url, method, is_websocket, location, parse_query(raw_query))

    def _is_surely_not_api(self, raw_path: str) -> bool:
        """The cheap early reject: the first raw segment starts no prefix and no API path."""
        if self._wildcards:
            return False
        trimmed = raw_path.lstrip("/")
        slash = trimmed.find("/")
        first = trimmed[:slash] if slash >= 0 else trimmed
        return first not in self._interesting_firsts and "%" not in first

    def _locate_raw_path(self, raw_path: str) -> _Location:
        return self._locate(tuple(split_path(unescape_path(raw_path))))

    def _locate(self, parts: tuple[str, ...]) -> _Location:
        """The first prefix after which a Kubernetes path remains, else the direct path, else no match."""
        fallback: tuple[str, ...] | None = None
        for prefix in self._candidates.get(parts[0], self._wildcards) if parts else ():
            matched = match_prefix(prefix, parts)
            if matched is None:
                continue
            cluster, rest = matched
            kind = path_kind(rest, is_behind_console=True)
            if kind is not PathKind.NOT_KUBERNETES:
                return _Location(kind, rest, prefix.console, cluster)
            if fallback is None:
                fallback = rest
        kind = path_kind(parts, is_behind_console=False)
        if kind is not PathKind.NOT_KUBERNETES:
            return _Location(kind, parts, DIRECT)
        return _Location(PathKind.NOT_KUBERNETES, parts if fallback is None else fallback)


def _kubernetes_info(url: str, method: str, is_websocket: bool, where: _Location, query: Query) -> RequestInfo:
    api = request_info_from_parts(method, "/" + "/".join(where.rest), where.rest, query)
    verb = api.verb or None
    if is_websocket and verb == "list":
        verb = "watch"  # a browser cannot stream a plain list over a websocket: it is a watch
    params = read_list_params(query)
    return RequestInfo(
        url=url,
        method=method,
        k8s=True,
        is_resource_request=api.is_resource_request,
        verb=verb,
        api_prefix=api.api_prefix or None,
        group=api.api_group or None,
        version=api.api_version or None,
        namespace=api.namespace or None,
        resource=api.resource or None,
        subresource=api.subresource or None,
        name=api.name or None,
        parts=api.parts,
        cluster=where.cluster,
        console=where.console,
        field_selector=api.field_selector or None,
        label_selector=api.label_selector or None,
        resource_version=params.resource_version,
        resource_version_match=params.resource_version_match,
        timeout_seconds=params.timeout_seconds,
        allow_watch_bookmarks=params.allow_watch_bookmarks,
        send_initial_events=params.send_initial_events,
        limit=params.limit,
        continue_token=params.continue_token,
        is_websocket=is_websocket,
    )


def read_list_params(query: Query) -> ListParams:
    """Each list/watch parameter on its own: an invalid `limit` does not hide a valid `resourceVersion`."""
    if not query:
        return _NO_PARAMS
    first = {key: values[0] for key, values in query.items()}.get  # parse_query never keeps empty lists
    timeout = first("timeoutSeconds")
    bookmarks = first("allowWatchBookmarks")
    initial = first("sendInitialEvents")
    limit = first("limit")
    return ListParams(
        resource_version=first("resourceVersion") or None,
        resource_version_match=first("resourceVersionMatch") or None,
        timeout_seconds=None if timeout is None else go_int64(timeout),
        allow_watch_bookmarks=None if bookmarks is None else go_bool(bookmarks),
        send_initial_events=None if initial is None else go_bool(initial),
        limit=None if limit is None else go_int64(limit),
        continue_token=first("continue") or None,
    )


_NO_PARAMS = ListParams(None, None, None, None, None, None, None)


@functools.lru_cache(maxsize=8)
def _shared_classifier(prefixes: tuple[Prefix, ...]) -> Classifier:
    return Classifier(prefixes)


def classify_request(
    method: str, url: str, *, prefixes: Sequence[Prefix] = (), is_websocket: bool = False
) -> RequestInfo:
    """Classify one request; see `Classifier`. Repeated calls with the same prefixes share one cache.

    Args:
        method: the HTTP method (upper-cased here; kube-apiserver compares methods case-sensitively).
        url: absolute (`https://host:8443/...`, `ws://`, `wss://`), path-only (`/api/v1/pods`), or "".
        prefixes: custom console prefixes, tried before the built-in ones.
        is_websocket: the capture saw a websocket (status 101 or `_resourceType: websocket`).

    Raises:
        ConfigError: for an invalid custom prefix.
    """
    return _shared_classifier(tuple(prefixes)).classify(method, url, is_websocket)
