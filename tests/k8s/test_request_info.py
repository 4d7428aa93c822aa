"""The NewRequestInfo port: upstream vectors (shared JSONL and an inline copy) and our own edge cases."""

from __future__ import annotations

import json
from typing import Any

import pytest

from analyzer.k8s.query import parse_query, split_url, unescape_path
from analyzer.k8s.request_info import ApiRequestInfo, new_request_info
from tests.conftest import REFERENCE, require_shared

VECTORS = REFERENCE / "requestinfo-vectors.jsonl"

# JSONL key -> ApiRequestInfo field; "noError" is checked as `error is None`.
VECTOR_FIELDS = {
    "isResourceRequest": "is_resource_request",
    "verb": "verb",
    "apiPrefix": "api_prefix",
    "apiGroup": "api_group",
    "apiVersion": "api_version",
    "namespace": "namespace",
    "resource": "resource",
    "subresource": "subresource",
    "name": "name",
    "parts": "parts",
    "fieldSelector": "field_selector",
    "labelSelector": "label_selector",
}


def request_info(method: str, url: str) -> ApiRequestInfo:
    """What kube-apiserver sees: the decoded path and the Go-parsed query."""
    _, path, query = split_url(url)
    return new_request_info(method, unescape_path(path), parse_query(query))


def expected_value(row: dict[str, Any], key: str) -> object:
    return tuple(row[key] or ()) if key == "parts" else row[key]


def load_vector_rows() -> list[dict[str, Any]]:
    """The rows of the shared JSONL (call `require_shared(VECTORS)` first)."""
    lines = VECTORS.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def _vector_params() -> list[Any]:
    if not VECTORS.exists():
        return [pytest.param({}, id="vectors-file-absent")]
    rows = load_vector_rows()
    return [
        pytest.param(row, id=f"{index:02d}-{row['method']}-{row['url'] or '(empty)'}")
        for index, row in enumerate(rows, start=1)
    ]


@pytest.mark.parametrize("row", _vector_params())
def test_upstream_vector_asserted_fields(row: dict[str, Any]) -> None:
    """Each row of the shared JSONL, compared on the fields upstream's test really asserts."""
    require_shared(VECTORS)
    info = request_info(row["method"], row["url"])
    for key in row["assertedUpstream"]:
        if key == "noError":
            assert info.error is None
        else:
            assert getattr(info, VECTOR_FIELDS[key]) == expected_value(row, key), key


@pytest.mark.parametrize("row", _vector_params())
def test_upstream_vector_all_fields(row: dict[str, Any]) -> None:
    """The JSONL also stores the algorithm's value of every other field; current rows must match all."""
    require_shared(VECTORS)
    if row.get("historical"):
        pytest.skip("historical row: `redirect` is no longer a special verb (see HISTORICAL_REDIRECT)")
    info = request_info(row["method"], row["url"])
    for key, field in VECTOR_FIELDS.items():
        assert getattr(info, field) == expected_value(row, key), key


def test_vectors_file_has_the_documented_rows() -> None:
    require_shared(VECTORS)
    rows = load_vector_rows()
    assert len(rows) == 63
    assert sum(1 for row in rows if row.get("historical")) == 2


def case(method: str, url: str, case_id: str, /, **expected: object) -> Any:
    """A table row: the request, then the ApiRequestInfo fields to check by name."""
    return pytest.param(method, url, expected, id=case_id)


# The key upstream rows again, inline, so a clone without ../shared still checks them.
# Fields not named are not checked; "" is upstream's empty string.
UPSTREAM_ROWS = [
    case(
        "GET",
        "/api/v1/namespaces",
        "list-namespaces",
        verb="list",
        resource="namespaces",
        namespace="",
        parts=("namespaces",),
    ),
    case(
        "GET",
        "/api/v1/namespaces/other",
        "get-namespace",
        verb="get",
        namespace="other",
        resource="namespaces",
        name="other",
        parts=("namespaces", "other"),
    ),
    case(
        "GET",
        "/api/v1/namespaces/other/pods",
        "list-namespaced",
        verb="list",
        namespace="other",
        resource="pods",
        parts=("pods",),
    ),
    case(
        "HEAD",
        "/api/v1/namespaces/other/pods/foo",
        "head-is-get",
        verb="get",
        name="foo",
        parts=("pods", "foo"),
    ),
    case("HEAD", "/api/v1/pods", "head-collection-is-list", verb="list", namespace="", resource="pods"),
    case(
        "GET",
        "/api/v1/proxy/namespaces/other/pods/foo/subpath/not/a/subresource",
        "legacy-proxy-no-subresource",
        verb="proxy",
        namespace="other",
        resource="pods",
        name="foo",
        subresource="",
        parts=("pods", "foo", "subpath", "not", "a", "subresource"),
    ),
    case("GET", "/api/v1/watch/pods", "legacy-watch", verb="watch", resource="pods", parts=("pods",)),
    case(
        "GET",
        "/api/v1/watch/namespaces/other/pods",
        "legacy-watch-namespaced",
        verb="watch",
        namespace="other",
        resource="pods",
    ),
    case("GET", "/api/v1/pods?watch=true", "watch-true", verb="watch"),
    case("GET", "/api/v1/pods?watch=false", "watch-false", verb="list"),
    case("GET", "/api/v1/namespaces/other/pods?watch=1", "watch-1", verb="watch"),
    case("GET", "/api/v1/namespaces/other/pods?watch=0", "watch-0-is-list", verb="list"),
    case(
        "GET",
        "/api/v1/namespaces/other/pods/foo/proxy/subpath",
        "proxy-subresource",
        verb="get",
        subresource="proxy",
        name="foo",
        parts=("pods", "foo", "proxy", "subpath"),
    ),
    case(
        "PUT",
        "/api/v1/namespaces/other/finalize",
        "namespace-finalize",
        verb="update",
        namespace="other",
        resource="namespaces",
        name="other",
        subresource="finalize",
        parts=("namespaces", "other", "finalize"),
    ),
    case(
        "PUT",
        "/api/v1/namespaces/other/status",
        "namespace-status",
        verb="update",
        resource="namespaces",
        name="other",
        subresource="status",
    ),
    case("PATCH", "/api/v1/namespaces/other/pods/foo", "patch", verb="patch"),
    case("DELETE", "/api/v1/namespaces/other/pods/foo", "delete", verb="delete", name="foo"),
    case("POST", "/api/v1/namespaces/other/pods", "create", verb="create", name=""),
    case("DELETE", "/api/v1/nodes", "deletecollection", verb="deletecollection", resource="nodes"),
    case(
        "DELETE",
        "/apis/extensions/v1/namespaces/other/pods",
        "deletecollection-group",
        verb="deletecollection",
        api_prefix="apis",
        api_group="extensions",
        api_version="v1",
    ),
    case(
        "POST",
        "/apis/extensions/v1beta3/namespaces/other/pods",
        "group-version",
        verb="create",
        api_group="extensions",
        api_version="v1beta3",
        namespace="other",
        resource="pods",
    ),
    case("GET", "/", "root", is_resource_request=False, verb="get"),
    case("GET", "/api/version/", "just-api-version", is_resource_request=False, api_prefix=""),
    case("GET", "/apis/group/version/", "prefix-group-version", is_resource_request=False, api_prefix="apis"),
    case("GET", "/badprefix/version/resource", "bad-prefix", is_resource_request=False),
    case("GET", "/apis/version/resource", "missing-group", is_resource_request=False, api_prefix="apis"),
    case(
        "GET",
        "/api/version/resource",
        "version-not-validated",
        is_resource_request=True,
        verb="list",
        api_version="version",
    ),
    case(
        "GET",
        "/apis/batch/v1/job/foo/scale",
        "group-subresource",
        verb="get",
        resource="job",
        name="foo",
        subresource="scale",
    ),
    case(
        "GET",
        "/apis/extensions/v1beta1",
        "group-without-enough-steps",
        is_resource_request=False,
        api_prefix="apis",
    ),
    case("GET", "/api", "one-step", is_resource_request=False),
    case("GET", "", "empty", is_resource_request=False, verb="get"),
    case(
        "GET",
        "/apis/g/v/r?fieldSelector=metadata.name=name1",
        "name-from-selector",
        verb="list",
        name="name1",
        field_selector="metadata.name=name1",
    ),
    case(
        "GET",
        "/apis/g/v/r?watch=true&fieldSelector=metadata.name=name1",
        "name-from-selector-watch",
        verb="watch",
        name="name1",
    ),
    case(
        "GET",
        "/apis/g/v/r?fieldSelector=foo=bar&labelSelector=baz=qux",
        "random-selector",
        verb="list",
        name="",
        field_selector="foo=bar",
        label_selector="baz=qux",
    ),
    case(
        "GET",
        "/apis/g/v/r?fieldSelector=metadata.name=name1,foo",
        "invalid-selector-no-name",
        verb="list",
        name="",
        field_selector="metadata.name=name1,foo",
    ),
    case(
        "GET",
        "/apis/g/v/r?fieldSelector=metadata.name=name1,foo&watch=true",
        "invalid-selector-watch",
        verb="watch",
        name="",
    ),
    case(
        "GET",
        "/apis/g/v/r?fieldSelector=metadata.name=name1,foo&watch=false",
        "invalid-selector-watch-false",
        verb="list",
        name="",
    ),
    case(
        "DELETE",
        "/apis/g/v/r?fieldSelector=foo=bar&labelSelector=baz=qux",
        "deletecollection-selectors",
        verb="deletecollection",
        field_selector="foo=bar",
        label_selector="baz=qux",
    ),
    case(
        "GET",
        "/apis/g/v/r?fieldSelector=metadata.name=foo&fieldSelector=metadata.name=bar&labelSelector=foo=bar&labelSelector=foo=baz",
        "first-of-repeated-selectors",
        name="foo",
        field_selector="metadata.name=foo",
        label_selector="foo=bar",
    ),
    case(
        "GET",
        "/apis/g/v/r/name?fieldSelector=foo=bar&labelSelector=foo=bar",
        "no-selectors-on-get",
        verb="get",
        field_selector="",
        label_selector="",
    ),
    case(
        "GET",
        "/apis/g/v/watch/r?fieldSelector=metadata.name=foo&labelSelector=foo=bar",
        "legacy-watch-no-selectors",
        verb="watch",
        name="",
        field_selector="",
        label_selector="",
    ),
    case(
        "GET",
        "/apis/g/v/watch/r/name?fieldSelector=metadata.name=foo&labelSelector=foo=bar",
        "legacy-watch-item",
        verb="watch",
        name="name",
        field_selector="",
    ),
]


@pytest.mark.parametrize(("method", "url", "expected"), UPSTREAM_ROWS)
def test_upstream_rows_inline(method: str, url: str, expected: dict[str, object]) -> None:
    info = request_info(method, url)
    assert {key: getattr(info, key) for key in expected} == expected


HISTORICAL_REDIRECT = [
    pytest.param(
        "/api/v1/redirect/namespaces/other/pods/foo",
        ("redirect", "namespaces", "other", "pods", "foo"),
        id="redirect",
    ),
    pytest.param(
        "/api/v1/redirect/namespaces/other/pods/foo/subpath",
        ("redirect", "namespaces", "other", "pods", "foo", "subpath"),
        id="redirect-subpath",
    ),
]


@pytest.mark.parametrize(("url", "parts"), HISTORICAL_REDIRECT)
def test_redirect_is_no_longer_a_special_verb(url: str, parts: tuple[str, ...]) -> None:
    info = request_info("GET", url)
    assert (info.verb, info.resource, info.name, info.subresource) == (
        "get",
        "redirect",
        "namespaces",
        "other",
    )
    assert info.parts == parts


# Our own edge cases, grouped by rule; expected values derived from requestinfo.go by hand.
WATCH_PARAM = [
    case("GET", "/api/v1/pods?watch", "bare-watch-is-watch", verb="watch"),
    case("GET", "/api/v1/pods?watch=", "empty-watch-is-watch", verb="watch"),
    case("GET", "/api/v1/pods?watch=no", "watch-no-is-watch", verb="watch"),
    case("GET", "/api/v1/pods?watch=yes", "watch-yes-is-watch", verb="watch"),
    case("GET", "/api/v1/pods?watch=FALSE", "watch-FALSE-is-list", verb="list"),
    case("GET", "/api/v1/pods?watch=False", "watch-False-is-list", verb="list"),
    case("GET", "/api/v1/pods?watch=true&watch=false", "first-watch-value-wins", verb="watch"),
    case("GET", "/api/v1/pods?watch=false&watch=true", "first-watch-value-wins-false", verb="list"),
    case("GET", "/api/v1/pods?watch=%30", "encoded-zero-is-list", verb="list"),
    case("GET", "/api/v1/pods?watch;=1", "semicolon-pair-dropped", verb="list"),
    case("GET", "/api/v1/pods?watch=%zz", "malformed-watch-dropped", verb="list"),
    case("HEAD", "/api/v1/pods?watch=1", "head-watch", verb="watch"),
    case("GET", "/api/v1/pods/foo?watch=1", "watch-param-ignored-with-name", verb="get", name="foo"),
    case("GET", "/api/v1/pods?watch=fal%C5%BFe", "long-s-false-when-decoding-works", verb="list"),
    case("GET", "/api/v1/pods?watch=fal%C5%BFe&limit=x", "long-s-true-in-fallback", verb="watch"),
]

DECODE_FALLBACK = [
    case(
        "GET",
        "/api/v1/pods?fieldSelector=metadata.name=foo&limit=abc",
        "bad-limit-no-name",
        verb="list",
        name="",
        field_selector="metadata.name=foo",
    ),
    case(
        "GET",
        "/api/v1/pods?fieldSelector=metadata.name=foo&limit=",
        "empty-limit-no-name",
        verb="list",
        name="",
    ),
    case(
        "GET",
        "/api/v1/pods?fieldSelector=metadata.name=foo&timeoutSeconds=1.5",
        "bad-timeout-no-name",
        name="",
    ),
    case(
        "GET",
        "/api/v1/pods?fieldSelector=metadata.name=foo&timeoutSeconds=",
        "empty-timeout-no-name",
        name="",
    ),
    case(
        "GET",
        "/api/v1/pods?fieldSelector=metadata.name=foo&labelSelector=a%20b",
        "bad-label-no-name",
        verb="list",
        name="",
        label_selector="a b",
    ),
    case(
        "GET",
        "/api/v1/pods?fieldSelector=metadata.name=foo&labelSelector=app%3Dx&watch=1",
        "good-label-keeps-name",
        verb="watch",
        name="foo",
        label_selector="app=x",
    ),
    case(
        "GET",
        "/api/v1/pods?fieldSelector=metadata.name=foo&limit=abc&watch=1",
        "fallback-rereads-watch",
        verb="watch",
        name="",
    ),
    case(
        "GET",
        "/api/v1/pods?fieldSelector=metadata.name=foo&limit=abc&watch=0",
        "fallback-watch-0",
        verb="list",
    ),
    case(
        "GET",
        "/api/v1/pods?fieldSelector=metadata.name=foo&limit=500&timeoutSeconds=%2B30",
        "valid-ints-keep-name",
        name="foo",
    ),
    case("GET", "/api/v1/pods?fieldSelector=metadata.name=foo&limit=abc&limit=5", "first-limit-counts", name=""),
    case(
        "GET",
        "/api/v1/pods?fieldSelector=metadata.name=foo&resourceVersionMatch=bogus",
        "rv-match-not-validated",
        name="foo",
    ),
]

SELECTOR_NAME = [
    case(
        "GET",
        "/api/v1/pods?fieldSelector=metadata.name%3Dfoo",
        "encoded-selector",
        name="foo",
        field_selector="metadata.name=foo",
    ),
    case(
        "GET",
        "/api/v1/pods?fieldSelector=metadata.namespace%3Dns%2Cmetadata.name%3Dfoo",
        "encoded-two-terms",
        name="foo",
    ),
    case("GET", "/api/v1/pods?fieldSelector=metadata.name!%3Dfoo", "not-equal-no-name", name=""),
    case("GET", "/api/v1/pods?fieldSelector=metadata.name%3Da%2Fb", "slash-in-name-rejected", name=""),
    case("GET", "/api/v1/pods?fieldSelector=metadata.name%3D..", "dot-dot-rejected", name=""),
    case("GET", "/api/v1/pods?fieldSelector=metadata.name%3D.", "dot-rejected", name=""),
    case("GET", "/api/v1/pods?fieldSelector=metadata.name%3Da%25b", "percent-in-name-rejected", name=""),
    case("GET", "/api/v1/pods?fieldSelector=metadata.name%3Da+b", "space-in-name-accepted", name="a b"),
    case(
        "GET",
        "/api/v1/namespaces?fieldSelector=metadata.name=foo",
        "namespace-by-selector",
        name="foo",
        namespace="",
    ),
    case(
        "DELETE",
        "/api/v1/namespaces/ns/pods?fieldSelector=metadata.name=foo",
        "delete-with-name-selector",
        verb="deletecollection",
        name="",
        field_selector="metadata.name=foo",
    ),
    case(
        "POST",
        "/api/v1/namespaces/ns/pods?fieldSelector=metadata.name=foo",
        "no-selectors-on-create",
        verb="create",
        field_selector="",
    ),
    case("GET", "/api/v1/pods?labelSelector=", "empty-label-selector", verb="list", label_selector=""),
]

METHODS = [
    case(
        "OPTIONS",
        "/api/v1/namespaces/ns/pods",
        "options-resource-empty-verb",
        is_resource_request=True,
        verb="",
    ),
    case("OPTIONS", "/healthz", "options-non-resource", is_resource_request=False, verb="options"),
    case("CONNECT", "/api/v1/namespaces/ns/pods/p/exec", "connect-empty-verb", verb=""),
    case("get", "/api/v1/pods", "lower-case-method-unknown-to-go", verb=""),
    case("OPTIONS", "/api/v1/watch/pods", "legacy-watch-any-method", verb="watch"),
    case(
        "POST",
        "/api/v1/proxy/nodes/n1/stats",
        "legacy-proxy-any-method",
        verb="proxy",
        resource="nodes",
        name="n1",
        subresource="",
    ),
    case("PUT", "/api/v1/namespaces/ns/configmaps", "put-collection-is-update", verb="update", name=""),
    case("PATCH", "/api/v1/namespaces/ns/configmaps", "patch-collection-is-patch", verb="patch"),
]

SUBRESOURCES = [
    case(
        "GET",
        "/api/v1/namespaces/ns/pods/p/exec?command=ls&stdout=1",
        "websocket-exec-is-get",
        verb="get",
        subresource="exec",
        name="p",
    ),
    case(
        "POST",
        "/api/v1/namespaces/ns/pods/p/exec?command=ls",
        "spdy-exec-is-create",
        verb="create",
        subresource="exec",
    ),
    case("GET", "/api/v1/namespaces/ns/pods/p/attach", "attach", verb="get", subresource="attach"),
    case(
        "GET",
        "/api/v1/namespaces/ns/pods/p/log?follow=true&container=c",
        "log-follow",
        verb="get",
        subresource="log",
    ),
    case(
        "GET",
        "/api/v1/namespaces/ns/pods/p/portforward?ports=8080",
        "portforward",
        verb="get",
        subresource="portforward",
    ),
    case(
        "GET",
        "/api/v1/namespaces/ns/services/https:svc:443/proxy/a/b",
        "service-proxy-name",
        verb="get",
        name="https:svc:443",
        subresource="proxy",
        parts=("services", "https:svc:443", "proxy", "a", "b"),
    ),
    case(
        "GET",
        "/api/v1/namespaces/ns/services/http:web:8080/proxy/",
        "service-proxy-trailing-slash",
        name="http:web:8080",
        subresource="proxy",
        parts=("services", "http:web:8080", "proxy"),
    ),
    case(
        "PUT",
        "/apis/apps/v1/namespaces/ns/deployments/d/scale",
        "scale",
        verb="update",
        api_group="apps",
        subresource="scale",
    ),
]

PATHS = [
    case(
        "GET",
        "/api/v1/namespaces/ns/pods/a%2Fb",
        "encoded-slash-splits",
        name="a",
        subresource="b",
        parts=("pods", "a", "b"),
    ),
    case("GET", "/api/v1/namespaces/ns/pods/a%zz", "malformed-escape-keeps-raw", name="a%zz"),
    case("GET", "/api/v1/namespaces/ns/pods/a%20b", "encoded-space", name="a b"),
    case("GET", "//api//v1/pods", "inner-empty-segments-stay", api_version="", resource="v1", name="pods"),
    case("GET", "/api/v1/pods/", "trailing-slash", verb="list", resource="pods", parts=("pods",)),
    case("GET", "/api/v1/namespaces/", "namespaces-trailing-slash", verb="list", namespace=""),
    case(
        "GET",
        "/api/v1/namespaces/ns/finalize/x",
        "namespace-subresource-extra",
        resource="namespaces",
        name="ns",
        subresource="finalize",
        parts=("namespaces", "ns", "finalize", "x"),
    ),
    case(
        "GET",
        "/api/v1/namespaces/ns/status",
        "namespace-status-get",
        verb="get",
        name="ns",
        subresource="status",
    ),
    case(
        "GET",
        "/api/kubernetes/api/v1/pods",
        "unstripped-openshift-prefix",
        verb="get",
        api_version="kubernetes",
        resource="api",
        name="v1",
        subresource="pods",
    ),
    case(
        "GET",
        "/kubernetes/calico3/apis/asm.alauda.io/v1beta3/namespaces/testhl/microservices",
        "unstripped-alauda-prefix-is-non-resource",
        is_resource_request=False,
        verb="get",
        api_prefix="",
    ),
    case(
        "GET",
        "/api/v1/query?query=up",
        "prometheus-is-a-resource-request",
        is_resource_request=True,
        verb="list",
        resource="query",
    ),
    case(
        "GET",
        "/api/v1/pod/default/web-0",
        "dashboard-singular-kind",
        verb="get",
        resource="pod",
        name="default",
        subresource="web-0",
    ),
    case(
        "GET",
        "/apis/apps/v1",
        "discovery-group-version",
        is_resource_request=False,
        api_prefix="apis",
        verb="get",
    ),
    case("GET", "/api/v1", "discovery-core", is_resource_request=False, api_prefix="", verb="get"),
]

ERRORS = [
    case(
        "GET",
        "/api/v1/watch",
        "bare-legacy-watch",
        is_resource_request=True,
        verb="get",
        api_version="v1",
        resource="",
        error="unable to determine kind and namespace from url, /api/v1/watch",
    ),
    case(
        "POST",
        "/apis/g/v/proxy/",
        "bare-legacy-proxy",
        is_resource_request=True,
        verb="post",
        api_group="g",
        resource="",
        error="unable to determine kind and namespace from url, /apis/g/v/proxy/",
    ),
    case("GET", "/api/v1/pods", "no-error", error=None),
]


@pytest.mark.parametrize(
    ("method", "url", "expected"),
    WATCH_PARAM + DECODE_FALLBACK + SELECTOR_NAME + METHODS + SUBRESOURCES + PATHS + ERRORS,
)
def test_edge_cases(method: str, url: str, expected: dict[str, object]) -> None:
    info = request_info(method, url)
    assert {key: getattr(info, key) for key in expected} == expected


def test_new_request_info_keeps_the_path() -> None:
    info = new_request_info("GET", "/api/v1/pods", {})
    assert info.path == "/api/v1/pods"
    assert info.api_prefix == "api"
