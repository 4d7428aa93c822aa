"""A port of kube-apiserver's `RequestInfoFactory.NewRequestInfo` (k8s.io/apiserver
`pkg/endpoints/request/requestinfo.go`), with APIPrefixes {api, apis} and GrouplessAPIPrefixes {api}.

It works on the percent-DECODED path and the Go-parsed query (see `analyzer.k8s.query`). URL grammar::

    resource requests
      /api/{version}/{resource}[/{name}[/{subresource}[/...]]]
      /api/{version}/namespaces/{namespace}/{resource}[/{name}[/{subresource}[/...]]]
      /api/{version}/namespaces/{namespace}[/status|/finalize]   the namespace itself
      /apis/{group}/{version}/...                                 the same shapes, with a group
      /{api|apis}/.../{version}/watch/...                         legacy: verb watch, no selectors
      /{api|apis}/.../{version}/proxy/...                         legacy: verb proxy, no subresource
    non-resource requests (verb = lower-case HTTP method)
      /api, /api/{version}, /apis, /apis/{group}, /apis/{group}/{version}, /version, /healthz, /, ...

Verbs of resource requests: GET/HEAD -> get, or list/watch when there is no name; POST -> create;
PUT -> update; PATCH -> patch; DELETE -> delete, or deletecollection when there is no name; any other
method (OPTIONS, CONNECT...) -> "" (empty verb). `watch` is true unless its FIRST value is "0" or
"false" (any case), so `?watch`, `?watch=` and `?watch=no` are watches. A list/watch takes its Name
from `fieldSelector=metadata.name=X`, unless any list option fails to decode (a non-integer `limit`
or `timeoutSeconds`, a bad field or label selector): then only `watch` is re-read.

`/{api|apis}/.../{version}/watch` (or `/proxy`) with nothing after it is upstream's one error case:
the resource request is returned as far as it was parsed (verb = lower-case method, no resource)
together with `error`; kube-apiserver answers it with 500.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from analyzer.k8s.query import Query, first_value, go_bool, go_int64
from analyzer.k8s.selectors import (
    FieldSelector,
    SelectorError,
    is_valid_label_selector,
    parse_field_selector,
)

API_PREFIXES = frozenset({"api", "apis"})
GROUPLESS_API_PREFIXES = frozenset({"api"})
SPECIAL_VERBS = frozenset({"proxy", "watch"})
SPECIAL_VERBS_NO_SUBRESOURCES = frozenset({"proxy"})
NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})
VERBS_WITH_SELECTORS = frozenset({"list", "watch", "deletecollection"})
METHOD_VERBS: dict[str, str] = {
    "POST": "create",
    "GET": "get",
    "HEAD": "get",
    "PUT": "update",
    "PATCH": "patch",
    "DELETE": "delete",
}
INTEGER_LIST_OPTIONS: tuple[str, ...] = ("timeoutSeconds", "limit")
NO_SPECIAL_VERB_ERROR = "unable to determine kind and namespace from url"


class ApiRequestInfo(NamedTuple):
    """Go's RequestInfo field for field: strings are "" when unset, exactly as upstream.

    A NamedTuple rather than a frozen dataclass: it is built for every API request, and is several
    times cheaper to construct.
    """

    is_resource_request: bool
    path: str
    verb: str
    api_prefix: str = ""
    api_group: str = ""
    api_version: str = ""
    namespace: str = ""
    resource: str = ""
    subresource: str = ""
    name: str = ""
    parts: tuple[str, ...] = ()
    field_selector: str = ""
    label_selector: str = ""
    error: str | None = None  # upstream's returned error: only the bare legacy /watch or /proxy path


def split_path(path: str) -> list[str]:
    """Go `splitPath`: trim "/" on both ends, then split on "/" (inner empty segments stay)."""
    path = path.strip("/")
    return path.split("/") if path else []


def is_resource_path(parts: Sequence[str]) -> bool:
    """What `NewRequestInfo` answers for IsResourceRequest, from the split path alone."""
    if len(parts) < 3 or parts[0] not in API_PREFIXES:
        return False
    return parts[0] in GROUPLESS_API_PREFIXES or len(parts) >= 4


def new_request_info(method: str, path: str, query: Query) -> ApiRequestInfo:
    """`NewRequestInfo` for a request with this HTTP `method`, DECODED `path` and parsed `query`."""
    return request_info_from_parts(method, path, split_path(path), query)


def request_info_from_parts(method: str, path: str, parts: Sequence[str], query: Query) -> ApiRequestInfo:
    """`new_request_info` for a path that the caller has already split with `split_path`."""
    lower_method = method.lower()
    if not is_resource_path(parts):
        prefix = parts[0] if len(parts) >= 3 and parts[0] in API_PREFIXES else ""
        return ApiRequestInfo(is_resource_request=False, path=path, verb=lower_method, api_prefix=prefix)
    prefix = parts[0]
    if prefix in GROUPLESS_API_PREFIXES:
        group, version, rest = "", parts[1], parts[2:]
    else:
        group, version, rest = parts[1], parts[2], parts[3:]
    if rest[0] in SPECIAL_VERBS and len(rest) < 2:
        error = f"{NO_SPECIAL_VERB_ERROR}, {path}"
        return ApiRequestInfo(True, path, lower_method, prefix, group, version, error=error)
    return _resource_request_info(method, path, (prefix, group, version), rest, query)


def _resource_request_info(
    method: str, path: str, api: tuple[str, str, str], rest: Sequence[str], query: Query
) -> ApiRequestInfo:
    """The resource-request half of `NewRequestInfo`, from the parts after `{prefix}[/{group}]/{version}`."""
    verb_via_path = rest[0] in SPECIAL_VERBS
    verb = rest[0] if verb_via_path else METHOD_VERBS.get(method, "")
    if verb_via_path:
        rest = rest[1:]
    namespace, rest = _namespace_and_parts(rest)
    resource, name, subresource = _resource_name_subresource(rest, verb)
    if not name and verb == "get":
        verb, name = _list_or_watch(query)
    if not name and verb == "delete":
        verb = "deletecollection"
    field_selector = label_selector = ""
    if not verb_via_path and verb in VERBS_WITH_SELECTORS:
        field_selector = first_value(query, "fieldSelector") or ""
        label_selector = first_value(query, "labelSelector") or ""
    prefix, group, version = api
    return ApiRequestInfo(
        is_resource_request=True,
        path=path,
        verb=verb,
        api_prefix=prefix,
        api_group=group,
        api_version=version,
        namespace=namespace,
        resource=resource,
        subresource=subresource,
        name=name,
        parts=tuple(rest),
        field_selector=field_selector,
        label_selector=label_selector,
    )


def _namespace_and_parts(rest: Sequence[str]) -> tuple[str, Sequence[str]]:
    """`/namespaces/{ns}/{resource}/...` -> ({ns}, {resource}/...); the namespace object keeps its parts."""
    if rest[0] != "namespaces":
        return "", rest
    if len(rest) == 1:
        return "", rest
    if len(rest) > 2 and rest[2] not in NAMESPACE_SUBRESOURCES:
        return rest[1], rest[2:]
    return rest[1], rest


def _resource_name_subresource(parts: Sequence[str], verb: str) -> tuple[str, str, str]:
    resource = parts[0] if parts else ""
    name = parts[1] if len(parts) >= 2 else ""
    has_subresource = len(parts) >= 3 and verb not in SPECIAL_VERBS_NO_SUBRESOURCES
    return resource, name, parts[2] if has_subresource else ""


def _list_or_watch(query: Query) -> tuple[str, str]:
    """The verb and name of a GET/HEAD on a collection: list or watch, and a `metadata.name` selector."""
    decoded = decode_list_options(query)
    if decoded is None:
        # DecodeParameters failed: upstream drops every option but a raw re-read of `watch`, which
        # lower-cases instead of folding case (a long s, U+017F, for "s" is false there but true here).
        watch = first_value(query, "watch")
        is_watch = watch is not None and watch.lower() not in ("false", "0")
        return ("watch" if is_watch else "list"), ""
    is_watch, field_selector = decoded
    name = ""
    if field_selector is not None:
        exact = field_selector.requires_exact_match("metadata.name")
        if exact is not None and is_path_segment_name(exact):
            name = exact
    return ("watch" if is_watch else "list"), name


def decode_list_options(query: Query) -> tuple[bool, FieldSelector | None] | None:
    """The parts of `DecodeParameters` into ListOptions that matter: (watch, field selector), or None
    when decoding fails. With no query at all nothing is decoded and the selector stays nil."""
    if not query:
        return False, None
    for key in INTEGER_LIST_OPTIONS:
        value = first_value(query, key)
        if value is not None and go_int64(value) is None:
            return None
    if not is_valid_label_selector(first_value(query, "labelSelector") or ""):
        return None
    try:
        field_selector = parse_field_selector(first_value(query, "fieldSelector") or "")
    except SelectorError:
        return None
    watch = first_value(query, "watch")
    return (watch is not None and go_bool(watch)), field_selector


def is_path_segment_name(name: str) -> bool:
    """`content.IsPathSegmentName`: not "." or "..", and no "/" or "%" (the empty name passes)."""
    return name not in (".", "..") and "/" not in name and "%" not in name
