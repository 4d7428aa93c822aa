"""The rules: each turns verdicts, watch chains and connection facts into findings with evidence.

Rule ids are stable (they appear in policies and CI gates); RULES lists them with their default severity.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

import msgspec
import numpy as np
import numpy.typing as npt
import pandas as pd

from analyzer.analysis.pipeline import Traffic
from analyzer.analysis.values import Moments, datetimes, moments, moments_of
from analyzer.settings import Settings
from analyzer.summary import SEVERITY_ORDER, Finding, ResourceVerdict, Severity, WatchChain
from analyzer.wording import plural

RULES: dict[str, Severity] = {
    "watch-replaced-by-polling": "error",
    "polling-instead-of-watch": "warning",
    "watch-and-poll": "warning",
    "http1-connection-saturation": "error",
    "watch-expired": "info",  # warning when no re-list follows
    "relist-storm": "error",
    "watch-without-resource-version": "warning",
    "watch-reconnect-storm": "error",
    "watch-ended-early": "warning",
    "watch-aborted-by-navigation": "info",
    "duplicate-requests": "warning",
    "capture-omits-unfinished": "info",
}
OMITTING_WRITERS = ("webinspector", "webkit")


@dataclass(frozen=True)
class Evidence:
    traffic: Traffic
    accesses: pd.DataFrame
    verdicts: Sequence[ResourceVerdict]
    chains: Sequence[WatchChain]
    settings: Settings
    relists: frozenset[int] = frozenset()  # reads that answered an expired or failed watch: part of watching

    @cached_property
    def starts(self) -> dict[int, datetime | None]:
        """Request index -> start time, looked up by several rules."""
        frame = self.traffic.frame
        return dict(zip(frame["index"].astype("int64").tolist(), datetimes(frame["started"]), strict=True))


# Rules whose advice differs per resource stay one finding per resource and load; the others are grouped.
PER_RESOURCE = frozenset({"watch-replaced-by-polling", "polling-instead-of-watch"})
SHOWN_IN_SUMMARY = 3  # resources named in a grouped finding's summary


def find_findings(evidence: Evidence) -> list[Finding]:
    findings = _grouped([f for rule in _RULE_FUNCTIONS for f in rule(evidence)])
    return sorted(findings, key=lambda f: (SEVERITY_ORDER[f.severity], f.navigation or 0, f.id, f.resource or ""))


def _grouped(findings: list[Finding]) -> list[Finding]:
    """One finding per rule and page load, listing the resources it concerns (PER_RESOURCE rules aside)."""
    groups: dict[tuple[str, int | None], list[Finding]] = defaultdict(list)
    kept: list[Finding] = []
    for finding in findings:
        if finding.id in PER_RESOURCE:
            kept.append(msgspec.structs.replace(finding, resources=(finding.resource,) if finding.resource else ()))
        else:
            groups[(finding.id, finding.navigation)].append(finding)
    for members in groups.values():
        resources = tuple(dict.fromkeys(f.resource for f in members if f.resource))
        first = members[0]
        summary = first.summary
        if len(members) > 1:
            parts = [f"{f.resource or 'capture'}: {f.summary}" for f in members[:SHOWN_IN_SUMMARY]]
            more = len(members) - SHOWN_IN_SUMMARY
            summary = "; ".join(parts) + (f"; and {more} more" if more > 0 else "")
        kept.append(msgspec.structs.replace(
            first, severity=min((f.severity for f in members), key=SEVERITY_ORDER.__getitem__),
            resource=resources[0] if len(resources) == 1 else None, resources=resources, summary=summary,
            evidence=tuple(sorted({i for f in members for i in f.evidence})),
        ))  # fmt: skip
    return kept


def _finding(rule: str, navigation: int | None, resource: str | None, summary: str, evidence: Sequence[int],
             recommendation: str, severity: Severity | None = None) -> Finding:  # fmt: skip
    return Finding(id=rule, severity=severity or RULES[rule], navigation=navigation, resource=resource,
                   summary=summary, evidence=tuple(sorted(set(evidence))), recommendation=recommendation)  # fmt: skip


def _replaced_by_polling(e: Evidence) -> list[Finding]:
    by_key: dict[str, dict[int, ResourceVerdict]] = defaultdict(dict)
    for verdict in e.verdicts:
        by_key[verdict.key][verdict.navigation] = verdict
    navigations = {n.index: n for n in e.traffic.navigations}
    findings = []
    for key, loads in by_key.items():
        for index, verdict in sorted(loads.items()):
            if verdict.mode != "poll" or navigations[index].trigger != "reload":
                continue
            earlier = [v for i, v in loads.items() if i < index and "watch" in v.mode]
            if earlier:
                before = earlier[-1]
                findings.append(_finding(
                    "watch-replaced-by-polling", index, key,
                    f"watched in load {before.navigation}, polled every {verdict.poll_interval_s:.1f} s after the "
                    f"reload (load {index})" + _beside(verdict), before.watches + verdict.reads,
                    "Find why the page falls back to polling after a reload (a downgrade switch such as "
                    "DOWNGRADE_WATCH_ENABLED/downgradePolling read on load) and keep the watch",
                ))  # fmt: skip
    return findings


def _polling_instead_of_watch(e: Evidence) -> list[Finding]:
    watched = {v.key for v in e.verdicts if "watch" in v.mode}
    return [
        _finding("polling-instead-of-watch", v.navigation, v.key,
                 f"polled every {v.poll_interval_s:.1f} s ({len(v.reads)} reads) and never watched" + _beside(v),
                 v.reads, "Watch the resource (list, then watch from the list's resourceVersion) instead of polling it"
                 + ("; or take its changes from the collection's watch" if v.covered_by else ""))
        for v in e.verdicts if v.mode == "poll" and v.key not in watched
    ]  # fmt: skip


def _beside(verdict: ResourceVerdict) -> str:
    """What a finding on a polled object says of a watch of its collection in the same load."""
    if not verdict.covered_by:
        return ""
    shown = ", ".join(f"#{i}" for i in verdict.covered_by[:3]) + (" …" if len(verdict.covered_by) > 3 else "")
    return f", while its collection was watched ({shown})"


def _watch_and_poll(e: Evidence) -> list[Finding]:
    return [
        _finding("watch-and-poll", v.navigation, v.key,
                 f"watched and also polled every {v.poll_interval_s:.1f} s in the same load", v.watches + v.reads,
                 "Drop the polling: the watch already delivers every change")
        for v in e.verdicts if v.mode == "watch+poll"
    ]  # fmt: skip


def _saturation(e: Evidence) -> list[Finding]:
    findings = []
    for s in e.traffic.saturations:
        navigation = _navigation_at(e.traffic, s.started)
        queued = f"; {len(s.queued)} requests waited in the queue" if s.queued else ""
        findings.append(_finding(
            "http1-connection-saturation", navigation, s.host,
            f"{s.open_streams} long-lived requests held every {s.protocol} connection to {s.host} for "
            f"{(s.ended - s.started).total_seconds():.0f} s{queued}", s.streams + s.queued,
            "Serve the console over HTTP/2, multiplex watches over one websocket, or watch fewer resources",
        ))  # fmt: skip
    return findings


def _expired(e: Evidence) -> list[Finding]:
    findings = []
    for chain in e.chains:
        for link in chain.watches:
            if not (link.expired or link.expiry_inferred):
                continue
            relisted = link.relist is not None
            what = ("the watch ended early and the page re-listed, as a client does after 410 Gone (the capture "
                    "keeps no response body to show the 410)" if link.expiry_inferred else
                    "the watch's resourceVersion expired (410 Gone)")  # fmt: skip
            followed = "" if link.expiry_inferred else f", and {'a' if relisted else 'no'} re-list followed"
            findings.append(_finding(
                "watch-expired", chain.navigation, chain.key, what + followed,
                (link.index, link.relist) if link.relist is not None else (link.index,),
                "Nothing to do: re-listing is the protocol" if relisted else
                "After a 410, list again and watch from the new list's resourceVersion",
                severity="info" if relisted else "warning",
            ))  # fmt: skip
    return findings


def _relist_storm(e: Evidence) -> list[Finding]:
    findings = []
    window = e.settings.relist_storm_window_s
    for chain in e.chains:
        relists = [(e_time, link.relist) for link in chain.watches if link.relist is not None
                   for e_time in [_started(e, link.relist)] if e_time is not None]  # fmt: skip
        burst = _burst(relists, e.settings.relist_storm_count, window)
        if burst:
            findings.append(_finding(
                "relist-storm", chain.navigation, chain.key,
                f"{plural(len(burst), 're-list')} within {window:g} s after failed or expired watches", burst,
                "Back off before re-listing, and keep bookmarks on so resourceVersions stay fresh",
            ))  # fmt: skip
    return findings


def _without_resource_version(e: Evidence) -> list[Finding]:
    findings = []
    for chain in e.chains:
        for position, link in enumerate(chain.watches):
            if link.resource_version not in (None, "0") or chain.preceding_read is None:
                continue
            given = chain.read_resource_version
            asked = "no resourceVersion" if link.resource_version is None else "resourceVersion 0"
            after = f"a read that returned {given}" if given else "a read of it"
            findings.append(_finding(
                "watch-without-resource-version", chain.navigation, chain.key,
                f"watch {position + 1} of the chain asked for {asked} after {after}",
                (chain.preceding_read, link.index),
                "Watch from the resourceVersion of the preceding list/get, so no change is missed or replayed",
            ))  # fmt: skip
    return findings


def _reconnect_storm(e: Evidence) -> list[Finding]:
    findings = []
    limit = e.settings.reconnect_storm_max_life_s
    for chain in e.chains:
        short = [(link.started, link.index) for link in chain.watches if link.started is not None and
                 link.ended is not None and (link.ended - link.started).total_seconds() < limit]  # fmt: skip
        burst = _burst(short, e.settings.reconnect_storm_count, e.settings.reconnect_storm_window_s)
        if burst:
            findings.append(_finding(
                "watch-reconnect-storm", chain.navigation, chain.key,
                f"{plural(len(burst), 'watch', 'watches')} each living under {limit:g} s within "
                f"{e.settings.reconnect_storm_window_s:g} s", burst,
                "Find what closes the watches (a stale resourceVersion, a proxy) and back off between retries",
            ))  # fmt: skip
    return findings


def _ended_early(e: Evidence) -> list[Finding]:
    findings = []
    for chain in e.chains:
        for link in chain.watches:
            if link.ended_by != "complete" or not link.timeout_seconds or link.started is None or link.ended is None:
                continue
            lived = (link.ended - link.started).total_seconds()
            if link.expired or link.expiry_inferred or lived >= e.settings.ended_early_fraction * link.timeout_seconds:
                continue
            findings.append(_finding(
                "watch-ended-early", chain.navigation, chain.key,
                f"closed after {lived:.0f} s of the {link.timeout_seconds} s it asked for", (link.index,),
                "Check intermediaries' idle timeouts (ingress proxy-read-timeout, load balancers); ask for "
                "allowWatchBookmarks so quiet watches stay busy",
            ))  # fmt: skip
    return findings


def _aborted_by_navigation(e: Evidence) -> list[Finding]:
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
        _finding("watch-aborted-by-navigation", load, None,
                 f"{plural(len(indices), 'long-lived request')} torn down by the next page load, "
                 f"{'its connection' if len(indices) == 1 else 'their connections'} not reused", indices,
                 "Expected on a reload; the next load must watch again from a fresh list")
        for load, indices in sorted(by_load.items())
    ]  # fmt: skip


def _duplicates(e: Evidence) -> list[Finding]:
    """Per page load and URL (in that order), the largest burst of the same get/list within the window; every
    group at once (`_group_bursts`), a finding per burst."""
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
    bursts = _group_bursts(group, moments(accesses["started"])[rows],
                           accesses["index"].to_numpy(dtype="int64")[rows], 2, window)  # fmt: skip
    codes = sorted(bursts)
    shown = [firsts[code] for code in codes]
    keys, verbs = accesses["key"].iloc[shown].tolist(), accesses["verb"].iloc[shown].tolist()
    return [
        _finding("duplicate-requests", int(str(navigations[code // len(urls)])), str(key),
                 f"the same {verb} sent {len(bursts[code])} times within {window:g} s", bursts[code],
                 "Share one request between the components that need the data")
        for code, key, verb in zip(codes, keys, verbs, strict=True)
    ]  # fmt: skip


def _omits_unfinished(e: Evidence) -> list[Finding]:
    writer = (e.traffic.capture.creator or "").lower()
    if not any(name in writer for name in OMITTING_WRITERS):
        return []
    chains = {(c.navigation, c.key): c for c in e.chains}
    findings = []
    for verdict in e.verdicts:
        chain = chains.get((verdict.navigation, verdict.key))
        end = e.traffic.navigation_end(verdict.navigation)
        last_watch_closed = chain is not None and chain.watches[-1].ended_by == "complete"
        late_read = (
            verdict.mode == "once"
            and end is not None
            and any(
                (t := _started(e, i)) is not None and (end - t).total_seconds() <= e.settings.near_end_s
                for i in verdict.reads
            )
        )
        if not (last_watch_closed or late_read):
            continue
        evidence = (chain.watches[-1].index,) if last_watch_closed and chain else verdict.reads[-1:]
        findings.append(_finding(
            "capture-omits-unfinished", verdict.navigation, verdict.key,
            "this writer leaves unfinished requests out: the watch that followed may be missing" if last_watch_closed
            else "read near the end of the load: a watch still open then would be missing from this export",
            evidence, "Do not conclude 'no watch' from this capture; record with Playwright or keep the page open "
            "until the watches cycle",
        ))  # fmt: skip
    return findings


def _started(e: Evidence, index: int) -> datetime | None:
    return e.starts.get(index)


def _navigation_at(traffic: Traffic, moment: datetime) -> int | None:
    started = [n.index for n in traffic.navigations if n.started is not None and n.started <= moment]
    return started[-1] if started else (traffic.navigations[0].index if traffic.navigations else None)


def _burst(events: Sequence[tuple[datetime, int]], count: int, window_s: float) -> tuple[int, ...]:
    """The largest set of at least `count` events within `window_s`, or ()."""
    times = moments_of([t for t, _ in events])
    return _burst_of(times, np.array([i for _, i in events], dtype="int64"), count, window_s)


def _burst_of(times: Moments, indices: npt.NDArray[np.int64], count: int, window_s: float) -> tuple[int, ...]:
    """`_burst` of request `indices` started at `times` (NaT: left out), in time then index order."""
    known = ~np.isnat(times)
    times, indices = times[known].astype("int64"), indices[known]
    order = np.lexsort((indices, times))
    ordered, members = times[order].tolist(), indices[order].tolist()
    best = (0, 0, 0)  # size, first, last
    start = 0
    for end in range(len(ordered)):
        while (ordered[end] - ordered[start]) / 1e6 > window_s:  # microseconds, as timedelta.total_seconds()
            start += 1
        size = end - start + 1
        if size >= count and size > best[0]:
            best = (size, start, end)
    return tuple(members[best[1] : best[2] + 1]) if best[0] else ()


def _group_bursts(groups: npt.NDArray[np.int64], times: Moments, indices: npt.NDArray[np.int64], count: int,
                  window_s: float) -> dict[int, tuple[int, ...]]:  # fmt: skip
    """`_burst_of` of every group (rows with the same code in `groups`) at once: group -> its burst, for the
    groups that have one.

    Rows are put in (group, time, index) order; each row's window starts at the first row of its group within
    `window_s` before it (found by one searchsorted over (group, rank of the time)), and a group's burst is its
    first largest window, as `_burst_of`'s scan finds it."""
    known = ~np.isnat(times)
    groups, times, indices = groups[known], times[known].astype("int64"), indices[known]
    if not len(times):
        return {}
    order = np.lexsort((indices, times, groups))
    groups, times, indices = groups[order], times[order], indices[order]
    is_first = np.concatenate([[True], groups[1:] != groups[:-1]])
    firsts, group = np.flatnonzero(is_first), np.cumsum(is_first) - 1  # group: 0, 1, ... in order
    distinct = np.sort(times)
    distinct = distinct[np.concatenate([[True], distinct[1:] != distinct[:-1]])]
    gap = _window_us(window_s, int(distinct[-1] - distinct[0]))
    line = group * len(distinct) + np.searchsorted(distinct, times)
    starts = np.searchsorted(line, group * len(distinct) + np.searchsorted(distinct, times - gap), side="left")
    sizes = np.arange(len(times)) - starts + 1
    largest = np.maximum.reduceat(sizes, firsts)
    ends = np.flatnonzero(sizes == largest[group])
    _, first_end = np.unique(group[ends], return_index=True)
    return {
        int(groups[end]): tuple(indices[starts[end] : end + 1].tolist())
        for end in ends[first_end].tolist()
        if sizes[end] >= count
    }


def _window_us(window_s: float, most: int) -> int:
    """The longest gap in whole microseconds (`most` at the most) that `_burst_of`'s test `gap / 1e6 >
    window_s` does not find too long: the division rounds, so the bound is stepped to, not multiplied out."""
    if not most / 1e6 > window_s:
        return most
    gap = int(window_s * 1e6)
    while gap / 1e6 > window_s:
        gap -= 1
    while (gap + 1) / 1e6 <= window_s:
        gap += 1
    return gap


_RULE_FUNCTIONS: tuple[Callable[[Evidence], list[Finding]], ...] = (
    _replaced_by_polling, _polling_instead_of_watch, _watch_and_poll, _saturation, _expired, _relist_storm,
    _without_resource_version, _reconnect_storm, _ended_early, _aborted_by_navigation, _duplicates,
    _omits_unfinished,
)  # fmt: skip
