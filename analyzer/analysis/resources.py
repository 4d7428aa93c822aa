"""Resource identity: the key of the object or collection each Kubernetes get, list and watch is about.

Key: `{cluster or -}/{group or core}/{version}/{namespace or -}/{resource}[/{name}]`. A get of
`.../microservices/asm-cal3`, a list with `fieldSelector=metadata.name=asm-cal3` and a watch with the same
selector are one object (RequestInfo already reads the name from the selector). The namespace object itself
is `.../core/v1/-/namespaces/{name}`. Subresource requests (logs, exec, status) are not reads of a resource.
"""

from __future__ import annotations

import pandas as pd

from analyzer.summary import ResourceKey

READ_VERBS = frozenset({"get", "list"})
ACCESS_VERBS = READ_VERBS | {"watch"}


def resource_keys(frame: pd.DataFrame) -> pd.Series:
    """Per row, the resource key of a Kubernetes get/list/watch, else None."""
    k8s = frame["k8s"].fillna(False).astype(bool) & frame["is_resource_request"].fillna(False).astype(bool)
    usable = k8s & frame["verb"].isin(list(ACCESS_VERBS)) & frame["subresource"].isna() & frame["resource"].notna()
    namespace = frame["namespace"].where(frame["resource"] != "namespaces")
    # ResourceKey's string form, a column at a time.
    absent, separator = ResourceKey.ABSENT, ResourceKey.SEPARATOR
    key = (
        frame["cluster"].fillna(absent).astype(str)
        + separator
        + frame["group"].fillna(ResourceKey.CORE).astype(str)
        + separator
        + frame["version"].fillna(absent).astype(str)
        + separator
        + namespace.fillna(absent).astype(str)
        + separator
        + frame["resource"].fillna("").astype(str)
    )
    key = key.where(frame["name"].isna(), key + separator + frame["name"].fillna("").astype(str))
    return key.where(usable, None).astype("object")


def collection_of(key: str) -> str:
    """`c/g/v/ns/res/name` -> `c/g/v/ns/res`; a collection key is its own collection."""
    return str(ResourceKey.parse(key).collection)


def all_namespaces_of(key: str) -> str:
    """The cross-namespace collection that also covers `key`: `c/g/v/-/res`."""
    return str(ResourceKey.parse(key).all_namespaces)
