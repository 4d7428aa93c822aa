"""Resource identity: the key of the object or collection each Kubernetes get, list and watch is about.

Key: `{cluster or -}/{group or core}/{version}/{namespace or -}/{resource}[/{name}]`. A get of
`.../microservices/asm-cal3`, a list with `fieldSelector=metadata.name=asm-cal3` and a watch with the same
selector are one object (RequestInfo already reads the name from the selector). The namespace object itself
is `.../core/v1/-/namespaces/{name}`. Subresource requests (logs, exec, status) are not reads of a resource.
"""

from __future__ import annotations

import pandas as pd

READ_VERBS = frozenset({"get", "list"})
ACCESS_VERBS = READ_VERBS | {"watch"}


def resource_keys(frame: pd.DataFrame) -> pd.Series:
    """Per row, the resource key of a Kubernetes get/list/watch, else None."""
    k8s = frame["k8s"].fillna(False).astype(bool) & frame["is_resource_request"].fillna(False).astype(bool)
    usable = k8s & frame["verb"].isin(list(ACCESS_VERBS)) & frame["subresource"].isna() & frame["resource"].notna()
    namespace = frame["namespace"].where(frame["resource"] != "namespaces")
    key = (
        frame["cluster"].fillna("-").astype(str)
        + "/"
        + frame["group"].fillna("core").astype(str)
        + "/"
        + frame["version"].fillna("-").astype(str)
        + "/"
        + namespace.fillna("-").astype(str)
        + "/"
        + frame["resource"].fillna("").astype(str)
    )
    key = key.where(frame["name"].isna(), key + "/" + frame["name"].fillna("").astype(str))
    return key.where(usable, None).astype("object")


def collection_of(key: str) -> str:
    """`c/g/v/ns/res/name` -> `c/g/v/ns/res`; a collection key is its own collection."""
    parts = key.split("/")
    return "/".join(parts[:5])


def all_namespaces_of(key: str) -> str:
    """The cross-namespace collection that also covers `key`: `c/g/v/-/res`."""
    parts = key.split("/")
    return "/".join([*parts[:3], "-", parts[4]])


def split_key(key: str) -> dict[str, str | None]:
    cluster, group, version, namespace, resource, *rest = key.split("/")
    return {
        "cluster": None if cluster == "-" else cluster,
        "group": None if group == "core" else group,
        "version": version,
        "namespace": None if namespace == "-" else namespace,
        "resource": resource,
        "name": rest[0] if rest else None,
    }
