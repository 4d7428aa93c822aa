"""The data the HTML report's timeline and request table are drawn from (`PageData`, typed in `page_data`): one
column per field, times in seconds from the capture's first request, secrets redacted, and big captures sampled
within fixed limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from analyzer.analysis.analyze import Analysis
from analyzer.analysis.values import as_datetime, start_order
from analyzer.har.loader import Capture
from analyzer.redact import redact_header, redact_url
from analyzer.render.page_data import (
    KINDS,
    FindingEvidence,
    Headers,
    Lanes,
    NavigationMark,
    Overview,
    PageData,
    RequestColumns,
    Sampling,
)
from analyzer.render.page_rows import RowContext, request_columns
from analyzer.summary import ACCESS_VERBS, Summary

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
    order = start_order(frame)  # the rows in start order, as positions (sorting the table would copy it all)
    origin = as_datetime(frame["started"].min())
    evidence = {i for f in summary.findings for i in f.evidence}
    ranks = _ranks(frame, evidence)[order]
    table = _pick(ranks, limits.rows)
    kept = frame.iloc[order[table]]  # rows of the page's table only: a big capture's others are counted
    is_drawn = np.zeros(len(table), dtype=bool)
    is_drawn[_pick(ranks[table], limits.bars)] = True
    drawn = int(is_drawn.sum())
    end_s = _seconds(summary.capture.ended, origin) or 0.0
    context = RowContext.of(analysis, summary, origin, end_s, redact)
    requests = request_columns(kept, context)
    lanes = _resource_lanes(requests)
    shown = np.asarray(requests["index"], dtype=np.int64)[is_drawn]
    return PageData(
        end_s=end_s,
        titles=[redact_url(p.title) if redact else p.title for p in analysis.traffic.capture.pages if p.title],
        origin=None if origin is None else origin.isoformat(),
        requests=RequestColumns(
            **requests,
            drawn=[d and t is not None for d, t in zip(is_drawn.tolist(), requests["t"], strict=True)],
            lane=lanes,
        ),
        navigations=[
            NavigationMark(n.index, _seconds(n.started, origin), n.trigger, n.url) for n in summary.navigations
        ],
        findings=[FindingEvidence(f.id, f.severity, f.evidence) for f in summary.findings],
        lanes=Lanes(connection=list(dict.fromkeys(requests["conn_label"])), resource=list(dict.fromkeys(lanes))),
        details=_details(analysis.traffic.capture, np.sort(shown)[: limits.details].tolist(), redact),
        sampling=_sampling(len(frame), len(table), drawn, limits),
        overview=_overview(frame, origin, end_s, limits.overview_bins) if drawn < len(frame) else None,
    )


def _ranks(frame: pd.DataFrame, evidence: set[int]) -> npt.NDArray[np.int64]:
    """Per row, 0: always drawn (long-lived, finding evidence, documents); 1: Kubernetes; 2: everything else."""
    first = (
        frame["long_lived"].fillna(False).astype(bool)
        | frame["index"].isin(list(evidence))
        | (frame["resource_type"] == "document").fillna(False).astype(bool)
    )
    k8s = frame["k8s"].fillna(False).astype(bool)
    ranks: npt.NDArray[np.int64] = np.where(first.to_numpy(), 0, np.where(k8s.to_numpy(), 1, 2))
    return ranks


def _pick(ranks: npt.NDArray[np.int64], limit: int) -> npt.NDArray[np.intp]:
    """Positions to keep, at most `limit`, best rank first; within the rank that overflows, evenly spaced."""
    if len(ranks) <= limit:
        return np.arange(len(ranks))
    kept: list[npt.NDArray[np.intp]] = []
    room = limit
    for rank in np.unique(ranks):
        members = np.flatnonzero(ranks == rank)
        if len(members) > room:
            # k * len / room as Python's int(k * len(members) / room): a float division of exact integers, cut
            members = members[(np.arange(room) * len(members) / room).astype(np.intp)]
        kept.append(members)
        room -= len(members)
    return np.sort(np.concatenate(kept))


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
    # To four places as numpy rounds, where `_seconds` and the table's `t` (`page_rows.seconds_of`) round as Python
    # does: a start a hair from a half may fall one ten-thousandth apart, and so on the other side of a bin's edge.
    rounded_offsets = offsets.round(4).fillna(0.0)
    starts = np.asarray(rounded_offsets.to_numpy(dtype="float64"), dtype=np.float64)
    kinds = _kind_positions(frame)
    edges = np.linspace(0.0, max(end_s, 1e-3), bins + 1)
    width = float(edges[1] - edges[0])
    counts = _histograms(starts, kinds, len(KINDS), edges).tolist()
    return Overview(
        t=[round(float(e), 3) for e in edges[:-1]], width=width, counts=dict(zip(KINDS, counts, strict=True))
    )


def _histograms(values: npt.NDArray[np.float64], groups: npt.NDArray[np.intp], count: int,
                edges: npt.NDArray[np.float64]) -> npt.NDArray[np.intp]:  # fmt: skip
    """`np.histogram(values[groups == g], bins=edges)` of each group g in range(count), as one count of (group,
    bin) pairs: a bin holds [its edge, the next), the last one its right edge too, and no bin what is outside."""
    bins = len(edges) - 1
    bin_of = np.minimum(np.searchsorted(edges, values, side="right") - 1, bins - 1)
    inside = (values >= edges[0]) & (values <= edges[-1])
    found: npt.NDArray[np.intp] = np.bincount(groups[inside] * bins + bin_of[inside], minlength=count * bins)
    return found.reshape(count, bins)


def _kind_positions(frame: pd.DataFrame) -> npt.NDArray[np.intp]:
    """Each request's colour class (`page_rows.KINDS_OF_VERBS`) as its position in `KINDS`."""
    k8s = frame["k8s"].fillna(False).astype(bool).to_numpy()
    positions = np.where(k8s, KINDS.index("other"), KINDS.index("web"))
    for verb in ACCESS_VERBS:
        positions[k8s & (frame["verb"] == verb).to_numpy(dtype=bool, na_value=False)] = KINDS.index(verb)
    return positions


def _seconds(moment: datetime | None, origin: datetime | None) -> float | None:
    if moment is None or origin is None:
        return None
    return round((moment - origin).total_seconds(), 4)


def frame_for_export(analysis: Analysis) -> pd.DataFrame:
    """The request table with the derived columns, for requests.csv and requests.parquet."""
    frame = analysis.traffic.frame.sort_values("index", kind="stable").reset_index(drop=True)
    return frame.assign(stream=frame["stream"].astype("object").where(frame["stream"].notna(), None))
