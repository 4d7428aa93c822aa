"""The page's request table (`page_data.RequestColumns`): one list per field, made from rows of the request frame
column by column, times in seconds from the capture's first request, durations rounded as Python's `round`
rounds them."""

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
from analyzer.analysis.values import Moments, as_moment, ints, moments, moments_of, texts
from analyzer.redact import redact_urls
from analyzer.render.page_data import Kind
from analyzer.render.request_view import TARGET_COLUMNS, versioned_target
from analyzer.summary import ACCESS_VERBS, Connection, Stream, Summary


@dataclass(frozen=True)
class RowContext:
    """What a request's row of the page needs besides its row of the frame."""

    resources: dict[int, str | None]  # resource key by request index
    streams: dict[int, Stream]  # by request index
    connections: dict[str, Connection]  # by id
    origin: datetime | None
    end_s: float
    redact: bool

    @classmethod
    def of(cls, analysis: Analysis, summary: Summary, origin: datetime | None, end_s: float, redact: bool,
           ) -> RowContext:  # fmt: skip
        requests = summary.requests
        return cls(
            resources=dict(zip(map(attrgetter("index"), requests), map(attrgetter("resource"), requests), strict=True)),
            streams={s.index: s for s in analysis.traffic.streams},
            connections={c.id: c for c in analysis.traffic.connections},
            origin=origin,
            end_s=end_s,
            redact=redact,
        )


def request_columns(rows: pd.DataFrame, context: RowContext) -> dict[str, list[Any]]:
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
            KINDS_OF_VERBS.get(verb, "other") if is_k8s else "web" for is_k8s, verb in zip(k8s, verbs, strict=True)
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
KINDS_OF_VERBS: dict[str | None, Kind] = {verb: verb for verb in ACCESS_VERBS}


def _times(rows: pd.DataFrame, index: Sequence[int], context: RowContext) -> dict[str, list[Any]]:
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
    end = seconds_of(ended, context.origin)
    end[is_open] = context.end_s
    return {
        "t": _listed(seconds_of(moments(rows["started"]), context.origin)),
        "end": _listed(end),
        "ms": _milliseconds(times),
        "bound": [s.duration_bound if s else None for s in streams],
        "open": is_open.tolist(),
    }


def _targets(rows: pd.DataFrame, k8s: Sequence[bool], urls: Sequence[str]) -> list[str]:
    """The request table's target of each Kubernetes request (`request_view.target`), else its path (or URL)."""
    shown = [path or url for path, url in zip(texts(rows["path"]), urls, strict=True)]
    found = iter(k8s_targets(rows.loc[rows["k8s"].fillna(False).astype(bool).to_numpy(), list(K8S_TARGET_COLUMNS)]))
    return [next(found) if is_k8s else text for is_k8s, text in zip(k8s, shown, strict=True)]


# What `target` reads of a Kubernetes request (its host and URL are for other requests).
K8S_TARGET_COLUMNS = tuple(c for c in TARGET_COLUMNS if c not in ("k8s", "host", "url"))
_VERSION = "resource_version"


def k8s_targets(rows: pd.DataFrame) -> list[str]:
    """`target` of each row of Kubernetes requests (`K8S_TARGET_COLUMNS`). A page polls the same few targets
    over and over, but each watch names its own resource version: the rest of a target is made once per
    distinct rest of a row (`versioned_target`), and each row's version is written into it."""
    names = [name for name in K8S_TARGET_COLUMNS if name != _VERSION]
    groups = rows.groupby(names, dropna=False, sort=False).ngroup().to_numpy()
    firsts = rows.iloc[np.unique(groups, return_index=True)[1]]
    made = [versioned_target(dict(zip(names, row, strict=True)))
            for row in zip(*(_objects(firsts[n]) for n in names), strict=True)]  # fmt: skip
    return [made[group](version) for group, version in zip(groups.tolist(), _objects(rows[_VERSION]), strict=True)]


def _objects(column: pd.Series) -> list[Any]:
    """The values as Python objects, None where missing."""
    found: list[Any] = column.astype(object).where(column.notna(), None).tolist()
    return found


def _floats(column: pd.Series) -> npt.NDArray[np.float64]:
    """A number column as floats, NaN where missing (a new array: callers write into it)."""
    return np.asarray(column.astype("float64").to_numpy(dtype="float64", na_value=np.nan, copy=True), dtype=np.float64)


def _milliseconds(values: npt.NDArray[np.float64]) -> list[float | None]:
    """Milliseconds to two places; None where unknown or negative."""
    return _listed(rounded(values, 2), np.isnan(values) | (values < 0))


def seconds_of(values: Moments, origin: datetime | None) -> npt.NDArray[np.float64]:
    """`_seconds` of each moment (NaN where it or the origin is missing)."""
    if origin is None:
        return np.full(len(values), np.nan)
    # Whole microseconds over 1e6: exactly the float `timedelta.total_seconds()` gives.
    offsets = (values - as_moment(origin)).astype("int64") / 1e6
    offsets[np.isnat(values)] = np.nan
    return rounded(offsets, 4)


def rounded(values: npt.NDArray[np.float64], digits: int) -> npt.NDArray[np.float64]:
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
