"""classify_request / Classifier: prefixes, the k8s rule, websockets, list/watch parameters, caching."""

from __future__ import annotations

from typing import Any

import pytest

from analyzer.errors import ConfigError
from analyzer.k8s import BUILTIN_PREFIXES, Classifier, classify_request, parse_prefix
from analyzer.model import CLASSIFY_KEYS, RequestInfo
from tests.conftest import require_shared

GATEWAY = "/api-gateway/kubernetes/calico3/apis/asm.alauda.io/v1beta3/namespaces/testhl/microservices"
GOLDEN_COMMON: dict[str, object] = {
    "method": "GET",
    "k8s": True,
    "is_resource_request": True,
    "api_prefix": "apis",
    "group": "asm.alauda.io",
    "version": "v1beta3",
    "namespace": "testhl",
    "resource": "microservices",
    "subresource": None,
    "name": "asm-cal3",
    "cluster": "calico3",
    "console": "alauda",
    "label_selector": None,
}
GOLDEN = [
    pytest.param(
        f"{GATEWAY}/asm-cal3",
        {
            "verb": "get",
            "field_selector": None,
            "resource_version": None,
            "timeout_seconds": None,
            "allow_watch_bookmarks": None,
        },
        id="get",
    ),
    pytest.param(
        f"{GATEWAY}?fieldSelector=metadata.name=asm-cal3",
        {
            "verb": "list",
            "field_selector": "metadata.name=asm-cal3",
            "resource_version": None,
            "timeout_seconds": None,
            "allow_watch_bookmarks": None,
        },
        id="list",
    ),
    pytest.param(
        f"{GATEWAY}?fieldSelector=metadata.name=asm-cal3&watch=true&allowWatchBookmarks=true"
        "&timeoutSeconds=59&resourceVersion=5937358",
        {
            "verb": "watch",
            "field_selector": "metadata.name=asm-cal3",
            "resource_version": "5937358",
            "timeout_seconds": 59,
            "allow_watch_bookmarks": True,
        },
        id="watch",
    ),
]


@pytest.mark.parametrize(("url", "specific"), GOLDEN)
def test_golden_seed_urls(url: str, specific: dict[str, object]) -> None:
    """The seed note's get / list / watch of one object behind the Alauda gateway, as `classify` JSON."""
    expected = {"url": url, **GOLDEN_COMMON, **specific}
    result = classify_request("GET", url).to_json()
    assert result == expected
    assert list(result) == list(CLASSIFY_KEYS)


def fields(info: RequestInfo, expected: dict[str, object]) -> dict[str, object]:
    return {key: getattr(info, key) for key in expected}


def case(method: str, url: str, case_id: str, /, **expected: object) -> Any:
    """A table row: the request, then the RequestInfo fields to check by name."""
    return pytest.param(method, url, expected, id=case_id)


CONSOLES = [
    case(
        "GET",
        "/kubernetes/global/api/v1/namespaces/default/pods",
        "alauda",
        console="alauda",
        cluster="global",
        resource="pods",
        verb="list",
    ),
    case(
        "GET",
        "/api-gateway/kubernetes/biz-1/apis/apps/v1/deployments",
        "alauda-gateway",
        console="alauda",
        cluster="biz-1",
        group="apps",
    ),
    case(
        "GET",
        "/api/kubernetes/api/v1/namespaces/ns/pods?watch=true&resourceVersion=12",
        "openshift",
        console="openshift",
        cluster=None,
        verb="watch",
        resource_version="12",
    ),
    case(
        "GET",
        "/k8s/clusters/c-m-abc123/api/v1/namespaces/ns/pods/p/log?follow=true",
        "rancher",
        console="rancher",
        cluster="c-m-abc123",
        subresource="log",
    ),
    case(
        "GET",
        "/clusters/main/apis/batch/v1/namespaces/ns/jobs?watch=1",
        "headlamp",
        console="headlamp",
        cluster="main",
        verb="watch",
        group="batch",
    ),
    case(
        "GET",
        "/api-kube/api/v1/namespaces/ns/pods?watch=1&resourceVersion=7&timeoutSeconds=600",
        "lens",
        console="lens",
        cluster=None,
        verb="watch",
        timeout_seconds=600,
    ),
    case(
        "GET",
        "/api/v1/namespaces/ns/pods",
        "direct",
        console="direct",
        cluster=None,
        api_prefix="api",
        group=None,
    ),
    case(
        "GET",
        "/kubernetes/c1/apis/apps/v1/namespaces/ns/deployments/d",
        "cluster-in-json",
        cluster="c1",
        name="d",
        verb="get",
    ),
]

DISCOVERY = [
    case(
        "GET",
        "/api/kubernetes/api",
        "openshift-api",
        k8s=True,
        is_resource_request=False,
        verb="get",
        console="openshift",
    ),
    case(
        "GET",
        "/api/kubernetes/apis",
        "openshift-apis",
        k8s=True,
        is_resource_request=False,
        verb="get",
        api_prefix=None,
    ),
    case("GET", "/kubernetes/c1/api/v1", "alauda-core-v1", k8s=True, is_resource_request=False, cluster="c1"),
    case("GET", "/kubernetes/c1/apis/apps", "alauda-group", k8s=True, is_resource_request=False, resource=None),
    case(
        "GET",
        "/kubernetes/c1/apis/apps/v1",
        "alauda-group-version",
        k8s=True,
        is_resource_request=False,
        api_prefix="apis",
        group=None,
        version=None,
    ),
    case(
        "GET",
        "/k8s/clusters/local/version",
        "rancher-version",
        k8s=True,
        is_resource_request=False,
        console="rancher",
    ),
    case(
        "GET",
        "/clusters/main/openapi/v3/apis/apps/v1",
        "headlamp-openapi",
        k8s=True,
        is_resource_request=False,
    ),
    case("HEAD", "/api-kube/apis", "discovery-verb-is-lower-method", k8s=True, verb="head"),
    case("GET", "/api", "direct-api-is-not-k8s", k8s=False, is_resource_request=False, console=None, verb=None),
    case(
        "GET",
        "/apis/apps/v1",
        "direct-group-version-is-not-k8s",
        k8s=False,
        is_resource_request=False,
        api_prefix=None,
    ),
    case("GET", "/version", "direct-version-is-not-k8s", k8s=False),
    case("GET", "/openapi/v2", "direct-openapi-is-not-k8s", k8s=False),
]

FALSE_POSITIVES = [
    case("GET", "/api/v1/query?query=up", "prometheus-query", is_resource_request=True),
    case(
        "GET",
        "/api/v1/query_range?query=up&start=1&end=2&step=15",
        "prometheus-range",
        is_resource_request=True,
    ),
    case("GET", "/api/v1/pod/default/web-0", "dashboard-pod", is_resource_request=True),
    case("GET", "/api/v1/deployment/default", "dashboard-deployment", is_resource_request=True),
    case("GET", "/api/v1/namespace", "dashboard-namespace", is_resource_request=True),
    case("GET", "/api/v1/pod/%20", "dashboard-all-namespaces", is_resource_request=True),
    case("GET", "/api/v1/me", "dashboard-me", is_resource_request=True),
    case("GET", "/api/datasources/proxy/1/api/v1/query", "grafana", is_resource_request=True),
    case("GET", "/api/prometheus/api/v1/query?query=up", "openshift-prometheus", is_resource_request=True),
    case("GET", "/v1/pods", "steve-local", is_resource_request=False),
    case("GET", "/k8s/clusters/c-m-1/v1/apps.deployments", "steve-downstream", is_resource_request=False),
    case(
        "GET",
        "wss://h/k8s/clusters/c-m-1/v1/subscribe?sockId=1",
        "steve-subscribe",
        is_resource_request=False,
        is_websocket=True,
    ),
    case("GET", "/clusters/main/helm/releases/list", "headlamp-helm", is_resource_request=False),
    case("GET", "/static/app.js", "static-asset", is_resource_request=False),
    case("GET", "/healthz", "healthz", is_resource_request=False),
    case("GET", "/api/v1/watch", "bare-legacy-watch", is_resource_request=True),
    case("GET", "/kubernetes/c1", "prefix-alone", is_resource_request=False),
    case("GET", "/kubernetes/c1/healthz", "prefix-then-non-api", is_resource_request=False),
    case("GET", "/proxy/kubernetes/c1/api/v1/pods", "unknown-prefix-not-stripped", is_resource_request=False),
    case(
        "GET",
        "/my-proxy/c1/apis/apps/v1/deployments",
        "custom-prefix-not-configured",
        is_resource_request=False,
    ),
    case("GET", "/kubernetes/c1/api/v1/query", "prometheus-behind-prefix", is_resource_request=True),
    case("GET", "", "empty-url", is_resource_request=False),
    case("GET", "https://h:8443", "host-only", is_resource_request=False),
]

URLS = [
    case(
        "GET",
        "https://console.example.com:8443/kubernetes/c1/api/v1/pods?watch=1",
        "absolute-with-port",
        k8s=True,
        verb="watch",
        cluster="c1",
    ),
    case(
        "GET",
        "http://127.0.0.1:8001/api/v1/namespaces/ns/pods",
        "kubectl-proxy",
        k8s=True,
        console="direct",
        namespace="ns",
    ),
    case("GET", "/%61pi/v1/pods", "encoded-first-segment", k8s=True, resource="pods"),
    case(
        "GET",
        "/api/v1/namespaces/ns/pods/a%2Fb",
        "encoded-slash-in-name",
        name="a",
        subresource="b",
        parts=("pods", "a", "b"),
    ),
    case(
        "GET",
        "/api/v1/namespaces/ns/services/https:svc:443/proxy/x",
        "service-proxy",
        name="https:svc:443",
        subresource="proxy",
    ),
    case("GET", "/api/v1/pods?watch=1#fragment", "fragment-ignored", verb="watch"),
    case("get", "/api/v1/pods", "method-upper-cased", method="GET", verb="list"),
    case(
        "OPTIONS",
        "/kubernetes/c1/api/v1/pods",
        "options-preflight-no-verb",
        k8s=True,
        is_resource_request=True,
        verb=None,
    ),
    case(
        "DELETE",
        "/api/v1/namespaces/ns/pods?fieldSelector=metadata.name=p",
        "delete-name-selector",
        verb="deletecollection",
        name=None,
        field_selector="metadata.name=p",
    ),
    case(
        "GET",
        "/api/v1/namespaces/ns/pods/p?labelSelector=a=b",
        "no-selector-on-get",
        verb="get",
        label_selector=None,
    ),
    case(
        "GET",
        "/api/v1/watch/namespaces/ns/pods?labelSelector=a=b",
        "no-selector-on-legacy-watch",
        verb="watch",
        label_selector=None,
    ),
    case(
        "GET",
        "/api/v1/pods?labelSelector=app%3Dweb&limit=500",
        "label-selector-decoded",
        label_selector="app=web",
        limit=500,
    ),
]

PARAMS = [
    case(
        "GET",
        "/api/v1/pods?resourceVersion=0&resourceVersionMatch=NotOlderThan",
        "rv-match",
        resource_version="0",
        resource_version_match="NotOlderThan",
    ),
    case("GET", "/api/v1/pods?resourceVersion=", "empty-rv-is-none", resource_version=None),
    case("GET", "/api/v1/pods?resourceVersion=5&resourceVersion=6", "first-rv", resource_version="5"),
    case(
        "GET",
        "/api/v1/pods?watch=1&timeoutSeconds=abc",
        "invalid-timeout",
        verb="watch",
        timeout_seconds=None,
    ),
    case("GET", "/api/v1/pods?watch=1&timeoutSeconds=%2B30", "signed-timeout", timeout_seconds=30),
    case(
        "GET",
        "/api/v1/pods?watch=1&allowWatchBookmarks=false",
        "bookmarks-false",
        allow_watch_bookmarks=False,
    ),
    case("GET", "/api/v1/pods?watch=1&allowWatchBookmarks", "bookmarks-bare-true", allow_watch_bookmarks=True),
    case("GET", "/api/v1/pods?watch=1&allowWatchBookmarks=0", "bookmarks-0", allow_watch_bookmarks=False),
    case(
        "GET",
        "/api/v1/pods?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan",
        "watch-list",
        send_initial_events=True,
    ),
    case("GET", "/api/v1/pods?sendInitialEvents=FALSE", "initial-events-false", send_initial_events=False),
    case(
        "GET",
        "/api/v1/pods?limit=250&continue=eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ",
        "paged-list",
        limit=250,
        continue_token="eyJ2IjoibWV0YS5rOHMuaW8vdjEifQ",
    ),
    case(
        "GET",
        "/api/v1/pods?limit=abc&resourceVersion=9",
        "params-read-independently",
        limit=None,
        resource_version="9",
    ),
    case(
        "GET",
        "/api/v1/pods",
        "no-query",
        resource_version=None,
        timeout_seconds=None,
        allow_watch_bookmarks=None,
        send_initial_events=None,
        limit=None,
        continue_token=None,
    ),
]

WEBSOCKETS = [
    case(
        "GET",
        "wss://h/api/kubernetes/api/v1/namespaces/ns/pods?watch=true&resourceVersion=5",
        "wss-watch",
        is_websocket=True,
        verb="watch",
    ),
    case(
        "GET",
        "wss://h/clusters/c/api/v1/namespaces/ns/pods?resourceVersion=5",
        "wss-list-is-watch",
        is_websocket=True,
        verb="watch",
    ),
    case("GET", "ws://h/api/v1/pods", "ws-list-is-watch", is_websocket=True, verb="watch"),
    case(
        "GET",
        "wss://h/api/v1/namespaces/ns/pods/p/exec?command=sh&stdin=1",
        "wss-exec-stays-get",
        is_websocket=True,
        verb="get",
        subresource="exec",
    ),
    case(
        "GET",
        "wss://h/api/v1/namespaces/ns/pods/p/log?follow=true",
        "wss-log-stays-get",
        verb="get",
        subresource="log",
    ),
    case("GET", "https://h/api/v1/pods", "https-list-stays-list", is_websocket=False, verb="list"),
    case("GET", "wss://h/wsMultiplexer", "non-k8s-websocket", is_websocket=True, k8s=False, verb=None),
]


@pytest.mark.parametrize(
    ("method", "url", "expected"),
    CONSOLES + DISCOVERY + URLS + PARAMS + WEBSOCKETS,
)
def test_classify(method: str, url: str, expected: dict[str, object]) -> None:
    assert fields(classify_request(method, url), expected) == expected


@pytest.mark.parametrize(("method", "url", "expected"), FALSE_POSITIVES)
def test_not_kubernetes(method: str, url: str, expected: dict[str, object]) -> None:
    """k8s is False and every Kubernetes field is empty; is_resource_request stays kube-apiserver's answer."""
    info = classify_request(method, url)
    assert fields(info, expected) == expected
    empty = RequestInfo(
        url=url,
        method=method,
        k8s=False,
        is_resource_request=info.is_resource_request,
        is_websocket=info.is_websocket,
    )
    assert info == empty


def test_is_websocket_flag_turns_list_into_watch() -> None:
    url = "/kubernetes/c1/api/v1/namespaces/ns/pods?resourceVersion=3"
    assert classify_request("GET", url).verb == "list"
    info = classify_request("GET", url, is_websocket=True)
    assert (info.verb, info.is_websocket) == ("watch", True)


def test_every_builtin_prefix_is_recognised() -> None:
    for prefix in BUILTIN_PREFIXES:
        path = "/" + "/".join("c9" if s == "{cluster}" else s for s in prefix.segments) + "/api/v1/pods"
        info = classify_request("GET", path)
        assert (info.k8s, info.console, info.resource) == (True, prefix.console, "pods"), path
        assert info.cluster == ("c9" if "{cluster}" in prefix.segments else None)


CUSTOM = [
    case("GET", "/my-proxy/east/api/v1/pods", "custom-cluster", k8s=True, console="custom", cluster="east"),
    case(
        "GET",
        "/gw/k8s/apis/apps/v1/deployments",
        "custom-no-cluster",
        k8s=True,
        console="custom",
        cluster=None,
    ),
    case("GET", "/my-proxy/east/apis", "custom-discovery", k8s=True, is_resource_request=False),
    case("GET", "/my-proxy/east/v1/pods", "custom-then-non-api", k8s=False),
    case("GET", "/api/v1/pods", "direct-still-works", k8s=True, console="direct"),
    case("GET", "/kubernetes/c1/api/v1/pods", "builtins-still-work", console="alauda"),
]


@pytest.mark.parametrize(("method", "url", "expected"), CUSTOM)
def test_custom_prefixes(method: str, url: str, expected: dict[str, object]) -> None:
    prefixes = [parse_prefix("/my-proxy/{cluster}/"), parse_prefix("/gw/k8s/")]
    assert fields(classify_request(method, url, prefixes=prefixes), expected) == expected


def test_custom_prefix_that_swallows_a_direct_path_falls_back() -> None:
    """`/{cluster}/` matches `/api/v1/pods` with cluster `api`, leaving `v1/pods`: the direct reading wins."""
    classifier = Classifier([parse_prefix("/{cluster}/")])
    direct = classifier.classify("GET", "/api/v1/pods")
    assert (direct.k8s, direct.console, direct.cluster) == (True, "direct", None)
    behind = classifier.classify("GET", "/east/api/v1/pods")
    assert (behind.k8s, behind.console, behind.cluster) == (True, "custom", "east")
    static = classifier.classify("GET", "/static/app.js")
    assert (static.k8s, static.is_resource_request) == (False, False)


def test_custom_prefix_tried_before_builtins() -> None:
    classifier = Classifier([parse_prefix("/kubernetes/{cluster}/", console="custom")])
    assert classifier.classify("GET", "/kubernetes/c1/api/v1/pods").console == "custom"


def test_invalid_custom_prefix_raises_config_error() -> None:
    from analyzer.model import Prefix

    with pytest.raises(ConfigError, match="must start with '/'"):
        Classifier([Prefix.parse("my-proxy/{cluster}")])
    with pytest.raises(ConfigError):
        classify_request("GET", "/api/v1/pods", prefixes=[Prefix.parse("/a/{cluster}/{cluster}/")])


def test_classifier_caches_by_method_url_and_websocket() -> None:
    classifier = Classifier()
    first = classifier.classify("GET", "/api/v1/pods")
    assert classifier.classify("GET", "/api/v1/pods") is first
    assert classifier.classify("GET", "/api/v1/pods", is_websocket=True).verb == "watch"
    assert classifier.classify("DELETE", "/api/v1/pods").verb == "deletecollection"
    info = classifier.cache_info()
    assert (info.hits, info.misses, info.currsize) == (1, 3, 3)


def test_upstream_vectors_through_classify() -> None:
    """Every upstream vector: is_resource_request is kube-apiserver's; where k8s, the fields agree too."""
    from tests.k8s.test_request_info import VECTORS, load_vector_rows

    require_shared(VECTORS)
    kubernetes_rows = 0
    for row in load_vector_rows():
        info = classify_request(row["method"], row["url"])
        assert info.is_resource_request is row["isResourceRequest"], row["url"]
        if info.k8s and not row.get("historical"):
            kubernetes_rows += 1
            strings = ("verb", "namespace", "resource", "subresource", "name")
            want = [row[key] or None for key in strings] + [tuple(row["parts"] or ())]
            got = [getattr(info, key) for key in strings] + [info.parts]
            assert got == want, row["url"]
    # the 30 successCases, plus the 16 TestGetNonAPIRequestInfo/TestSelectorParsing rows under /apis/{g}/{v}/
    assert kubernetes_rows == 46
