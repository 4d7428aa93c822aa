"""`analyze(capture, settings) -> Analysis`: the whole diagnosis of one capture, pure (no I/O but lazy bodies)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import msgspec
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from analyzer.analysis.accesses import AccessColumns, kubernetes_accesses
from analyzer.analysis.chains import find_chains
from analyzer.analysis.findings import find_findings
from analyzer.analysis.initiators import read_initiators, request_labels, with_initiators
from analyzer.analysis.pipeline import Traffic, derive
from analyzer.analysis.rules import Evidence
from analyzer.analysis.summarize import summarize
from analyzer.analysis.verdicts import find_verdicts
from analyzer.har.loader import Capture
from analyzer.k8s.discovery import DiscoveredPrefix, discover_prefixes
from analyzer.settings import Settings, resolve_prefixes
from analyzer.summary import Finding, ResourceVerdict, Summary, UnknownPrefix, WatchChain

NOTED_PREFIXES = 3  # unknown prefixes given a note each; the others are in `Summary.unknown_prefixes`


@dataclass
class Analysis:
    traffic: Traffic
    accesses: pd.DataFrame  # one row per Kubernetes get/list/watch (see analysis.accesses)
    verdicts: list[ResourceVerdict]
    chains: list[WatchChain]
    findings: list[Finding]
    summary: Summary  # what every view and the gate read (unredacted: see analyzer.redact.redacted)


def analyze(capture: Capture, settings: Settings | None = None, *, users: int | None = None) -> Analysis:
    """Classify, derive and judge one capture.

    Args:
        capture: what the loader read.
        settings: console prefixes and thresholds (defaults: `Settings()`); under `--prefix auto` the capture's
            own prefixes are found first (`resolve_prefixes`).
        users: also project the API load N open pages would make (`Totals.cost`).
    """
    settings, found = resolve_prefixes(settings or Settings(), capture.entries.column("url"))  # type: ignore[attr-defined]
    return analyze_traffic(derive(capture, settings), settings, users=users, auto_prefixes=found)


def analyze_traffic(
    traffic: Traffic,
    settings: Settings | None = None,
    *,
    users: int | None = None,
    auto_prefixes: Sequence[DiscoveredPrefix] = (),
) -> Analysis:
    """Judge already derived traffic (the verdicts, watch chains and findings); `settings` as given to derive,
    `auto_prefixes` the prefixes `--prefix auto` added to them."""
    settings = settings or Settings()
    capture = traffic.capture
    accesses = kubernetes_accesses(capture, traffic.frame, settings.classifier)
    table = AccessColumns.of(accesses)
    chains = find_chains(capture, accesses, table, traffic.streams, settings)
    relists = frozenset(link.relist for chain in chains for link in chain.watches if link.relist is not None)
    verdicts = find_verdicts(table, traffic, settings, relists=relists)
    findings = find_findings(Evidence(traffic, accesses, verdicts, chains, settings, relists))
    initiators = read_initiators(capture, accesses, traffic.streams)
    verdicts, findings = with_initiators(verdicts, findings, request_labels(initiators, verdicts))
    summary = summarize(traffic, accesses, verdicts, chains, findings, users=users, initiators=initiators)
    summary = with_prefixes_found(summary, discover_prefixes(_unread_urls(traffic), settings.classifier), auto_prefixes)
    return Analysis(traffic, accesses, verdicts, chains, findings, summary)


def _unread_urls(traffic: Traffic) -> pa.Array:
    """The URLs of the requests not classified as Kubernetes (discovery's regex need not see the others)."""
    frame, entries = traffic.frame, traffic.capture.entries
    unread = frame.loc[~frame["k8s"].fillna(False).astype(bool), "index"].to_numpy(dtype="int64")
    return entries.column("url").filter(pc.is_in(entries.column("index"), pa.array(unread)))  # type: ignore[attr-defined]


def with_prefixes_found(
    summary: Summary, unknown: Sequence[DiscoveredPrefix], auto: Sequence[DiscoveredPrefix] = ()
) -> Summary:
    """`summary` with the prefixes the API was found behind: those no prefix read (`unknown_prefixes`, and a note
    on how to read them) and those `--prefix auto` read (a note each)."""
    notes = [
        f"{_requests(d.requests, 'was', 'were')} read as the Kubernetes API under {d.under} with the prefix "
        f"'{d.pattern}' that --prefix auto found"
        for d in auto
    ]
    notes += [
        f"{_requests(d.requests, 'looks', 'look')} like the Kubernetes API under {d.under}: rerun with --prefix "
        f"'{d.pattern}' (or --prefix auto)"
        for d in unknown[:NOTED_PREFIXES]
    ]
    if len(unknown) > NOTED_PREFIXES:
        notes.append(f"{len(unknown) - NOTED_PREFIXES} more unknown prefixes are listed in unknown_prefixes")
    found = tuple(UnknownPrefix(prefix=d.pattern, requests=d.requests, example=d.example) for d in unknown)
    return msgspec.structs.replace(summary, notes=summary.notes + tuple(notes), unknown_prefixes=found)


def _requests(count: int, one: str, many: str) -> str:
    return f"{count} request {one}" if count == 1 else f"{count} requests {many}"
