"""The objects the simulator starts with: the brief's microservice `asm-cal3` in namespace testhl of cluster
calico3, its neighbours, the core objects a dashboard watches, and a busy `kube-system` for expiry."""

from __future__ import annotations

from samples.simulator.store import GROUP_VERSIONS, ObjectKey, Store

CLUSTER = "calico3"
NAMESPACE = "testhl"
MICROSERVICES = ("asm-cal3", "asm-cal4", "asm-cal5")
# the eight collections of the dashboard page (eight watches to one host)
DASHBOARD = ("microservices", "deployments", "pods", "services", "configmaps", "endpoints", "events",
             "serviceaccounts")  # fmt: skip


def key(resource: str, name: str, namespace: str = NAMESPACE, cluster: str = CLUSTER) -> ObjectKey:
    group, version = GROUP_VERSIONS.get(resource, ("", "v1"))
    return ObjectKey(cluster, group, version, namespace, resource, name)


def seed(store: Store) -> None:
    for name in MICROSERVICES:
        store.put(key("microservices", name), {"replicas": 2, "version": "v1"})
    store.put(key("configmaps", "asm-cal3-config"), {"data": {"LOG_LEVEL": "info"}})
    store.put(key("deployments", "asm-cal3"), {"replicas": 2})
    store.put(key("services", "asm-cal3"), {"ports": [{"port": 8080}]})
    store.put(key("endpoints", "asm-cal3"), {})
    store.put(key("serviceaccounts", "default"), {})
    store.put(key("events", "asm-cal3.1"), {"reason": "Scheduled"})
    for suffix in ("7d9f-abc12", "7d9f-def34"):
        store.put(key("pods", f"asm-cal3-{suffix}"), {"nodeName": "node-1"})
    store.put(key("replicasets", "asm-cal3-7d9f"), {"replicas": 2})
    store.put(key("persistentvolumeclaims", "asm-cal3-data"), {"storageClassName": "local"})
    store.put(key("namespaces", NAMESPACE, namespace=""), {})
    store.put(key("configmaps", "leader-lock", namespace="kube-system"), {})
