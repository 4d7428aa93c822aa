"""Latency statistics per verb and host, with long-lived requests left out (their duration is not latency)."""

from __future__ import annotations

import pandas as pd

from analyzer.summary import HostLatency


def latency_table(frame: pd.DataFrame, long_lived: pd.Series) -> list[HostLatency]:
    """p50/p95 of time to first byte (`wait`) and total time per verb and host, ordinary requests only."""
    ordinary = frame[~long_lived.astype(bool) & frame["time_ms"].notna()]
    verb = ordinary["verb"].astype("object").where(ordinary["k8s"].fillna(False).astype(bool), "(not k8s)")
    results = []
    for (name, host), rows in ordinary.groupby([verb.fillna("(none)"), ordinary["host"].fillna("(none)")], sort=True):
        results.append(
            HostLatency(
                verb=str(name),
                host=str(host),
                requests=len(rows),
                wait_p50_ms=_quantile(rows["wait"], 0.5),
                wait_p95_ms=_quantile(rows["wait"], 0.95),
                time_p50_ms=_quantile(rows["time_ms"], 0.5),
                time_p95_ms=_quantile(rows["time_ms"], 0.95),
            )
        )
    return results


def _quantile(values: pd.Series, q: float) -> float | None:
    clean = values.dropna().astype("float64")
    return None if clean.empty else round(float(clean.quantile(q)), 1)
