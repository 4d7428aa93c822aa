"""The JSON documents of `check --format json` (`har-analyzer/check/v1`) and `diff --format json`
(`har-analyzer/diff/v1`). Absent values are null; keys are stable; URLs have their secrets redacted unless
`show_secrets`. This is the JSON edge of the gate: the one place its results become dicts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import msgspec

from analyzer.gate.check import STATUSES, CheckResult
from analyzer.gate.diff import Change, Diff, LoadPair, ResourceDiff
from analyzer.gate.expectations import Violation
from analyzer.gate.fail_on import Condition
from analyzer.render.gate_text import shown_url, violation_text
from analyzer.summary import Finding, Navigation, ResourceVerdict
from analyzer.version import __version__

CHECK_SCHEMA = "har-analyzer/check/v1"
DIFF_SCHEMA = "har-analyzer/diff/v1"


def encode(payload: dict[str, Any]) -> bytes:
    return msgspec.json.format(msgspec.json.encode(payload), indent=2) + b"\n"


def check_payload(result: CheckResult, *, show_secrets: bool = False) -> dict[str, Any]:
    checks = [r for c in result.captures for r in c.results]
    return {
        "schema": CHECK_SCHEMA,
        "generator": {"name": "har-analyzer", "version": __version__},
        "policy": result.policy.source,
        "passed": result.passed,
        "totals": {
            "captures": len(result.captures),
            "checks": len(checks),
            **{status: sum(r.status == status for r in checks) for status in STATUSES},
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
                        "failures": [_violation(v, show_secrets) for v in r.violations],
                    }
                    for r in c.results
                ],
            }
            for c in result.captures
        ],
    }


def _violation(violation: Violation, show_secrets: bool) -> dict[str, Any]:
    return {
        "expectation": violation.expectation,
        "message": violation_text(violation, show_secrets),
        "navigation": violation.navigation,
        "page": shown_url(violation.page, show_secrets),
        "resource": violation.resource,
        "evidence": list(violation.evidence),
    }


def diff_payload(
    diff: Diff,
    conditions: Sequence[Condition] = (),
    tripped: Sequence[tuple[Condition, str]] = (),
    *,
    show_secrets: bool = False,
) -> dict[str, Any]:
    held = {c.spec for c, _ in tripped}
    return {
        "schema": DIFF_SCHEMA,
        "generator": {"name": "har-analyzer", "version": __version__},
        "baseline": diff.baseline.source,
        "current": diff.current.source,
        "failed": bool(held),
        "mode_changes": [_mode_change(r, show_secrets) for r in diff.mode_changes],
        "poll_interval_changes": [_interval_change(r, show_secrets) for r in diff.interval_changes],
        "loads": [_load_pair(p, show_secrets) for p in diff.pairs],
        "resources": [_resource_change(r, show_secrets) for r in diff.resources],
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


def _where(pair: LoadPair, show_secrets: bool) -> dict[str, Any]:
    return {
        "page": shown_url(pair.page, show_secrets),
        "navigation_before": pair.before.index if pair.before else None,
        "navigation_after": pair.after.index if pair.after else None,
    }


def _mode_change(r: ResourceDiff, show_secrets: bool) -> dict[str, Any]:
    return {
        **_where(r.pair, show_secrets),
        "resource": r.key,
        "before": r.mode_before,
        "after": r.mode_after,
        "regression": r.is_regression,
    }


def _interval_change(r: ResourceDiff, show_secrets: bool) -> dict[str, Any]:
    return {
        **_where(r.pair, show_secrets),
        "resource": r.key,
        "before_s": r.before.poll_interval_s if r.before else None,
        "after_s": r.after.poll_interval_s if r.after else None,
    }


def _load_pair(p: LoadPair, show_secrets: bool) -> dict[str, Any]:
    def url(load: Navigation | None) -> str | None:
        return shown_url(load.url, show_secrets) if load else None

    return {
        **_where(p, show_secrets),
        "url_before": url(p.before),
        "url_after": url(p.after),
        "requests_per_min_before": p.before.requests_per_min if p.before else None,
        "requests_per_min_after": p.after.requests_per_min if p.after else None,
    }


def _resource_change(r: ResourceDiff, show_secrets: bool) -> dict[str, Any]:
    return {
        **_where(r.pair, show_secrets),
        "resource": r.key,
        "before": _resource(r.before),
        "after": _resource(r.after),
    }


def _resource(resource: ResourceVerdict | None) -> dict[str, Any] | None:
    if resource is None:
        return None
    return {
        "mode": resource.mode,
        "counts": dict(resource.counts),
        "poll_interval_s": resource.poll_interval_s,
        "requests_per_min": resource.requests_per_min,
    }


def _finding(f: Finding) -> dict[str, Any]:
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
