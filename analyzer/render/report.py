"""The versioned JSON report of `har-analyzer analyze` (schema `har-analyzer/analysis/v1`).

The JSON Schema ships in the package (`analyzer/schemas/analysis-v1.schema.json`); tests validate every
report against it. Absent values are null, never "". Secrets in URLs are redacted unless asked otherwise.
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import msgspec
import pandas as pd

from analyzer import __version__
from analyzer.analysis.analyze import Analysis
from analyzer.analysis.findings import RULES
from analyzer.analysis.resources import split_key
from analyzer.analysis.values import as_datetime, as_float, as_int, as_text, rows_of
from analyzer.render.records import as_record, shown_url

SCHEMA_ID = "har-analyzer/analysis/v1"
# Assumed cost of watching one resource instead of polling it: one watch request a minute (a watch lives
# up to its timeoutSeconds, typically about 60 s in consoles, then is re-opened).
WATCH_REQUESTS_PER_MIN = 1.0


def schema_text() -> str:
    return resources.files("analyzer").joinpath("schemas/analysis-v1.schema.json").read_text(encoding="utf-8")


def analysis_payload(analysis: Analysis, *, users: int | None = None, redact: bool = True) -> dict[str, Any]:
    traffic = analysis.traffic
    frame = traffic.frame
    return {
        "schema": SCHEMA_ID,
        "generator": {"name": "har-analyzer", "version": __version__},
        "capture": _capture(analysis),
        "navigations": _navigations(analysis, redact),
        "requests": _requests(analysis, redact),
        "connections": [as_record(c) for c in traffic.connections],
        "streams": [as_record(s) for s in traffic.streams],
        "watch_chains": [_chain(c) for c in analysis.chains],
        "findings": [as_record(f) for f in analysis.findings],
        "summary": _summary(analysis, frame, users),
        "notes": traffic.notes,
    }


def encode(payload: dict[str, Any]) -> bytes:
    return msgspec.json.format(msgspec.json.encode(payload), indent=2) + b"\n"


def _capture(analysis: Analysis) -> dict[str, Any]:
    capture, frame = analysis.traffic.capture, analysis.traffic.frame
    starts = frame["started"].dropna()
    return {
        "path": capture.name,
        "creator": capture.creator,
        "creator_version": capture.creator_version,
        "browser": capture.browser,
        "entries": len(capture),
        "started": None if starts.empty else as_datetime(starts.min()),
        "ended": analysis.traffic.capture_end,
        "truncated": capture.truncated,
        "warnings": capture.warnings,
    }


def _navigations(analysis: Analysis, redact: bool) -> list[dict[str, Any]]:
    result = []
    for navigation in analysis.traffic.navigations:
        record = as_record(navigation)
        record["url"] = shown_url(record["url"], redact)
        record["resources"] = [
            {"key": v.key, **split_key(v.key), "mode": v.mode, "counts": v.counts,
             "poll_interval_s": v.poll_interval_s, "poll_regularity": v.poll_regularity,
             "requests_per_min": v.requests_per_min, "bytes_per_min": v.bytes_per_min,
             "covered_by_collection": v.covered_by_collection, "reads": list(v.reads), "watches": list(v.watches)}
            for v in analysis.verdicts if v.navigation == navigation.index
        ]  # fmt: skip
        result.append(record)
    return result


def _requests(analysis: Analysis, redact: bool) -> list[dict[str, Any]]:
    frame = analysis.traffic.frame
    keys = dict(zip(analysis.accesses["index"], analysis.accesses["key"], strict=True))
    streams = {s.index: s for s in analysis.traffic.streams}
    rows = []
    for row in rows_of(frame.sort_values("index")):
        index = int(row["index"])
        stream = streams.get(index)
        k8s = bool(row["k8s"]) if row["k8s"] is not pd.NA else False
        rows.append({
            "index": index, "started": as_datetime(row["started"]), "method": as_text(row["method"]),
            "url": shown_url(as_text(row["url"]), redact), "status": as_int(row["status"]),
            "verb": as_text(row["verb"]) if k8s else None, "resource": keys.get(index),
            "navigation": int(row["navigation"]), "connection": as_text(row["connection"]),
            "long_lived": bool(row["long_lived"]), "ended_by": row["ended_by"],
            "aborted_by_navigation": bool(row["aborted_by_navigation"]),
            "duration_ms": stream.duration_ms if stream else as_float(row["time_ms"]),
            "http_version": as_text(row["http_version"]), "transfer_size": as_int(row["transfer_size"]),
        })  # fmt: skip
    return rows


def _chain(chain: Any) -> dict[str, Any]:
    return {
        "navigation": chain.navigation, "key": chain.key, "preceding_read": chain.preceding_read,
        "read_resource_version": chain.read_resource_version, "started_from_read": chain.started_from_read,
        "watches": [
            {"index": link.index, "started": link.started, "ended": link.ended, "ended_by": link.ended_by,
             "resource_version": link.resource_version, "timeout_seconds": link.timeout_seconds,
             "events": link.events.counts if link.events.has_body else None,
             "last_resource_version": link.events.last_resource_version, "first_event": link.events.first_event,
             "gap_s": link.gap_s, "resumed": link.resumed, "expired": link.expired, "relist": link.relist}
            for link in chain.links
        ],
    }  # fmt: skip


def _summary(analysis: Analysis, frame: pd.DataFrame, users: int | None) -> dict[str, Any]:
    k8s = frame[frame["k8s"].fillna(False).astype(bool)]
    verbs = {str(v): int(n) for v, n in k8s["verb"].fillna("(none)").value_counts().sort_index().items()}
    ordinary = k8s[~k8s["long_lived"].astype(bool) & k8s["time_ms"].notna()]
    latency = {
        str(verb): {"requests": len(rows), "p50_ms": round(float(rows["time_ms"].quantile(0.5)), 1),
                    "p95_ms": round(float(rows["time_ms"].quantile(0.95)), 1)}
        for verb, rows in ordinary.groupby(ordinary["verb"].fillna("(none)"), sort=True)
    }  # fmt: skip
    counts = {
        severity: sum(f.severity == severity for f in analysis.findings) for severity in ("error", "warning", "info")
    }
    return {
        "requests": len(frame),
        "kubernetes_requests": len(k8s),
        "verbs": verbs,
        "long_lived": int(frame["long_lived"].sum()),
        "latency": latency,
        "latency_note": "long-lived requests (watches, websockets, streams) are left out of latency",
        "findings": counts,
        "rules": RULES,
        "cost": _cost(analysis, users),
    }


def _cost(analysis: Analysis, users: int | None) -> dict[str, Any]:
    per_navigation = []
    for navigation in analysis.traffic.navigations:
        verdicts = [v for v in analysis.verdicts if v.navigation == navigation.index]
        rate = round(sum(v.requests_per_min for v in verdicts), 2)
        entry: dict[str, Any] = {
            "navigation": navigation.index,
            "requests_per_min": rate,
            "bytes_per_min": round(sum(v.bytes_per_min for v in verdicts), 1),
        }
        if users:
            polled = [v for v in verdicts if "poll" in v.mode]
            entry["users"] = users
            entry["api_requests_per_min"] = round(rate * users, 1)
            entry["polling_requests_per_min"] = round(sum(v.requests_per_min for v in polled) * users, 1)
            entry["if_watched_requests_per_min"] = round(WATCH_REQUESTS_PER_MIN * len(polled) * users, 1)
        per_navigation.append(entry)
    return {"per_navigation": per_navigation, "users": users,
            "watch_assumption": f"a watched resource costs {WATCH_REQUESTS_PER_MIN:g} request a minute"}  # fmt: skip
