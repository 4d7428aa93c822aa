"""`analyze(capture, settings) -> Analysis`: the whole diagnosis of one capture, pure (no I/O but lazy bodies)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from analyzer.analysis.accesses import kubernetes_accesses
from analyzer.analysis.chains import WatchChain, find_chains
from analyzer.analysis.findings import Evidence, find_findings
from analyzer.analysis.pipeline import Traffic, derive
from analyzer.analysis.verdicts import find_verdicts
from analyzer.har.loader import Capture
from analyzer.k8s import Classifier
from analyzer.model import Finding, Prefix, ResourceVerdict
from analyzer.settings import Settings, VerdictSettings


@dataclass(frozen=True)
class AnalysisSettings:
    traffic: Settings = field(default_factory=Settings)
    verdicts: VerdictSettings = field(default_factory=VerdictSettings)


@dataclass
class Analysis:
    traffic: Traffic
    accesses: pd.DataFrame  # one row per Kubernetes get/list/watch (see analysis.accesses)
    verdicts: list[ResourceVerdict]
    chains: list[WatchChain]
    findings: list[Finding]


def analyze(capture: Capture, settings: AnalysisSettings | None = None, prefixes: Sequence[Prefix] = ()) -> Analysis:
    """Classify, derive and judge one capture."""
    settings = settings or AnalysisSettings()
    return analyze_traffic(derive(capture, settings.traffic, prefixes), settings, prefixes)


def analyze_traffic(
    traffic: Traffic, settings: AnalysisSettings | None = None, prefixes: Sequence[Prefix] = ()
) -> Analysis:
    """Judge already derived traffic (the verdicts, watch chains and findings)."""
    settings = settings or AnalysisSettings()
    capture = traffic.capture
    accesses = kubernetes_accesses(capture, traffic.frame, Classifier(prefixes))
    verdicts = find_verdicts(accesses, traffic, settings.verdicts)
    chains = find_chains(capture, accesses, settings.verdicts)
    findings = find_findings(Evidence(traffic, accesses, verdicts, chains, settings.verdicts))
    return Analysis(traffic=traffic, accesses=accesses, verdicts=verdicts, chains=chains, findings=findings)
