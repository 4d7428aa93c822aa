"""The rules on how each resource was read and watched (its verdicts and watch chains), and `find_findings`,
which runs every rule (these and the traffic rules) and groups and orders what they find.

`analysis/rules.py` lists the rule ids with their default severity and holds what the rules share.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import msgspec
import numpy as np

from analyzer.analysis.rules import Evidence, burst_of, find_burst, make_finding
from analyzer.analysis.traffic_findings import aborted_by_navigation, duplicates, omits_unfinished, saturation
from analyzer.summary import SEVERITY_ORDER, Finding, ResourceVerdict
from analyzer.wording import plural

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
                findings.append(make_finding(
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
        make_finding("polling-instead-of-watch", v.navigation, v.key,
                     f"polled every {v.poll_interval_s:.1f} s ({len(v.reads)} reads) and never watched" + _beside(v),
                     v.reads,
                     "Watch the resource (list, then watch from the list's resourceVersion) instead of polling it"
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
        make_finding("watch-and-poll", v.navigation, v.key,
                     f"watched and also polled every {v.poll_interval_s:.1f} s in the same load", v.watches + v.reads,
                     "Drop the polling: the watch already delivers every change")
        for v in e.verdicts if v.mode == "watch+poll"
    ]  # fmt: skip


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
            findings.append(make_finding(
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
        relists = np.array([link.relist for link in chain.watches if link.relist is not None], dtype=np.int64)
        burst = burst_of(e.starts(relists), relists, e.settings.relist_storm_count, window)
        if burst:
            findings.append(make_finding(
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
            findings.append(make_finding(
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
        burst = find_burst(short, e.settings.reconnect_storm_count, e.settings.reconnect_storm_window_s)
        if burst:
            findings.append(make_finding(
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
            findings.append(make_finding(
                "watch-ended-early", chain.navigation, chain.key,
                f"closed after {lived:.0f} s of the {link.timeout_seconds} s it asked for", (link.index,),
                "Check intermediaries' idle timeouts (ingress proxy-read-timeout, load balancers); ask for "
                "allowWatchBookmarks so quiet watches stay busy",
            ))  # fmt: skip
    return findings


_RULE_FUNCTIONS: tuple[Callable[[Evidence], list[Finding]], ...] = (
    _replaced_by_polling, _polling_instead_of_watch, _watch_and_poll, saturation, _expired, _relist_storm,
    _without_resource_version, _reconnect_storm, _ended_early, aborted_by_navigation, duplicates,
    omits_unfinished,
)  # fmt: skip
