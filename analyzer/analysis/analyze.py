"""`analyze(capture, settings) -> Analysis`: the whole diagnosis of one capture, pure (no I/O but lazy bodies)."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from analyzer.analysis.accesses import kubernetes_accesses
from analyzer.analysis.chains import find_chains
from analyzer.analysis.findings import Evidence, find_findings
from analyzer.analysis.initiators import read_initiators, request_labels, with_initiators
from analyzer.analysis.pipeline import Traffic, derive
from analyzer.analysis.summarize import summarize
from analyzer.analysis.verdicts import find_verdicts
from analyzer.har.loader import Capture
from analyzer.settings import Settings
from analyzer.summary import Finding, ResourceVerdict, Summary, WatchChain


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
        settings: console prefixes and thresholds (defaults: `Settings()`).
        users: also project the API load N open pages would make (`Totals.cost`).
    """
    settings = settings or Settings()
    return analyze_traffic(derive(capture, settings), settings, users=users)


def analyze_traffic(traffic: Traffic, settings: Settings | None = None, *, users: int | None = None) -> Analysis:
    """Judge already derived traffic (the verdicts, watch chains and findings); `settings` as given to derive."""
    settings = settings or Settings()
    capture = traffic.capture
    accesses = kubernetes_accesses(capture, traffic.frame, settings.classifier)
    chains = find_chains(capture, accesses, traffic.streams, settings)
    relists = frozenset(link.relist for chain in chains for link in chain.watches if link.relist is not None)
    verdicts = find_verdicts(accesses, traffic, settings, relists=relists)
    findings = find_findings(Evidence(traffic, accesses, verdicts, chains, settings, relists))
    initiators = read_initiators(capture, accesses, traffic.streams)
    verdicts, findings = with_initiators(verdicts, findings, request_labels(initiators, verdicts))
    summary = summarize(traffic, accesses, verdicts, chains, findings, users=users, initiators=initiators)
    return Analysis(traffic, accesses, verdicts, chains, findings, summary)
