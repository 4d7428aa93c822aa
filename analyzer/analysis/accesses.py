"""The Kubernetes accesses of a capture: one row per get, list or watch, keyed by resource, including the
watches a multiplexed websocket subscribed to (each a row that points at the socket's request)."""

from __future__ import annotations

import pandas as pd

from analyzer.analysis.resources import resource_keys
from analyzer.analysis.values import rows_of
from analyzer.analysis.watch_events import multiplexed_subscriptions
from analyzer.har.loader import Capture
from analyzer.k8s import Classifier

COLUMNS = ("index", "navigation", "key", "verb", "started", "ended", "ended_by", "status", "bytes", "resource_version",
           "timeout_seconds", "continue", "url", "websocket", "multiplexed")  # fmt: skip


def kubernetes_accesses(capture: Capture, frame: pd.DataFrame, classifier: Classifier) -> pd.DataFrame:
    """Gets, lists (paged lists once: a page with a `continue` token belongs to the first) and watches."""
    keys = resource_keys(frame)
    table = frame[[c for c in COLUMNS if c in frame.columns]].assign(
        key=keys,
        bytes=frame["transfer_size"].astype("Float64").fillna(frame["content_size"].astype("Float64")),
        multiplexed=False,
    )
    table = table[keys.notna() & ~(frame["verb"].eq("list") & frame["continue"].notna())]
    extra = _multiplexed(capture, frame, classifier)
    accesses = table[list(COLUMNS)]
    if not extra.empty:
        accesses = pd.concat([accesses, extra], ignore_index=True)
    return accesses.sort_values(["started", "index"], kind="stable").reset_index(drop=True)


def _multiplexed(capture: Capture, frame: pd.DataFrame, classifier: Classifier) -> pd.DataFrame:
    sockets = frame[frame["websocket"].fillna(False).astype(bool)]
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
