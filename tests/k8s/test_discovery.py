"""Unknown console prefixes: which paths are suggested, with which `--prefix` pattern, and which never are."""

from __future__ import annotations

import pyarrow as pa
import pytest

from analyzer.k8s import Classifier, parse_prefix
from analyzer.k8s.discovery import DiscoveredPrefix, cluster_patterns, discover_prefixes, unknown_head

MICROSERVICE = "apis/asm.alauda.io/v1beta3/namespaces/testhl/microservices/asm-cal3"


@pytest.mark.parametrize(
    ("url", "head", "pattern"),
    [
        pytest.param(f"/proxy/clusters/calico3/k8s/{MICROSERVICE}", ("proxy", "clusters", "calico3", "k8s"),
                     "/proxy/clusters/{cluster}/k8s/", id="crd-behind-clusters"),
        pytest.param("/x/y/api/v1/namespaces/a/pods", ("x", "y"), "/x/y/", id="core-namespaced"),
        pytest.param("https://console.example:8443/gw/api/v1/nodes/n1", ("gw",), "/gw/", id="absolute-url"),
        pytest.param("wss://console.example/gw/api/v1/namespaces/a/pods?watch=1", ("gw",), "/gw/", id="websocket"),
        pytest.param("/gw/api/v1/watch/namespaces/a/pods", ("gw",), "/gw/", id="legacy-watch"),
        pytest.param("/gw/apis/apps/v1/deployments", ("gw",), "/gw/", id="dotless-builtin-group"),
        pytest.param("/gw/apis/metrics.k8s.io/v1beta1/nodes", ("gw",), "/gw/", id="aggregated-api"),
        pytest.param("/gw/api/v1/namespaces/a", ("gw",), "/gw/", id="a-namespace-object"),
        pytest.param("/gw/k8s//api/v1/pods", ("gw", "k8s"), "/gw/k8s/", id="empty-segment-after-the-prefix"),
        pytest.param("/kubernetes/c1/extra/api/v1/pods", ("kubernetes", "c1", "extra"),
                     "/kubernetes/{cluster}/extra/", id="known-prefix-then-more"),
        pytest.param("/a/api/v1/users/b/api/v1/pods", ("a", "api", "v1", "users", "b"), "/a/api/v1/users/b/",
                     id="first-cut-that-is-kubernetes"),
    ],
)  # fmt: skip
def test_suggested(url: str, head: tuple[str, ...], pattern: str) -> None:
    (found,) = discover_prefixes([url], Classifier())
    assert (found.pattern, found.requests, found.under) == (pattern, 1, "/" + "/".join(head) + "/")
    assert found.example == "/" + url.split("?")[0].split("://")[-1].split("/", 1)[-1].lstrip("/")
    assert unknown_head(found.example, Classifier()) == head
    assert Classifier([parse_prefix(found.pattern)]).classify("GET", url).k8s


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("/api/v1/namespaces/a/pods", id="direct-kubernetes"),
        pytest.param("/kubernetes/c1/api/v1/namespaces/a/pods", id="known-prefix"),
        pytest.param("/api-gateway/kubernetes/c1/" + MICROSERVICE, id="known-gateway-prefix"),
        pytest.param("/k8s/clusters/c-1/apis/apps/v1/deployments", id="rancher"),
        pytest.param("/gw/api/v1/users/17", id="api-v1-not-a-core-resource"),
        pytest.param("https://prom.example/prometheus/api/v1/query_range?query=up", id="prometheus"),
        pytest.param("https://apius.reqbin.com/svc/api/v1/requests", id="api-v1-requests"),
        pytest.param("/gw/api/v1/namespaces/a/users", id="namespaced-unknown-core-resource"),
        pytest.param("/gw/apis/v1/users/3", id="apis-without-a-group"),
        pytest.param("/gw/apis/users/v1/list", id="apis-group-without-a-dot"),
        pytest.param("/gw/apis/example.com/latest/things", id="apis-version-not-kubernetes"),
        pytest.param("/gw/api/v1", id="discovery-only"),
        pytest.param("/gw/apis/apps/v1", id="group-discovery-only"),
        pytest.param("/gw/api/v1/watch", id="bare-watch"),
        pytest.param("/static/app.js?u=/gw/api/v1/pods", id="in-the-query"),
        pytest.param("https://host/api/v1/pods-list", id="host-is-no-segment"),
        pytest.param("/a//b/api/v1/pods", id="empty-segment-inside-the-prefix"),
        pytest.param("/gw%2Fx/api/v1/pods", id="escape-in-the-prefix"),
        pytest.param("/../api/v1/pods", id="dot-dot-segment"),
        pytest.param("", id="empty"),
    ],
)
def test_not_suggested(url: str) -> None:
    assert discover_prefixes([url], Classifier()) == []


def test_a_configured_prefix_is_not_suggested_again() -> None:
    url = f"/proxy/clusters/calico3/k8s/{MICROSERVICE}"
    assert discover_prefixes([url], Classifier([parse_prefix("/proxy/clusters/{cluster}/k8s/")])) == []


ABC, ABD, AEC = ("a", "b", "c"), ("a", "b", "d"), ("a", "e", "c")


@pytest.mark.parametrize(
    ("heads", "patterns"),
    [
        pytest.param({("proxy", "clusters", "calico3", "k8s"): 1}, ["/proxy/clusters/{cluster}/k8s/"],
                     id="after-clusters"),
        pytest.param({("gw", "kubernetes", "c1"): 1}, ["/gw/kubernetes/{cluster}/"], id="after-kubernetes"),
        pytest.param({("gw", "kubernetes"): 1}, ["/gw/kubernetes/"], id="marker-last-stays"),
        pytest.param({("x", "y"): 1}, ["/x/y/"], id="one-head-literal"),
        pytest.param({("x", "y"): 1, ("x", "z"): 1}, ["/x/{cluster}/"] * 2, id="varying-segment"),
        pytest.param({("a", "p", "k8s"): 1, ("a", "q", "k8s"): 1, ("b", "r"): 1}, ["/a/{cluster}/k8s/"] * 2 + ["/b/r/"],
                     id="different-shapes-stay-apart"),
        pytest.param({("x", "y"): 1, ("z", "w"): 1}, ["/x/y/", "/z/w/"], id="two-segments-differ"),
        pytest.param({ABC: 5, ABD: 3, AEC: 1}, ["/a/b/{cluster}/", "/a/b/{cluster}/", "/a/e/c/"],
                     id="most-requests-merged-first"),
        pytest.param({ABC: 5, ABD: 1, AEC: 3}, ["/a/{cluster}/c/", "/a/b/d/", "/a/{cluster}/c/"],
                     id="most-requests-merged-first-other-way"),
    ],
)  # fmt: skip
def test_cluster_placement(heads: dict[tuple[str, ...], int], patterns: list[str]) -> None:
    found = cluster_patterns(heads)
    assert ["/" + "/".join(found[h]) + "/" for h in heads] == patterns


def test_grouped_counted_and_ordered() -> None:
    urls = pa.array(
        [
            f"https://h/proxy/clusters/c1/k8s/{MICROSERVICE}?watch=1&resourceVersion=1",
            f"https://h/proxy/clusters/c1/k8s/{MICROSERVICE}?watch=1&resourceVersion=2",
            "https://h/proxy/clusters/c2/k8s/api/v1/namespaces/a/configmaps/x",
            "/x/a/api/v1/namespaces/a/pods",
            "/x/b/api/v1/namespaces/a/pods",
            "/x/c/api/v1/namespaces/a/pods",
            "/x/c/api/v1/namespaces/a/pods",
            "/x/c/api/v1/namespaces/a/pods",
            None,
            "/static/app.js",
            "/api/v1/namespaces/a/pods",
        ]
    )
    assert discover_prefixes(urls, Classifier()) == [
        DiscoveredPrefix("/x/{cluster}/", 5, "/x/a/api/v1/namespaces/a/pods", "/x/a/"),
        DiscoveredPrefix(
            "/proxy/clusters/{cluster}/k8s/", 3, f"/proxy/clusters/c1/k8s/{MICROSERVICE}", "/proxy/clusters/c1/k8s/"
        ),
    ]


def test_the_suggestion_reads_what_it_counts() -> None:
    urls = [f"/proxy/clusters/c{i}/k8s/api/v1/namespaces/a/pods/p{i}?watch=1" for i in range(4)]
    (found,) = discover_prefixes(urls, Classifier())
    classifier = Classifier([parse_prefix(found.pattern)])
    infos = [classifier.classify("GET", url) for url in urls]
    assert [(i.k8s, i.cluster, i.resource, i.name) for i in infos] == [
        (True, f"c{i}", "pods", f"p{i}") for i in range(4)
    ]
