"""The Kubernetes accesses of a capture: one row per get, list or watch, keyed by resource, including the
watches a multiplexed websocket subscribed to (each a row that points at the socket's request)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from analyzer.analysis.resources import resource_keys
from analyzer.analysis.values import Moments, moments, rows_of, start_order
from analyzer.analysis.watch_events import multiplexed_subscriptions
from analyzer.har.loader import Capture
from analyzer.k8s import Classifier

COLUMNS = ("index", "navigation", "key", "verb", "started", "ended", "ended_by", "status", "bytes", "resource_version",
           "timeout_seconds", "continue", "url", "websocket", "multiplexed")  # fmt: skip


def kubernetes_accesses(capture: Capture, frame: pd.DataFrame, classifier: Classifier) -> pd.DataFrame:
    """Gets, lists (paged lists once: a page with a `continue` token belongs to the first) and watches."""
    keys = resource_keys(frame)
    kept = keys.notna() & ~(frame["verb"].eq("list") & frame["continue"].notna())
    sizes = frame.loc[kept, ["transfer_size", "content_size"]].astype("Float64")
    table = frame.loc[kept, [c for c in COLUMNS if c in frame.columns]].assign(
        key=keys[kept],
        bytes=sizes["transfer_size"].fillna(sizes["content_size"]),
        multiplexed=False,
    )
    extra = _multiplexed(capture, frame, classifier)
    accesses = table[list(COLUMNS)]
    if not extra.empty:
        accesses = pd.concat([accesses, extra], ignore_index=True)
    accesses = accesses.assign(url=_categories(accesses["url"]))
    # the order of sort_values(["started", "index"], kind="stable"): a socket's subscriptions after it
    return accesses.take(start_order(accesses)).reset_index(drop=True)


def _categories(urls: pd.Series) -> pd.Categorical:
    """The URLs as a categorical of their distinct values, sorted: a console's gets, lists and watches repeat a
    few URLs (a copy per request was 95 MB at 1,000,000 entries), and `pd.factorize(sort=True)` of it gives the
    codes and order that it gives the texts."""
    codes, distinct = pd.factorize(urls, sort=True)
    return pd.Categorical.from_codes(codes, categories=pd.Index(distinct, dtype=object))


def _multiplexed(capture: Capture, frame: pd.DataFrame, classifier: Classifier) -> pd.DataFrame:
    sockets = frame.loc[frame["websocket"].fillna(False).astype(bool), [c for c in COLUMNS if c in frame.columns]]
    rows = []
    for socket in rows_of(sockets):
        for method, url in multiplexed_subscriptions(capture, int(socket["index"]), str(socket["url"] or "")):
            info = classifier.classify(method, url, True)
            if not info.k8s or info.verb != "watch" or not info.resource:
                continue
            probe = pd.DataFrame([info.to_json() | {"subresource": info.subresource, "name": info.name}])
            key = resource_keys(probe).iloc[0]
            if key is None:
                continue
            rows.append({**{c: socket.get(c) for c in COLUMNS}, "key": key, "verb": "watch", "url": url,
                         "resource_version": info.resource_version, "timeout_seconds": info.timeout_seconds,
                         "multiplexed": True, "bytes": None})  # fmt: skip
    return pd.DataFrame(rows, columns=list(COLUMNS))


Positions = npt.NDArray[np.intp]  # rows of the access table


@dataclass(frozen=True)
class AccessColumns:
    """The access table's columns as numpy arrays, read once, and its rows by page load and key (positions in the
    table's order: by start): verdicts and watch chains pick their rows by position (a pandas filter per small
    group costs milliseconds)."""

    groups: dict[tuple[int, str], Positions]
    verb: npt.NDArray[np.object_]
    index: npt.NDArray[np.int64]
    started: Moments
    bytes: npt.NDArray[np.float64]

    @classmethod
    def of(cls, accesses: pd.DataFrame) -> AccessColumns:
        grouped: dict[Any, Positions] = accesses.groupby(["navigation", "key"]).indices  # type: ignore[assignment]
        sizes = accesses["bytes"].astype("Float64").fillna(0).to_numpy(dtype="float64")
        return cls(
            groups={(int(navigation), str(key)): rows for (navigation, key), rows in grouped.items()},
            verb=accesses["verb"].to_numpy(dtype=object),
            index=accesses["index"].to_numpy(dtype="int64"),
            started=moments(accesses["started"]),
            bytes=np.asarray(sizes, dtype=np.float64),
        )

    def rows(self, navigation: int, keys: Iterable[str], verbs: Iterable[str] | None = None) -> Positions:
        """The rows of these keys in that page load (of these verbs), in the table's order."""
        found = [self.groups[(navigation, key)] for key in keys if (navigation, key) in self.groups]
        rows = np.sort(np.concatenate(found)) if found else np.array([], dtype=np.intp)
        return rows if verbs is None else rows[np.isin(self.verb[rows], list(verbs))]
