"""The data the HTML report's timeline and request table are drawn from (`PageData`, typed in `page_data`): one
column per field, times in seconds from the capture's first request, secrets redacted, and big captures sampled
within fixed limits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from analyzer.analysis.analyze import Analysis
from analyzer.analysis.values import Moments, as_datetime, as_moment, ints, moments, moments_of, start_order, texts
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
    context = _RowContext.of(analysis, summary, origin, end_s, redact)
    requests = _request_columns(kept, context)
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
        requests = summary.requests
        return cls(
            resources=dict(zip(map(attrgetter("index"), requests), map(attrgetter("resource"), requests), strict=True)),
            streams={s.index: s for s in analysis.traffic.streams},
            connections={c.id: c for c in analysis.traffic.connections},
            origin=origin,
            end_s=end_s,
            redact=redact,
        )


def _request_columns(rows: pd.DataFrame, context: _RowContext) -> dict[str, list[Any]]:
    """The page's request table (`RequestRow`'s fields, one list each) from rows of the request frame, column
    by column (`_times`: the start, end and duration)."""
    index = rows["index"].astype("int64").tolist()
    k8s = rows["k8s"].fillna(False).astype(bool).tolist()
    verbs = [verb if is_k8s else None for verb, is_k8s in zip(texts(rows["verb"]), k8s, strict=True)]
    connections = texts(rows["connection"])
    labels = {c: _connection_label(c, context.connections) for c in set(connections)}  # a few connections
    urls = [url or "" for url in texts(rows["url"])]
    targets = _targets(rows, k8s, urls)
    ended_by = texts(rows["ended_by"])
    columns: dict[str, list[Any]] = {
        "index": index,
        **_times(rows, index, context),
        "method": texts(rows["method"]),
        "status": ints(rows["status"]),
        "k8s": k8s,
        "verb": verbs,
        "kind": [
            _KINDS_OF_VERBS.get(verb, "other") if is_k8s else "web" for is_k8s, verb in zip(k8s, verbs, strict=True)
        ],
        "resource": [context.resources.get(i) for i in index],
        "target": redact_urls(targets) if context.redact else targets,
        "url": redact_urls(urls) if context.redact else urls,
        "host": texts(rows["host"]),
        "nav": ints(rows["navigation"]),
        "conn": connections,
        "conn_label": [labels[c] for c in connections],
        "http": texts(rows["http_version"]),
        "size": ints(rows["transfer_size"]),
        "long": rows["long_lived"].fillna(False).astype(bool).tolist(),
        "stream": texts(rows["stream"]),
        "ended_by": ended_by,
        "aborted": [e == "aborted" for e in ended_by],
        "error": texts(rows["error"]),
    }
    for timing in ("blocked", "dns", "connect", "ssl", "send", "wait", "receive"):
        columns[timing] = _milliseconds(_floats(rows[timing]))
    return columns


# The timeline's colour class of a Kubernetes request by its verb ("other" for any verb not here).
_KINDS_OF_VERBS: dict[str | None, Kind] = {verb: verb for verb in ACCESS_VERBS}


def _times(rows: pd.DataFrame, index: Sequence[int], context: _RowContext) -> dict[str, list[Any]]:
    """The columns `t`, `end`, `ms`, `bound` and `open`: a stream's own end and duration where the request is
    long-lived, the capture's end for a request that has none."""
    streams = [context.streams.get(i) for i in index]
    at = [position for position, s in enumerate(streams) if s is not None]
    own = [s for s in streams if s is not None]
    ended = np.array(moments(rows["ended"]), copy=True)
    ended[at] = moments_of([s.ended for s in own])
    times = _floats(rows["time_ms"])
    times[at] = [np.nan if s.duration_ms is None else s.duration_ms for s in own]
    # No end: a stream still open at export, or a request still waiting or unfinished when it was written.
    is_open = np.isnat(ended)
    is_open[at] |= np.array([s.ended_by == "open" for s in own], dtype=bool)
    end = _seconds_of(ended, context.origin)
    end[is_open] = context.end_s
    return {
        "t": _listed(_seconds_of(moments(rows["started"]), context.origin)),
        "end": _listed(end),
        "ms": _milliseconds(times),
        "bound": [s.duration_bound if s else None for s in streams],
        "open": is_open.tolist(),
    }


def _targets(rows: pd.DataFrame, k8s: Sequence[bool], urls: Sequence[str]) -> list[str]:
    """The terminal view's target of each Kubernetes request (`terminal.target`), else its path (or URL)."""
    shown = [path or url for path, url in zip(texts(rows["path"]), urls, strict=True)]
    found = iter(_k8s_targets(rows.loc[rows["k8s"].fillna(False).astype(bool).to_numpy(), list(_K8S_TARGET_COLUMNS)]))
    return [next(found) if is_k8s else text for is_k8s, text in zip(k8s, shown, strict=True)]


# What `target` reads of a Kubernetes request (its host and URL are for other requests).
_K8S_TARGET_COLUMNS = tuple(c for c in TARGET_COLUMNS if c not in ("k8s", "host", "url"))
_VERSION = "resource_version"
_VERSION_MARK = "\x00resource_version\x00"  # where the version goes in a target made without one


def _k8s_targets(rows: pd.DataFrame) -> list[str]:
    """`target` of each row of Kubernetes requests (`_K8S_TARGET_COLUMNS`). A page polls the same few targets
    over and over, but each watch names its own resource version: `target` is made once per distinct rest of
    a row, with a mark where the version goes, and each row's version is written in its place."""
    names = [name for name in _K8S_TARGET_COLUMNS if name != _VERSION]
    groups = rows.groupby(names, dropna=False, sort=False).ngroup().to_numpy()
    firsts = rows.iloc[np.unique(groups, return_index=True)[1]]
    rests = [dict(zip(names, row, strict=True)) for row in zip(*(_objects(firsts[n]) for n in names), strict=True)]
    made = [_target_around_version(rest) for rest in rests]
    return [
        made[group][0] if version is None else _with_version(made[group], rests[group], version)
        for group, version in zip(groups.tolist(), _objects(rows[_VERSION]), strict=True)
    ]


def _target_around_version(rest: dict[str, Any]) -> tuple[str, str | None, str]:
    """`target` of a Kubernetes request without a resource version, and the text before and after where its
    version goes (None, "" when the mark is not there exactly once: then `_with_version` asks `target`)."""
    without = target({"k8s": True, **rest, _VERSION: None})
    before, mark, after = target({"k8s": True, **rest, _VERSION: _VERSION_MARK}).partition(_VERSION_MARK)
    if not mark or _VERSION_MARK in after:
        return without, None, ""
    return without, before, after


def _with_version(made: tuple[str, str | None, str], rest: dict[str, Any], version: object) -> str:
    _, before, after = made
    if before is None:
        return target({"k8s": True, **rest, _VERSION: version})
    return f"{before}{version}{after}"  # as `target` writes it, with an f-string


def _objects(column: pd.Series) -> list[Any]:
    """The values as Python objects, None where missing."""
    found: list[Any] = column.astype(object).where(column.notna(), None).tolist()
    return found


def _floats(column: pd.Series) -> npt.NDArray[np.float64]:
    """A number column as floats, NaN where missing (a new array: callers write into it)."""
    return np.asarray(column.astype("float64").to_numpy(dtype="float64", na_value=np.nan, copy=True), dtype=np.float64)


def _milliseconds(values: npt.NDArray[np.float64]) -> list[float | None]:
    """Milliseconds to two places; None where unknown or negative."""
    return _listed(_rounded(values, 2), np.isnan(values) | (values < 0))


def _seconds_of(values: Moments, origin: datetime | None) -> npt.NDArray[np.float64]:
    """`_seconds` of each moment (NaN where it or the origin is missing)."""
    if origin is None:
        return np.full(len(values), np.nan)
    # Whole microseconds over 1e6: exactly the float `timedelta.total_seconds()` gives.
    offsets = (values - as_moment(origin)).astype("int64") / 1e6
    offsets[np.isnat(values)] = np.nan
    return _rounded(offsets, 4)


def _rounded(values: npt.NDArray[np.float64], digits: int) -> npt.NDArray[np.float64]:
    """`round(value, digits)` of each value, exactly as Python rounds it (NaN stays NaN).

    `np.round` scales, rounds and scales back, and the scaling can move a value across a half: `np.round(2.675,
    2)` is 2.68 but `round(2.675, 2)` 2.67, the float 2.675 being a little less than 2.675 (one in 25 values of
    three decimals differ so). Here a scaled value farther from a half than the scaling's error (2**-53 of it)
    is on the same side as the exact one, and its whole number over 10**digits is the float Python's decimal
    rounding gives; the few closer to a half (and any too big for the test) are rounded by Python.
    """
    scale = 10.0**digits
    with np.errstate(over="ignore"):  # a value too big to scale is one of those Python rounds
        scaled = values * scale
    found = np.asarray(np.rint(scaled) / scale, dtype=np.float64)
    size = np.abs(scaled)
    close = (np.abs(np.abs(np.modf(scaled)[0]) - 0.5) <= size * 2.0**-50) | (size >= 2.0**50)
    for position in np.flatnonzero(close).tolist():
        found[position] = round(float(values[position]), digits)
    return found


def _listed(values: npt.NDArray[np.float64], missing: npt.NDArray[np.bool_] | None = None) -> list[float | None]:
    """The values as a list, None where `missing` (default: where NaN)."""
    shown = values.astype(object)
    shown[np.isnan(values) if missing is None else missing] = None
    found: list[float | None] = shown.tolist()
    return found


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
    rounded_offsets = offsets.round(4).fillna(0.0)  # as `_seconds` gives them
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
    """Each request's colour class (`_KINDS_OF_VERBS`) as its position in `KINDS`."""
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
