"""The JSON documents of `check --format json` (`har-analyzer/check/v1`) and `diff --format json`
(`har-analyzer/diff/v1`). Absent values are null; keys are stable."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from analyzer import __version__
from analyzer.gate.check import FAIL, PASS, SKIP, CheckResult
from analyzer.gate.diff import Change, Diff, LoadPair, ResourceDiff
from analyzer.gate.expectations import Violation
from analyzer.gate.facts import FindingFact, Report, Resource
from analyzer.gate.fail_on import Condition

CHECK_SCHEMA = "har-analyzer/check/v1"
DIFF_SCHEMA = "har-analyzer/diff/v1"


def encode(payload: dict[str, Any]) -> bytes:
    return msgspec.json.format(msgspec.json.encode(payload), indent=2) + b"\n"


def check_payload(result: CheckResult) -> dict[str, Any]:
    checks = [r for c in result.captures for r in c.results]
    return {
        "schema": CHECK_SCHEMA,
        "generator": {"name": "har-analyzer", "version": __version__},
        "policy": result.policy.source,
        "passed": result.passed,
        "totals": {
            "captures": len(result.captures),
            "checks": len(checks),
            **{status: sum(r.status == status for r in checks) for status in (PASS, FAIL, SKIP)},
        },
        "captures": [
            {
                "capture": c.source,
                "passed": c.passed,
                "rules": [
                    {
                        "rule": r.rule.name,
                        "description": r.rule.description,
                        "status": r.status,
                        "examined": r.examined,
                        "failures": [_violation(c.report, v) for v in r.violations],
                    }
                    for r in c.results
                ],
            }
            for c in result.captures
        ],
    }


def _violation(report: Report, violation: Violation) -> dict[str, Any]:
    load = report.load(violation.navigation)
    return {
        "expectation": violation.expectation,
        "message": violation.message,
        "navigation": violation.navigation,
        "page": load.url if load else None,
        "resource": violation.resource,
        "evidence": list(violation.evidence),
    }


def diff_payload(
    diff: Diff, conditions: Sequence[Condition] = (), tripped: Sequence[tuple[Condition, str]] = ()
) -> dict[str, Any]:
    held = {c.spec for c, _ in tripped}
    return {
        "schema": DIFF_SCHEMA,
        "generator": {"name": "har-analyzer", "version": __version__},
        "baseline": diff.baseline.source,
        "current": diff.current.source,
        "failed": bool(held),
        "mode_changes": [
            {
                **_where(r.pair),
                "resource": r.key,
                "before": r.mode_before,
                "after": r.mode_after,
                "regression": r.is_regression,
            }
            for r in diff.mode_changes
        ],
        "poll_interval_changes": [
            {
                **_where(r.pair),
                "resource": r.key,
                "before_s": r.before.poll_interval_s if r.before else None,
                "after_s": r.after.poll_interval_s if r.after else None,
            }
            for r in diff.interval_changes
        ],
        "loads": [
            {
                **_where(p),
                "url_before": p.before.url if p.before else None,
                "url_after": p.after.url if p.after else None,
                "requests_per_min_before": p.before.requests_per_min if p.before else None,
                "requests_per_min_after": p.after.requests_per_min if p.after else None,
            }
            for p in diff.pairs
        ],
        "resources": [_resource_change(r) for r in diff.resources],
        "requests_per_verb": _before_after(diff.verbs),
        "findings": {
            "new": [_finding(f) for f in diff.new_findings],
            "gone": [_finding(f) for f in diff.gone_findings],
        },
        "long_lived_connections": _before_after(diff.long_lived_connections),
        "http1_long_lived_peak": _before_after(diff.http1_peaks),
        "latency_ms": {"p50": _before_after(diff.latency_p50), "p95": _before_after(diff.latency_p95)},
        "fail_on": [
            {
                "condition": c.spec,
                "holds": c.spec in held,
                "details": [text for other, text in tripped if other.spec == c.spec],
            }
            for c in conditions
        ],
    }


def _where(pair: LoadPair) -> dict[str, Any]:
    return {
        "page": pair.page,
        "navigation_before": pair.before.index if pair.before else None,
        "navigation_after": pair.after.index if pair.after else None,
    }


def _resource_change(r: ResourceDiff) -> dict[str, Any]:
    return {**_where(r.pair), "resource": r.key, "before": _resource(r.before), "after": _resource(r.after)}


def _resource(resource: Resource | None) -> dict[str, Any] | None:
    if resource is None:
        return None
    return {
        "mode": resource.mode,
        "counts": dict(resource.counts),
        "poll_interval_s": resource.poll_interval_s,
        "requests_per_min": resource.requests_per_min,
    }


def _finding(f: FindingFact) -> dict[str, Any]:
    return {
        "id": f.id,
        "severity": f.severity,
        "navigation": f.navigation,
        "resource": f.resource,
        "summary": f.summary,
        "evidence": list(f.evidence),
    }


def _before_after(changes: Sequence[Change]) -> dict[str, dict[str, float | None]]:
    return {c.name: {"before": c.before, "after": c.after} for c in changes}
