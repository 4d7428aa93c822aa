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
from analyzer.analysis.values import Row, as_datetime, as_float, as_int, as_text, is_missing, rows_of
from analyzer.har.loader import Capture
from analyzer.redact import redact_header, redact_url
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
    RequestRow,
    Sampling,
)
from analyzer.render.terminal import target
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
    frame = analysis.traffic.frame.sort_values(["started", "index"], na_position="last", kind="stable")
    origin = as_datetime(frame["started"].min())
    evidence = {i for f in summary.findings for i in f.evidence}
    ranks = _ranks(frame, evidence)
    table = _pick(ranks, limits.rows)
    kept = rows_of(frame.iloc[table])  # rows of the page's table only: a big capture's others are counted
    drawn = {table[i] for i in _pick([ranks[i] for i in table], limits.bars)}
    end_s = _seconds(summary.capture.ended, origin) or 0.0
    context = _RowContext.of(analysis, summary, origin, end_s, redact)
    requests = [_request(row, context) for row in kept]
    shown = {row["index"] for i, row in zip(table, kept, strict=True) if i in drawn}
    return PageData(
        end_s=end_s,
        titles=[redact_url(p.title) if redact else p.title for p in analysis.traffic.capture.pages if p.title],
        origin=None if origin is None else origin.isoformat(),
        requests=RequestColumns.of(
            requests,
            drawn=[i in drawn and r.t is not None for i, r in zip(table, requests, strict=True)],
            lanes=[resource_lane(r) for r in requests],
        ),
        navigations=[
            NavigationMark(n.index, _seconds(n.started, origin), n.trigger, n.url) for n in summary.navigations
        ],
        findings=[FindingEvidence(f.id, f.severity, f.evidence) for f in summary.findings],
        lanes=_lane_order(requests),
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


def _request(row: Row, context: _RowContext) -> RequestRow:
    index = int(row["index"])
    stream = context.streams.get(index)
    ended = stream.ended if stream else as_datetime(row["ended"])
    # No end: a stream still open at export, or a request still waiting or unfinished when it was written.
    is_open = (stream is not None and stream.ended_by == "open") or ended is None
    k8s = row["k8s"] is True
    verb = as_text(row["verb"]) if k8s else None
    connection = as_text(row["connection"])
    url = as_text(row["url"]) or ""
    shown_target = _target(row) if k8s else as_text(row["path"]) or url
    ended_by = as_text(row["ended_by"])
    return RequestRow(
        index=index, t=_seconds(as_datetime(row["started"]), context.origin),
        end=context.end_s if is_open else _seconds(ended, context.origin),
        ms=_round(stream.duration_ms if stream else row["time_ms"]), bound=stream.duration_bound if stream else None,
        method=as_text(row["method"]),
        status=as_int(row["status"]), k8s=k8s, verb=verb, kind=_kind(k8s, verb), resource=context.resources.get(index),
        target=redact_url(shown_target) if context.redact else shown_target,
        url=redact_url(url) if context.redact else url, host=as_text(row["host"]), nav=as_int(row["navigation"]),
        conn=connection, conn_label=_connection_label(connection, context.connections),
        http=as_text(row["http_version"]), size=as_int(row["transfer_size"]), long=bool(row["long_lived"]),
        stream=as_text(row["stream"]), ended_by=ended_by, open=is_open, aborted=ended_by == "aborted",
        error=as_text(row["error"]), blocked=_round(row["blocked"]), dns=_round(row["dns"]),
        connect=_round(row["connect"]), ssl=_round(row["ssl"]), send=_round(row["send"]), wait=_round(row["wait"]),
        receive=_round(row["receive"]),
    )  # fmt: skip


def _target(row: Row) -> str:
    """The terminal view's target (resource key and the parameters that matter), from a pandas row."""
    return target({key: None if is_missing(value) else value for key, value in row.items()})


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


def _lane_order(requests: Sequence[RequestRow]) -> Lanes:
    """Lanes in order of first use: by connection, and by resource (non-Kubernetes requests by host)."""
    by_connection: dict[str, None] = {}
    by_resource: dict[str, None] = {}
    for request in requests:
        by_connection.setdefault(request.conn_label)
        by_resource.setdefault(resource_lane(request))
    return Lanes(connection=list(by_connection), resource=list(by_resource))


def resource_lane(request: RequestRow) -> str:
    """The per-resource lane of one request: its resource key, another Kubernetes target, or `web · host`."""
    if request.resource:
        return request.resource
    if request.k8s:
        return f"k8s · {request.target.split(' ')[0]}"
    return f"web · {request.host or '-'}"


def _details(capture: Capture, indices: Sequence[int], redact: bool) -> dict[int, Headers]:
    """Request and response headers of the drawn requests (redacted)."""
    return {
        index: Headers(request=_headers(capture.request_headers(index), redact),
                       response=_headers(capture.response_headers(index), redact))
        for index in indices
    }  # fmt: skip


def _headers(headers: Sequence[tuple[str, str]], redact: bool) -> list[tuple[str, str]]:
    return [(name, redact_header(name, value) if redact else value) for name, value in headers]


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


def _round(value: Any) -> float | None:
    number = as_float(value)
    return None if number is None or number < 0 else round(number, 2)


def frame_for_export(analysis: Analysis) -> pd.DataFrame:
    """The request table with the derived columns, for requests.csv and requests.parquet."""
    frame = analysis.traffic.frame.sort_values("index", kind="stable").reset_index(drop=True)
    return frame.assign(stream=frame["stream"].astype("object").where(frame["stream"].notna(), None))
