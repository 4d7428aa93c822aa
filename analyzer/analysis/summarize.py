"""The typed summary of one analysis (`analyzer.summary.Summary`), built once from unredacted facts."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import msgspec
import numpy as np
import numpy.typing as npt
import pandas as pd
import pyarrow as pa

from analyzer.analysis.initiators import NO_INITIATORS_NOTE
from analyzer.analysis.pipeline import Traffic
from analyzer.analysis.rules import RULES
from analyzer.analysis.values import as_datetime, datetimes, floats, ints, take, texts, tri_states
from analyzer.summary import (
    ENDED_BY,
    SEVERITIES,
    CaptureInfo,
    Cost,
    DurationBound,
    Finding,
    Generator,
    Initiator,
    Latency,
    LoadCost,
    Navigation,
    OtherRequests,
    Request,
    ResourceVerdict,
    Stream,
    Summary,
    Totals,
    TrafficFacts,
    WatchChain,
    one_of,
)
from analyzer.version import __version__

# Assumed cost of watching one resource instead of polling it: one watch request a minute (a watch lives
# up to its timeoutSeconds, typically about 60 s in consoles, then is re-opened).
WATCH_REQUESTS_PER_MIN = 1.0
LATENCY_NOTE = "long-lived requests (watches, websockets, streams) are left out of latency"


def summarize(
    traffic: Traffic,
    accesses: pd.DataFrame,
    verdicts: list[ResourceVerdict],
    chains: list[WatchChain],
    findings: list[Finding],
    *,
    users: int | None = None,
    initiators: Mapping[int, Initiator] | None = None,
) -> Summary:
    """The summary every view and the gate read; `users` adds the load N open pages would put on the API;
    `initiators` (by request index) go on the requests."""
    initiators = initiators or {}
    kept = _kept(traffic, findings)
    by_navigation: dict[int, list[ResourceVerdict]] = {}
    for verdict in verdicts:
        by_navigation.setdefault(verdict.navigation, []).append(verdict)
    navigations = tuple(_with_resources(n, by_navigation.get(n.index, [])) for n in traffic.navigations)
    return Summary(
        generator=Generator(version=__version__),
        capture=_capture(traffic),
        navigations=navigations,
        requests=_requests(kept, traffic, accesses, initiators),
        connections=tuple(traffic.connections),
        streams=tuple(traffic.streams),
        watch_chains=tuple(chains),
        findings=tuple(findings),
        summary=_totals(traffic.frame, navigations, findings, users),
        notes=tuple(traffic.notes) + (() if initiators or not len(accesses) else (NO_INITIATORS_NOTE,)),
        traffic=TrafficFacts(
            saturations=tuple(traffic.saturations),
            reuse_by_host=tuple(traffic.reuse_by_host),
            reuse_by_navigation=tuple(traffic.reuse_by_navigation),
            concurrency=tuple(traffic.concurrency),
            host_latency=tuple(traffic.latency),
        ),
        other_requests=_other_requests(traffic.frame.loc[~kept, ["host", "resource_type", "transfer_size"]]),
    )


def _with_resources(navigation: Navigation, verdicts: list[ResourceVerdict]) -> Navigation:
    return msgspec.structs.replace(navigation, resources=tuple(verdicts))


def _capture(traffic: Traffic) -> CaptureInfo:
    capture, frame = traffic.capture, traffic.frame
    starts = frame["started"].dropna()
    return CaptureInfo(
        path=capture.name,
        creator=capture.creator,
        creator_version=capture.creator_version,
        browser=capture.browser,
        entries=len(capture),
        started=None if starts.empty else as_datetime(starts.min()),
        ended=traffic.capture_end,
        truncated=capture.truncated,
        warnings=tuple(capture.warnings),
    )


# What `_requests` reads of the request table.
_REQUEST_COLUMNS = ("index", "k8s", "ended_by", "connection", "time_ms", "started", "method", "url", "status", "verb",
                    "navigation", "long_lived", "aborted_by_navigation", "http_version", "transfer_size")  # fmt: skip


def _kept(traffic: Traffic, findings: Sequence[Finding]) -> pd.Series:
    """Per row of the request table, whether `Summary.requests` holds it: a Kubernetes request, a long-lived one,
    a page's document, or one that a finding, a saturation or a page load names."""
    frame = traffic.frame
    cited = {i for f in findings for i in f.evidence}
    cited |= {i for s in traffic.saturations for i in (*s.streams, *s.queued)}
    cited |= {n.document for n in traffic.navigations if n.document is not None}
    return (
        frame["k8s"].fillna(False).astype(bool)
        | frame["long_lived"].fillna(False).astype(bool)
        | (frame["resource_type"] == "document").fillna(False).astype(bool)
        | frame["index"].isin(list(cited))
    )


def _other_requests(rest: pd.DataFrame) -> tuple[OtherRequests, ...]:
    """The requests left out, counted by host and type."""
    if rest.empty:
        return ()
    sizes = rest["transfer_size"].astype("Float64").fillna(0)
    counted = sizes.groupby([rest["host"].fillna(""), rest["resource_type"].fillna("")], sort=True).agg(["size", "sum"])
    return tuple(
        OtherRequests(host=host or None, type=kind or None, requests=int(count), transfer_size=int(total))
        for (host, kind), count, total in zip(counted.index, counted["size"], counted["sum"], strict=True)
    )


def _requests(
    kept: pd.Series, traffic: Traffic, accesses: pd.DataFrame, initiators: Mapping[int, Initiator]
) -> tuple[Request, ...]:
    """The requests `_kept` chose, made into structs a slice of rows at a time (`_request_slice`): the columns of
    a slice, as Python values, are freed before the next is read, so that a big capture's requests do not need
    a second copy of all their values while they are made."""
    frame = traffic.frame[list(_REQUEST_COLUMNS)]
    rows = np.flatnonzero(kept.to_numpy(dtype=bool))  # taken a slice at a time: no copy of every kept row at once
    index = frame["index"].to_numpy(dtype="int64")[rows]
    if len(index) and not bool(np.all(index[1:] > index[:-1])):
        rows = rows[np.argsort(index, kind="stable")]
    context = _RequestContext(
        keys=_keys_by_index(accesses, len(traffic.capture)),
        streams={s.index: s for s in traffic.streams},
        guessed=frozenset(c.id for c in traffic.connections if c.inferred),
        initiators=initiators,
    )
    # The text columns as Arrow, each slice's rows taken chunk by chunk (`values.take`): Arrow's take over a
    # chunked text column costs about the whole column for every slice.
    arrow = {name: pa.array(frame[name], from_pandas=True) for name in _TEXT_COLUMNS if frame[name].dtype != object}
    rest = frame.drop(columns=list(arrow))
    made: list[Request] = []
    for start in range(0, len(rows), REQUEST_SLICE):
        positions = rows[start : start + REQUEST_SLICE]
        taken = {name: take(array, positions) for name, array in arrow.items()}
        made += _request_slice(rest.iloc[positions], taken, context)
    return tuple(made)


REQUEST_SLICE = 10_000  # the Python values of a slice's columns at once: 50,000 rows' were 15-20 MB more at peak
_TEXT_COLUMNS = ("method", "url", "verb", "http_version")  # read with `texts`, from Arrow where they are Arrow


def _keys_by_index(accesses: pd.DataFrame, entries: int) -> npt.NDArray[np.object_]:
    """Each request's resource key by its index, an array (a dict of 700,000 requests' keys is 61 MB); where the
    access table has several rows of one request (a websocket's subscriptions), the last one's."""
    index = accesses["index"].to_numpy(dtype="int64")
    last = len(index) - 1 - np.unique(index[::-1], return_index=True)[1]
    keys = np.full(max(entries, int(index.max()) + 1 if len(index) else 0), None, dtype=object)
    keys[index[last]] = accesses["key"].to_numpy(dtype=object)[last]
    return keys


@dataclass(frozen=True)
class _RequestContext:
    keys: npt.NDArray[np.object_]  # request index -> resource key (None for none)
    streams: dict[int, Stream]
    guessed: frozenset[str]  # connections that are guesses
    initiators: Mapping[int, Initiator]


def _request_slice(frame: pd.DataFrame, arrow: Mapping[str, pa.Array], context: _RequestContext) -> list[Request]:
    """These rows' requests, column by column (`Request`'s fields in order), made into structs in one pass; the
    text columns of `_TEXT_COLUMNS` in `arrow` are read from there, the others from `frame`."""

    def text(name: str) -> pd.Series | pa.Array:
        return arrow[name] if name in arrow else frame[name]

    index = frame["index"].astype("int64").tolist()
    k8s = frame["k8s"].fillna(False).astype(bool).tolist()
    ended_by = frame["ended_by"].tolist()
    for value in set(ended_by):
        one_of(value, ENDED_BY)
    connections = texts(frame["connection"], shared=True)
    durations = floats(frame["time_ms"])
    bounds: list[DurationBound | None] = [None] * len(index)
    streams, keys, initiators = context.streams, context.keys, context.initiators
    for position, i in enumerate(index):
        if (stream := streams.get(i)) is not None:
            durations[position], bounds[position] = stream.duration_ms, stream.duration_bound
    columns = (
        index,
        datetimes(frame["started"]),
        texts(text("method"), shared=True),
        texts(text("url"), shared=True),  # a console polls the same URLs again and again
        ints(frame["status"]),
        # "" for a Kubernetes request without a verb (OPTIONS, CONNECT): None means not Kubernetes
        [(verb or "") if is_k8s else None for verb, is_k8s in zip(texts(text("verb"), shared=True), k8s, strict=True)],
        keys.take(np.asarray(index, dtype=np.int64)).tolist(),
        frame["navigation"].astype("int64").tolist(),
        connections,
        frame["long_lived"].astype(bool).tolist(),
        ended_by,
        tri_states(frame["aborted_by_navigation"]),
        durations,
        bounds,
        texts(text("http_version"), shared=True),
        ints(frame["transfer_size"]),
        [initiators.get(i) for i in index],
        [connection in context.guessed for connection in connections],
    )
    return list(map(Request, *columns))


def _totals(
    frame: pd.DataFrame, navigations: tuple[Navigation, ...], findings: list[Finding], users: int | None
) -> Totals:
    k8s = frame.loc[frame["k8s"].fillna(False).astype(bool), ["verb", "long_lived", "time_ms"]]  # not every column
    verbs = {str(v): int(n) for v, n in k8s["verb"].fillna("(none)").value_counts().sort_index().items()}
    ordinary = k8s[~k8s["long_lived"].astype(bool) & k8s["time_ms"].notna()]
    latency = {
        str(verb): Latency(
            requests=len(rows),
            p50_ms=round(float(rows["time_ms"].quantile(0.5)), 1),
            p95_ms=round(float(rows["time_ms"].quantile(0.95)), 1),
        )
        for verb, rows in ordinary.groupby(ordinary["verb"].fillna("(none)"), sort=True)
    }
    return Totals(
        requests=len(frame),
        kubernetes_requests=len(k8s),
        verbs=verbs,
        long_lived=int(frame["long_lived"].sum()),
        latency=latency,
        latency_note=LATENCY_NOTE,
        findings={severity: sum(f.severity == severity for f in findings) for severity in SEVERITIES},
        rules=dict(RULES),
        cost=_cost(navigations, users),
    )


def _polls_per_min(verdict: ResourceVerdict) -> float:
    """Reads a minute of a polled resource: from its interval (reads that happen every N s)."""
    if verdict.poll_interval_s:
        return 60.0 / verdict.poll_interval_s
    return verdict.requests_per_min or 0.0


def _cost(navigations: tuple[Navigation, ...], users: int | None) -> Cost:
    per_navigation = []
    for navigation in navigations:
        rate = navigation.requests_per_min
        byte_rates = [v.bytes_per_min for v in navigation.resources]
        bytes_rate = None if rate is None else round(sum(b or 0.0 for b in byte_rates), 1)
        if not users:
            per_navigation.append(LoadCost(navigation.index, rate, bytes_rate))
            continue
        polled = [v for v in navigation.resources if "poll" in v.mode]
        per_navigation.append(
            LoadCost(
                navigation=navigation.index,
                requests_per_min=rate,
                bytes_per_min=bytes_rate,
                users=users,
                api_requests_per_min=None if rate is None else round(rate * users, 1),
                # a poll's rate is its measured interval, known however short the load
                polling_requests_per_min=round(sum(_polls_per_min(v) for v in polled) * users, 1),
                if_watched_requests_per_min=round(WATCH_REQUESTS_PER_MIN * len(polled) * users, 1),
            )
        )
    return Cost(
        per_navigation=tuple(per_navigation),
        users=users,
        watch_assumption=f"a watched resource costs {WATCH_REQUESTS_PER_MIN:g} request a minute",
    )
