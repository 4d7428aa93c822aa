"""Latency statistics per verb and host, with long-lived requests left out (their duration is not latency)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from analyzer.summary import HostLatency


def latency_table(frame: pd.DataFrame, long_lived: pd.Series) -> list[HostLatency]:
    """p50/p95 of time to first byte (`wait`) and total time per verb and host, ordinary requests only."""
    keep = ~long_lived.fillna(False).astype(bool).to_numpy() & frame["time_ms"].notna().to_numpy()
    picked = frame.loc[keep, ["verb", "k8s", "host"]]  # three columns of the ordinary rows, not the whole table
    names = picked["verb"].astype("object").where(picked["k8s"].fillna(False).astype(bool), "(not k8s)")
    keys = pd.DataFrame({"verb": names.fillna("(none)"), "host": picked["host"].astype("object").fillna("(none)")})
    wait = frame["wait"].astype("float64").to_numpy()[keep]
    time_ms = frame["time_ms"].astype("float64").to_numpy()[keep]
    results = []
    groups: dict[Any, Any] = keys.groupby(["verb", "host"]).indices
    for (verb, host), rows in sorted(groups.items()):
        results.append(
            HostLatency(
                verb=str(verb),
                host=str(host),
                requests=len(rows),
                wait_p50_ms=_quantile(wait[rows], 0.5),
                wait_p95_ms=_quantile(wait[rows], 0.95),
                time_p50_ms=_quantile(time_ms[rows], 0.5),
                time_p95_ms=_quantile(time_ms[rows], 0.95),
            )
        )
    return results


def _quantile(values: np.ndarray[Any, np.dtype[np.float64]], q: float) -> float | None:
    """As `Series.quantile` computes it (linear between the closest ranks, unknown values left out)."""
    clean = values[~np.isnan(values)]
    return None if not len(clean) else round(float(np.quantile(clean, q)), 1)
