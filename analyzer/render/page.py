"""The data the HTML report's timeline and request table are drawn from (`PageData`, typed in `page_data`): one
column per field, times in seconds from the capture's first request, secrets redacted, and big captures sampled
within fixed limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from analyzer.analysis.analyze import Analysis
from analyzer.analysis.values import as_datetime, datetimes, floats, ints, texts
from analyzer.har.loader import Capture
from analyzer.redact import redact_header, redact_url, redact_urls
from analyzer.render.page_data import (
    KINDS,
    FindingEvidence,
    Headers,
    Kind,
    Lanes,
    NavigationMark,
    Overview,
    PageData,
    RequestColumns,
    Sampling,
)
from analyzer.render.terminal import TARGET_COLUMNS, target
from analyzer.summary import ACCESS_VERBS, Connection, Stream, Summary

# A bearer token can sit in any header (X-Forwarded-Authorization, a proxy's own), not only Authorization.


@dataclass(frozen=True)
class Limits:
    """How much of a big capture the page carries; the full table is always in requests.parquet."""

    bars: int = 2_000  # requests drawn one bar each in the timeline
    rows: int = 20_000  # rows of the page's request table
    details: int = 2_000  # requests whose headers the page carries
    overview_bins: int = 240  # bins of the requests-per-second strip shown when the timeline is sampled


def page_data(analysis: Analysis, summary: Summary, *, redact: bool = True, limits: Limits | None = None,
              ) -> PageData:  # fmt: skip
    """Everything the page's script needs (encode it with msgspec for the page).

    Args:
        analysis: the diagnosis of the capture.
        summary: its summary, already redacted when `redact` is set.
        redact: redact token-like query parameters, credential headers and bearer tokens.
        limits: caps for big captures (defaults: `Limits()`).
    """
    limits = limits or Limits()
    frame = analysis.traffic.frame
    # The rows in start order, as positions: sorting the whole table would copy every column of every row.
    starts = frame[["started", "index"]].sort_values(["started", "index"], na_position="last", kind="stable")
    order = frame.index.get_indexer(starts.index)
    origin = as_datetime(frame["started"].min())
    evidence = {i for f in summary.findings for i in f.evidence}
    ranks: list[int] = np.asarray(_ranks(frame, evidence))[order].tolist()
    table = _pick(ranks, limits.rows)
    kept = frame.iloc[order[table]]  # rows of the page's table only: a big capture's others are counted
    drawn = {table[i] for i in _pick([ranks[i] for i in table], limits.bars)}
    end_s = _seconds(summary.capture.ended, origin) or 0.0
    context = _RowContext.of(analysis, summary, origin, end_s, redact)
    requests = _request_columns(kept, context)
    lanes = _resource_lanes(requests)
    shown = {i for position, i in zip(table, requests["index"], strict=True) if position in drawn}
    return PageData(
        end_s=end_s,
        titles=[redact_url(p.title) if redact else p.title for p in analysis.traffic.capture.pages if p.title],
        origin=None if origin is None else origin.isoformat(),
        requests=RequestColumns(
            **requests,
            drawn=[position in drawn and t is not None for position, t in zip(table, requests["t"], strict=True)],
            lane=lanes,
        ),
        navigations=[
            NavigationMark(n.index, _seconds(n.started, origin), n.trigger, n.url) for n in summary.navigations
        ],
        findings=[FindingEvidence(f.id, f.severity, f.evidence) for f in summary.findings],
        lanes=Lanes(connection=list(dict.fromkeys(requests["conn_label"])), resource=list(dict.fromkeys(lanes))),
        details=_details(analysis.traffic.capture, sorted(shown)[: limits.details], redact),
        sampling=_sampling(len(frame), len(table), len(drawn), limits),
        overview=_overview(frame, origin, end_s, limits.overview_bins) if len(drawn) < len(frame) else None,
    )


def _ranks(frame: pd.DataFrame, evidence: set[int]) -> list[int]:
    """Per row, 0: always drawn (long-lived, finding evidence, documents); 1: Kubernetes; 2: everything else."""
    first = (
        frame["long_lived"].fillna(False).astype(bool)
        | frame["index"].isin(list(evidence))
        | (frame["resource_type"] == "document").fillna(False).astype(bool)
    )
    k8s = frame["k8s"].fillna(False).astype(bool)
    ranks: list[int] = np.where(first.to_numpy(), 0, np.where(k8s.to_numpy(), 1, 2)).tolist()
    return ranks


def _pick(ranks: Sequence[int], limit: int) -> list[int]:
    """Positions to keep, at most `limit`, best rank first; within the rank that overflows, evenly spaced."""
    if len(ranks) <= limit:
        return list(range(len(ranks)))
    kept: list[int] = []
    for rank in sorted(set(ranks)):
        members = [i for i, r in enumerate(ranks) if r == rank]
        room = limit - len(kept)
        if len(members) > room:
            members = [members[int(k * len(members) / room)] for k in range(room)] if room > 0 else []
        kept += members
    return sorted(kept)


@dataclass(frozen=True)
class _RowContext:
    """What a request's row of the page needs besides its row of the frame."""

    resources: dict[int, str | None]  # resource key by request index
    streams: dict[int, Stream]  # by request index
    connections: dict[str, Connection]  # by id
    origin: datetime | None
    end_s: float
    redact: bool

    @classmethod
    def of(cls, analysis: Analysis, summary: Summary, origin: datetime | None, end_s: float, redact: bool,
           ) -> _RowContext:  # fmt: skip
        return cls(
            resources={r.index: r.resource for r in summary.requests},
            streams={s.index: s for s in analysis.traffic.streams},
            connections={c.id: c for c in analysis.traffic.connections},
            origin=origin,
            end_s=end_s,
            redact=redact,
        )


def _request_columns(rows: pd.DataFrame, context: _RowContext) -> dict[str, list[Any]]:
    """The page's request table (`RequestRow`'s fields, one list each) from rows of the request frame, column
    by column: a stream's own end and duration where the request is long-lived."""
    index = rows["index"].astype("int64").tolist()
    streams = [context.streams.get(i) for i in index]
    ended = [s.ended if s else e for s, e in zip(streams, datetimes(rows["ended"]), strict=True)]
    # No end: a stream still open at export, or a request still waiting or unfinished when it was written.
    is_open = [(s is not None and s.ended_by == "open") or e is None for s, e in zip(streams, ended, strict=True)]
    k8s = rows["k8s"].fillna(False).astype(bool).tolist()
    verbs = [verb if is_k8s else None for verb, is_k8s in zip(texts(rows["verb"]), k8s, strict=True)]
    connections = texts(rows["connection"])
    urls = [url or "" for url in texts(rows["url"])]
    targets = _targets(rows, k8s, urls)
    ended_by = texts(rows["ended_by"])
    times = [s.duration_ms if s else t for s, t in zip(streams, floats(rows["time_ms"]), strict=True)]
    columns: dict[str, list[Any]] = {
        "index": index,
        "t": [_seconds(started, context.origin) for started in datetimes(rows["started"])],
        "end": [context.end_s if o else _seconds(e, context.origin) for o, e in zip(is_open, ended, strict=True)],
        "ms": _rounded(times),
        "bound": [s.duration_bound if s else None for s in streams],
        "method": texts(rows["method"]),
        "status": ints(rows["status"]),
        "k8s": k8s,
        "verb": verbs,
        "kind": [_kind(is_k8s, verb) for is_k8s, verb in zip(k8s, verbs, strict=True)],
        "resource": [context.resources.get(i) for i in index],
        "target": redact_urls(targets) if context.redact else targets,
        "url": redact_urls(urls) if context.redact else urls,
        "host": texts(rows["host"]),
        "nav": ints(rows["navigation"]),
        "conn": connections,
        "conn_label": [_connection_label(c, context.connections) for c in connections],
        "http": texts(rows["http_version"]),
        "size": ints(rows["transfer_size"]),
        "long": rows["long_lived"].fillna(False).astype(bool).tolist(),
        "stream": texts(rows["stream"]),
        "ended_by": ended_by,
        "open": is_open,
        "aborted": [e == "aborted" for e in ended_by],
        "error": texts(rows["error"]),
    }
    for timing in ("blocked", "dns", "connect", "ssl", "send", "wait", "receive"):
        columns[timing] = _rounded(floats(rows[timing]))
    return columns


def _targets(rows: pd.DataFrame, k8s: Sequence[bool], urls: Sequence[str]) -> list[str]:
    """The terminal view's target of each Kubernetes request (`terminal.target`), else its path (or URL)."""
    shown = [path or url for path, url in zip(texts(rows["path"]), urls, strict=True)]
    picked = rows.loc[rows["k8s"].fillna(False).astype(bool).to_numpy(), list(_K8S_TARGET_COLUMNS)]
    values = [column.astype(object).where(column.notna(), None).tolist() for _, column in picked.items()]
    made: dict[tuple[Any, ...], str] = {}  # a page polls the same few targets over and over
    k8s_targets = []
    for row in zip(*values, strict=True):
        text = made.get(row)
        if text is None:
            text = made[row] = target({"k8s": True, **dict(zip(_K8S_TARGET_COLUMNS, row, strict=True))})
        k8s_targets.append(text)
    found = iter(k8s_targets)
    return [next(found) if is_k8s else text for is_k8s, text in zip(k8s, shown, strict=True)]


# What `target` reads of a Kubernetes request (its host and URL are for other requests).
_K8S_TARGET_COLUMNS = tuple(c for c in TARGET_COLUMNS if c not in ("k8s", "host", "url"))


def _rounded(values: Sequence[float | None]) -> list[float | None]:
    """Milliseconds to two places; None where unknown or negative."""
    return [None if v is None or v < 0 else round(v, 2) for v in values]


def _kind(k8s: bool, verb: str | None) -> Kind:
    """The timeline's colour class: get, list, watch, other (any other Kubernetes verb) or web."""
    if not k8s:
        return "web"
    return next((v for v in ACCESS_VERBS if v == verb), "other")


def _connection_label(connection: str | None, connections: dict[str, Connection]) -> str:
    if connection is None:
        return "no connection"
    known = connections.get(connection)
    if known is None:
        return f"conn {connection}"
    # an inferred id already names the host: inferred:<host>:<port>#<n>
    inferred = known.inferred or connection.startswith("inferred:")
    parts = [connection, known.protocol] if inferred else [f"conn {connection}", known.protocol, known.host]
    return " · ".join(p for p in parts if p)


def _resource_lanes(requests: dict[str, list[Any]]) -> list[str]:
    """The per-resource lane of each request: its resource key, another Kubernetes target, or `web · host`."""
    return [
        resource or (f"k8s · {shown.split(' ')[0]}" if is_k8s else f"web · {host or '-'}")
        for resource, is_k8s, shown, host in zip(
            requests["resource"], requests["k8s"], requests["target"], requests["host"], strict=True
        )
    ]


def _details(capture: Capture, indices: Sequence[int], redact: bool) -> dict[int, Headers]:
    """Request and response headers of the drawn requests (redacted)."""
    shown: dict[tuple[str, str], tuple[str, str]] = {}  # most headers repeat from request to request
    return {
        index: Headers(request=_headers(capture.request_headers(index), redact, shown),
                       response=_headers(capture.response_headers(index), redact, shown))
        for index in indices
    }  # fmt: skip


def _headers(headers: Sequence[tuple[str, str]], redact: bool, shown: dict[tuple[str, str], tuple[str, str]],
             ) -> list[tuple[str, str]]:  # fmt: skip
    if not redact:
        return list(headers)
    kept = []
    for header in headers:
        seen = shown.get(header)
        if seen is None:
            seen = shown[header] = (header[0], redact_header(*header))
        kept.append(seen)
    return kept


def _sampling(total: int, rows: int, drawn: int, limits: Limits) -> Sampling:
    notes = []
    if drawn < total:
        notes.append(f"The timeline draws {drawn:,} of {total:,} requests, one bar each: every long-lived request, "
                     "every request a finding names and every document, then Kubernetes requests, then the rest "
                     "evenly spaced. The strip above it counts all requests.")  # fmt: skip
    if rows < total:
        notes.append(f"The table holds {rows:,} of {total:,} requests (chosen the same way); requests.parquet and "
                     "requests.csv hold them all.")  # fmt: skip
    if drawn > limits.details:
        notes.append(f"Headers are shown for the first {limits.details:,} drawn requests.")
    return Sampling(total=total, rows=rows, drawn=drawn, notes=notes)


def _overview(frame: pd.DataFrame, origin: datetime | None, end_s: float, bins: int) -> Overview:
    """Requests started per bin, by colour class, over the whole capture."""
    started = pd.to_datetime(frame["started"], utc=True)
    offsets = (started - pd.Timestamp(origin)).dt.total_seconds() if origin is not None else started.isna() * 0.0
    starts = offsets.round(4).fillna(0.0).to_numpy(dtype="float64")  # as `_seconds` gives them
    k8s = frame["k8s"].fillna(False).astype(bool).to_numpy()
    verbs = frame["verb"].astype(object).where(frame["verb"].isin(list(ACCESS_VERBS)), "other").to_numpy(dtype=object)
    kinds = np.where(k8s, verbs, "web")
    edges = np.linspace(0.0, max(end_s, 1e-3), bins + 1)
    width = float(edges[1] - edges[0])
    series: dict[Kind, list[int]] = {}
    for kind in KINDS:
        counts, _ = np.histogram(starts[kinds == kind], bins=edges)
        series[kind] = [int(c) for c in counts]
    return Overview(t=[round(float(e), 3) for e in edges[:-1]], width=width, counts=series)


def _seconds(moment: datetime | None, origin: datetime | None) -> float | None:
    if moment is None or origin is None:
        return None
    return round((moment - origin).total_seconds(), 4)


def frame_for_export(analysis: Analysis) -> pd.DataFrame:
    """The request table with the derived columns, for requests.csv and requests.parquet."""
    frame = analysis.traffic.frame.sort_values("index", kind="stable").reset_index(drop=True)
    return frame.assign(stream=frame["stream"].astype("object").where(frame["stream"].notna(), None))
