"""Which paths (after any console prefix) are Kubernetes API paths: our own rule, stricter than RequestInfo.

kube-apiserver calls `/api/v1/query` (Prometheus) or `/api/v1/pod/ns/name` (Kubernetes Dashboard) a
resource request. To avoid such false positives a path counts as Kubernetes only when it is::

    /api/v1/[watch/|proxy/]{core plural}/...                          a core v1 resource
    /api/v1/[watch/|proxy/]namespaces/{ns}[/{core plural or status or finalize}/...]
    /apis/{group}/{version}/[watch/|proxy/]{anything}/...             any group and version
    discovery, only behind a console prefix (never direct):
    /api   /api/v1   /apis   /apis/{group}   /apis/{group}/{version}   /version   /openapi/...

The bare legacy `/watch` or `/proxy` with nothing after it is not Kubernetes (upstream errors on it).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum

from analyzer.k8s.request_info import NAMESPACE_SUBRESOURCES, SPECIAL_VERBS

CORE_V1_RESOURCES = frozenset(
    {
        "bindings",
        "componentstatuses",
        "configmaps",
        "endpoints",
        "events",
        "limitranges",
        "namespaces",
        "nodes",
        "persistentvolumeclaims",
        "persistentvolumes",
        "pods",
        "podtemplates",
        "replicationcontrollers",
        "resourcequotas",
        "secrets",
        "serviceaccounts",
        "services",
    }
)
CORE_NAMESPACE_CHILDREN = CORE_V1_RESOURCES | NAMESPACE_SUBRESOURCES
DISCOVERY_ROOTS = frozenset({"api", "apis", "version", "openapi"})


class PathKind(Enum):
    NOT_KUBERNETES = "not-kubernetes"
    RESOURCE = "resource"
    DISCOVERY = "discovery"


def path_kind(parts: Sequence[str], *, is_behind_console: bool) -> PathKind:
    """Classify the split, decoded path that remains after a console prefix (or the whole path)."""
    if is_kubernetes_resource_path(parts):
        return PathKind.RESOURCE
    if is_behind_console and is_discovery_path(parts):
        return PathKind.DISCOVERY
    return PathKind.NOT_KUBERNETES


def is_kubernetes_resource_path(parts: Sequence[str]) -> bool:
    """True for a core v1 resource path or any `/apis/{group}/{version}/...` path (module docstring)."""
    if len(parts) < 3:
        return False
    root = parts[0]
    if root == "api" and parts[1] == "v1":
        rest = parts[2:]
    elif root == "apis" and len(parts) >= 4 and parts[1] and parts[2]:
        rest = parts[3:]
    else:
        return False
    if rest[0] in SPECIAL_VERBS:
        rest = rest[1:]
    if not rest or not rest[0]:
        return False
    return root == "apis" or _is_core_v1_rest(rest)


def _is_core_v1_rest(rest: Sequence[str]) -> bool:
    if rest[0] not in CORE_V1_RESOURCES:
        return False
    return rest[0] != "namespaces" or len(rest) < 3 or rest[2] in CORE_NAMESPACE_CHILDREN


def is_discovery_path(parts: Sequence[str]) -> bool:
    """True for `/api`, `/api/v1`, `/apis[/{group}[/{version}]]`, `/version` and `/openapi/...`."""
    if not parts or parts[0] not in DISCOVERY_ROOTS or not all(parts):
        return False
    root, size = parts[0], len(parts)
    if root == "api":
        return size == 1 or (size == 2 and parts[1] == "v1")
    if root == "apis":
        return size <= 3
    if root == "version":
        return size == 1
    return size >= 2  # openapi/v2, openapi/v3, openapi/v3/apis/{g}/{v}
