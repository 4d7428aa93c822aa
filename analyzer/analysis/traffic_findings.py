"""The rules on a capture's traffic rather than on how one resource was watched: HTTP/1.x connection
saturation, long-lived requests torn down by the next page load, duplicate reads, and writers that leave
unfinished requests out."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import numpy as np
import pandas as pd

from analyzer.analysis.pipeline import Traffic
from analyzer.analysis.rules import Evidence, group_bursts, make_finding
from analyzer.analysis.values import as_moment, moments
from analyzer.summary import Finding
from analyzer.wording import plural

OMITTING_WRITERS = ("webinspector", "webkit")


def saturation(e: Evidence) -> list[Finding]:
    findings = []
    for s in e.traffic.saturations:
        navigation = _navigation_at(e.traffic, s.started)
        queued = f"; {len(s.queued)} requests waited in the queue" if s.queued else ""
        findings.append(make_finding(
            "http1-connection-saturation", navigation, s.host,
            f"{s.open_streams} long-lived requests held every {s.protocol} connection to {s.host} for "
            f"{(s.ended - s.started).total_seconds():.0f} s{queued}", s.streams + s.queued,
            "Serve the console over HTTP/2, multiplex watches over one websocket, or watch fewer resources",
        ))  # fmt: skip
    return findings


def _navigation_at(traffic: Traffic, moment: datetime) -> int | None:
    started = [n.index for n in traffic.navigations if n.started is not None and n.started <= moment]
    return started[-1] if started else (traffic.navigations[0].index if traffic.navigations else None)


def aborted_by_navigation(e: Evidence) -> list[Finding]:
    # a connection the next load reused was not torn down (a guessed connection tells nothing of reuse)
    reused = {i for c in e.traffic.connections if c.reused_by and not c.inferred for i in c.requests}
    # a dev server's reload socket is not the page's watch
    kubernetes = set(e.accesses["index"].to_numpy(dtype="int64").tolist())
    streams = [
        s for s in e.traffic.streams
        if s.aborted_by_navigation is True and s.index not in reused and s.index in kubernetes
    ]  # fmt: skip
    by_load = defaultdict(list)
    for stream in streams:
        by_load[stream.navigation].append(stream.index)
    return [
        make_finding("watch-aborted-by-navigation", load, None,
                     f"{plural(len(indices), 'long-lived request')} torn down by the next page load, "
                     f"{'its connection' if len(indices) == 1 else 'their connections'} not reused", indices,
                     "Expected on a reload; the next load must watch again from a fresh list")
        for load, indices in sorted(by_load.items())
    ]  # fmt: skip


def duplicates(e: Evidence) -> list[Finding]:
    """Per page load and URL (in that order), the largest burst of the same get/list within the window; every
    group at once (`group_bursts`), a finding per burst."""
    accesses = e.accesses
    is_read = accesses["verb"].isin(["get", "list"]) & ~accesses["multiplexed"].astype(bool)
    is_read &= ~accesses["index"].isin(list(e.relists))  # a relist storm is its own finding
    navigation, navigations = pd.factorize(accesses["navigation"], sort=True)
    url, urls = pd.factorize(accesses["url"], sort=True)
    # as groupby, which leaves out rows with a missing key
    rows = np.flatnonzero(is_read.to_numpy(dtype=bool) & (navigation >= 0) & (url >= 0))
    group = navigation[rows].astype("int64") * len(urls) + url[rows]
    _, first = np.unique(group, return_index=True)  # each group's first row: its key and verb
    firsts = dict(zip(group[first].tolist(), rows[first].tolist(), strict=True))
    window = e.settings.duplicate_window_s
    bursts = group_bursts(group, moments(accesses["started"])[rows],
                           accesses["index"].to_numpy(dtype="int64")[rows], 2, window)  # fmt: skip
    codes = sorted(bursts)
    shown = [firsts[code] for code in codes]
    keys, verbs = accesses["key"].iloc[shown].tolist(), accesses["verb"].iloc[shown].tolist()
    return [
        make_finding("duplicate-requests", int(str(navigations[code // len(urls)])), str(key),
                     f"the same {verb} sent {len(bursts[code])} times within {window:g} s", bursts[code],
                     "Share one request between the components that need the data")
        for code, key, verb in zip(codes, keys, verbs, strict=True)
    ]  # fmt: skip


def omits_unfinished(e: Evidence) -> list[Finding]:
    writer = (e.traffic.capture.creator or "").lower()
    if not any(name in writer for name in OMITTING_WRITERS):
        return []
    chains = {(c.navigation, c.key): c for c in e.chains}
    findings = []
    for verdict in e.verdicts:
        chain = chains.get((verdict.navigation, verdict.key))
        end = e.traffic.navigation_end(verdict.navigation)
        last_watch_closed = chain is not None and chain.watches[-1].ended_by == "complete"
        late_read = verdict.mode == "once" and end is not None and _near_end(e, verdict.reads, end)
        if not (last_watch_closed or late_read):
            continue
        evidence = (chain.watches[-1].index,) if last_watch_closed and chain else verdict.reads[-1:]
        findings.append(make_finding(
            "capture-omits-unfinished", verdict.navigation, verdict.key,
            "this writer leaves unfinished requests out: the watch that followed may be missing" if last_watch_closed
            else "read near the end of the load: a watch still open then would be missing from this export",
            evidence, "Do not conclude 'no watch' from this capture; record with Playwright or keep the page open "
            "until the watches cycle",
        ))  # fmt: skip
    return findings


def _near_end(e: Evidence, reads: Sequence[int], end: datetime) -> bool:
    """Whether any of `reads` started within `near_end_s` of `end` (seconds as `timedelta.total_seconds` gives
    them: whole microseconds divided by 1e6, which numpy rounds the same)."""
    started = e.starts(reads)
    started = started[~np.isnat(started)]
    gaps = as_moment(end).astype("int64") - started.astype("int64")
    return bool(np.any(gaps / 1e6 <= e.settings.near_end_s))
