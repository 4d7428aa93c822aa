"""Our Kubernetes-path rule: core v1 plurals, any /apis group, discovery only behind a console."""

from __future__ import annotations

import pytest

from analyzer.k8s.paths import CORE_V1_RESOURCES, PathKind, path_kind
from analyzer.k8s.request_info import split_path


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/api/v1/pods", id="core-list"),
        pytest.param("/api/v1/namespaces", id="namespaces"),
        pytest.param("/api/v1/namespaces/ns", id="namespace-object"),
        pytest.param("/api/v1/namespaces/ns/status", id="namespace-status"),
        pytest.param("/api/v1/namespaces/ns/finalize", id="namespace-finalize"),
        pytest.param("/api/v1/namespaces/ns/pods/p/log", id="namespaced-subresource"),
        pytest.param("/api/v1/nodes/n1/proxy/metrics", id="node-proxy"),
        pytest.param("/api/v1/watch/pods", id="legacy-watch"),
        pytest.param("/api/v1/watch/namespaces/ns/configmaps", id="legacy-watch-namespaced"),
        pytest.param("/api/v1/proxy/namespaces/ns/services/s", id="legacy-proxy"),
        pytest.param("/apis/apps/v1/deployments", id="group"),
        pytest.param("/apis/asm.alauda.io/v1beta3/namespaces/testhl/microservices/asm-cal3", id="crd"),
        pytest.param("/apis/anything/v0/x", id="any-group-and-version"),
        pytest.param("/apis/g/v/watch/x", id="group-legacy-watch"),
        pytest.param("/apis/g/v/namespaces/ns/anything", id="group-namespaced-anything"),
    ],
)
def test_resource_paths(path: str) -> None:
    assert path_kind(split_path(path), is_behind_console=False) is PathKind.RESOURCE


@pytest.mark.parametrize("resource", sorted(CORE_V1_RESOURCES))
def test_every_core_plural(resource: str) -> None:
    assert path_kind(["api", "v1", resource], is_behind_console=False) is PathKind.RESOURCE
    assert path_kind(["api", "v1", "namespaces", "ns", resource], is_behind_console=False) is PathKind.RESOURCE


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/api/v1/query", id="prometheus-query"),
        pytest.param("/api/v1/query_range", id="prometheus-query-range"),
        pytest.param("/api/v1/label/__name__/values", id="prometheus-labels"),
        pytest.param("/api/v1/pod/ns/name", id="dashboard-pod"),
        pytest.param("/api/v1/deployment/ns", id="dashboard-deployment"),
        pytest.param("/api/v1/namespace", id="dashboard-namespace"),
        pytest.param("/api/v1/namespaces/ns/deployment", id="singular-under-namespace"),
        pytest.param("/api/v1/namespaces/ns/deployments", id="group-resource-under-core"),
        pytest.param("/api/v2/pods", id="core-v2"),
        pytest.param("/api/datasources/proxy/1/api/v1/query", id="grafana"),
        pytest.param("/api/prometheus/api/v1/query", id="openshift-prometheus"),
        pytest.param("/v1/pods", id="steve"),
        pytest.param("/api/v1/watch", id="bare-legacy-watch"),
        pytest.param("/api/v1/watch/query", id="legacy-watch-non-plural"),
        pytest.param("/apis/g/v/proxy", id="group-bare-legacy-proxy"),
        pytest.param("/apis//v1/x", id="empty-group"),
        pytest.param("/apis/g//x", id="empty-version"),
        pytest.param("/apis/g/v//x", id="empty-resource"),
        pytest.param("/apis/apps/v1", id="discovery-direct"),
        pytest.param("/api", id="api-direct"),
        pytest.param("/version", id="version-direct"),
        pytest.param("", id="empty"),
    ],
)
def test_not_kubernetes_direct(path: str) -> None:
    assert path_kind(split_path(path), is_behind_console=False) is PathKind.NOT_KUBERNETES


@pytest.mark.parametrize(
    ("path", "kind"),
    [
        pytest.param("/api", PathKind.DISCOVERY, id="api"),
        pytest.param("/api/v1", PathKind.DISCOVERY, id="api-v1"),
        pytest.param("/api/v2", PathKind.NOT_KUBERNETES, id="api-v2"),
        pytest.param("/apis", PathKind.DISCOVERY, id="apis"),
        pytest.param("/apis/apps", PathKind.DISCOVERY, id="group"),
        pytest.param("/apis/apps/v1", PathKind.DISCOVERY, id="group-version"),
        pytest.param("/apis/apps/v1/", PathKind.DISCOVERY, id="trailing-slash"),
        pytest.param("/version", PathKind.DISCOVERY, id="version"),
        pytest.param("/version/x", PathKind.NOT_KUBERNETES, id="version-child"),
        pytest.param("/openapi/v2", PathKind.DISCOVERY, id="openapi-v2"),
        pytest.param("/openapi/v3/apis/apps/v1", PathKind.DISCOVERY, id="openapi-v3-group"),
        pytest.param("/openapi", PathKind.NOT_KUBERNETES, id="openapi-bare"),
        pytest.param("/apis//v1", PathKind.NOT_KUBERNETES, id="empty-group"),
        pytest.param("/healthz", PathKind.NOT_KUBERNETES, id="healthz"),
        pytest.param("/v1/subscribe", PathKind.NOT_KUBERNETES, id="steve-subscribe"),
        pytest.param("/api/v1/pods", PathKind.RESOURCE, id="resource-wins"),
    ],
)
def test_behind_console(path: str, kind: PathKind) -> None:
    assert path_kind(split_path(path), is_behind_console=True) is kind
