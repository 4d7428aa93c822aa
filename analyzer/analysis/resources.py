"""Resource identity: the key of the object or collection each Kubernetes get, list and watch is about.

Key: `{cluster or -}/{group or core}/{version}/{namespace or -}/{resource}[/{name}]`. A get of
`.../microservices/asm-cal3`, a list with `fieldSelector=metadata.name=asm-cal3` and a watch with the same
selector are one object (RequestInfo already reads the name from the selector). The namespace object itself
is `.../core/v1/-/namespaces/{name}`. Subresource requests (logs, exec, status) are not reads of a resource.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.analysis.values import shared_values
from analyzer.summary import ResourceKey

READ_VERBS = frozenset({"get", "list"})
ACCESS_VERBS = READ_VERBS | {"watch"}


def resource_keys(frame: pd.DataFrame) -> pd.Series:
    """Per row, the resource key of a Kubernetes get/list/watch, else NaN."""
    k8s = frame["k8s"].fillna(False).astype(bool) & frame["is_resource_request"].fillna(False).astype(bool)
    usable = k8s & frame["verb"].isin(list(ACCESS_VERBS)) & frame["subresource"].isna() & frame["resource"].notna()
    rows = frame.loc[usable, ["cluster", "group", "version", "namespace", "resource", "name"]]
    namespace = rows["namespace"].where(rows["resource"] != "namespaces")
    # ResourceKey's string form, a column at a time, of the rows that have one.
    absent, separator = ResourceKey.ABSENT, pa.scalar(ResourceKey.SEPARATOR, pa.large_string())
    key = pc.binary_join_element_wise(
        _text(rows["cluster"], absent), _text(rows["group"], ResourceKey.CORE), _text(rows["version"], absent),
        _text(namespace, absent), _text(rows["resource"], ""), separator,
    )  # fmt: skip
    named = pc.binary_join_element_wise(key, _text(rows["name"], None), separator)  # null without a name
    keys = np.full(len(frame), np.nan, dtype=object)
    # One str per distinct key, shared by its rows (a console reads a few hundred resources thousands of times);
    # an object array keeps those very objects.
    keys[usable.to_numpy(dtype=bool)] = np.array(shared_values(pc.coalesce(named, key)), dtype=object)
    return pd.Series(keys, index=frame.index, dtype="object")


def _text(column: pd.Series, missing: str | None) -> pa.Array | pa.ChunkedArray:
    """`column.fillna(missing).astype(str)` as Arrow strings; with `missing` None, null where a value is missing."""
    if isinstance(column.dtype, pd.StringDtype) and column.dtype.storage == "pyarrow":
        values = pa.array(column).cast(pa.large_string())  # null where missing
        return values if missing is None else pc.fill_null(values, missing)
    text = pa.array(column.fillna(missing or "").astype(str), type=pa.large_string())
    return (
        text if missing is not None else pc.if_else(pa.array(column.isna().to_numpy()), pa.nulls(1, text.type)[0], text)
    )


def collection_of(key: str) -> str:
    """`c/g/v/ns/res/name` -> `c/g/v/ns/res`; a collection key is its own collection."""
    return str(ResourceKey.parse(key).collection)


def all_namespaces_of(key: str) -> str:
    """The cross-namespace collection that also covers `key`: `c/g/v/-/res`."""
    return str(ResourceKey.parse(key).all_namespaces)
