"""The expectations a policy rule can state, each judged over what the rule's selectors pick out of a summary.

Each returns the violations it found and how many things (resources, page loads, watches) it judged, so a rule
that judged nothing is reported as skipped rather than passed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from analyzer.gate.metrics import asks_for_bookmarks, http1_long_lived_peaks, watch_parameters
from analyzer.gate.policy import Selector
from analyzer.summary import (
    SEVERITY_ORDER,
    Finding,
    Mode,
    Navigation,
    Request,
    ResourceVerdict,
    Severity,
    Stream,
    Summary,
)


@dataclass(frozen=True)
class Violation:
    expectation: str  # the policy key that was not met
    message: str  # one line, as judged: it may name `page` unredacted (the outputs redact it)
    navigation: int | None
    resource: str | None  # a resource key or a host
    evidence: tuple[int, ...]  # request indices
    page: str | None = None  # the URL of the page load `navigation`, unredacted
    inconclusive: bool = False  # not a failure: the capture cannot show whether the expectation holds


@dataclass(frozen=True)
class Scope:
    """What one rule's selectors pick out of one summary."""

    summary: Summary
    loads: tuple[Navigation, ...]
    resources: tuple[ResourceVerdict, ...]  # the selected loads' verdicts on the selected keys
    watches: tuple[Request, ...]
    streams: tuple[Stream, ...]
    findings: tuple[Finding, ...]
    # What a findings rule judged: the selected loads, or the whole capture (even one without a page load)
    # when the rule selects no page.
    finding_scopes: int


def select_scope(summary: Summary, select: Selector) -> Scope:
    loads = tuple(load for load in summary.navigations if select.matches_load(load.url, load.trigger))
    chosen = {load.index for load in loads}
    resources = tuple(r for load in loads for r in load.resources if select.matches_key(r.key))
    watches = tuple(
        r for r in summary.requests if r.verb == "watch" and r.navigation in chosen and select.matches_key(r.resource)
    )
    streams = tuple(
        s
        for s in summary.streams
        if s.navigation in chosen
        and select.matches("host", s.host)
        and select.matches_key(_request_key(summary, s.index))
    )
    loadless = not any(name in select.globs for name in ("page", "trigger"))
    findings = tuple(
        f
        for f in summary.findings
        if (f.navigation in chosen or (f.navigation is None and loadless)) and _finding_matches(f, select)
    )
    return Scope(summary, loads, resources, watches, streams, findings, max(len(loads), 1) if loadless else len(loads))


def _request_key(summary: Summary, index: int) -> str | None:
    request = summary.request(index)
    return request.resource if request else None


def _finding_matches(finding: Finding, select: Selector) -> bool:
    """Whether the finding concerns a selected resource (a grouped one: any of those it lists)."""
    return any(_subject_matches(subject, select) for subject in (finding.resources or (finding.resource,)))


def _subject_matches(subject: str | None, select: Selector) -> bool:
    is_key = subject is not None and subject.count("/") >= 4
    return select.matches_key(subject if is_key else None) and select.matches("host", None if is_key else subject)


def where(summary: Summary, navigation: int | None, subject: str | None = None) -> str:
    load = summary.load(navigation)
    text = f"load {navigation} ({load.trigger})" if load else "capture"
    return f"{text} {subject}" if subject else text


def _violation(
    scope: Scope,
    expectation: str,
    message: str,
    navigation: int | None,
    resource: str | None,
    evidence: tuple[int, ...],
    *,
    inconclusive: bool = False,
) -> Violation:
    load = scope.summary.load(navigation)
    page = load.url if load else None
    return Violation(expectation, message, navigation, resource, evidence, page=page, inconclusive=inconclusive)


def _modes(scope: Scope, modes: tuple[Mode, ...]) -> tuple[list[Violation], int]:
    found = []
    for r in scope.resources:
        if r.mode in modes:
            continue
        # A writer that leaves unfinished requests out (DevTools) may have left out the watch itself
        gap = "watch" in " ".join(modes) and "watch" not in r.mode and _omits_unfinished(scope, r)
        message = f"{where(scope.summary, r.navigation, r.key)}: {describe_mode(r)}, expected {' or '.join(modes)}"
        if gap:
            message += " (inconclusive: this writer leaves unfinished requests out, and the watch may be one)"
        found.append(_violation(scope, "modes", message, r.navigation, r.key, tuple(sorted({*r.reads, *r.watches})),
                                inconclusive=gap))  # fmt: skip
    return found, len(scope.resources)


def _omits_unfinished(scope: Scope, resource: ResourceVerdict) -> bool:
    return any(
        f.id == "capture-omits-unfinished" and f.navigation == resource.navigation
        and (resource.key in f.resources or not f.resources)
        for f in scope.summary.findings
    )  # fmt: skip


def _min_poll_interval(scope: Scope, seconds: float) -> tuple[list[Violation], int]:
    found = [
        _violation(
            scope,
            "min_poll_interval_s",
            f"{where(scope.summary, r.navigation, r.key)}: polled every "
            f"{r.poll_interval_s:g} s, faster than every {seconds:g} s",
            r.navigation,
            r.key,
            r.reads,
        )
        for r in scope.resources
        if r.poll_interval_s is not None and r.poll_interval_s < seconds
    ]
    return found, len(scope.resources)


def _max_requests_per_min(scope: Scope, limit: float) -> tuple[list[Violation], int]:
    found = []
    for load in scope.loads:
        chosen = [r for r in scope.resources if r.navigation == load.index]
        rates = [r.requests_per_min for r in chosen]
        if any(r is None for r in rates):
            count, span = sum(r.count for r in chosen), max((r.span_s or 0.0 for r in chosen), default=0.0)
            found.append(_violation(
                scope, "max_requests_per_min",
                f"{where(scope.summary, load.index)} {load.url or ''}: {count} Kubernetes request"
                f"{'s' if count != 1 else ''} in {span:.0f} s: a rate needs a load of a minute or more",
                load.index, None, (), inconclusive=True,
            ))  # fmt: skip
            continue
        rate = round(sum(r or 0.0 for r in rates), 2)
        if rate > limit:
            evidence = tuple(sorted({i for r in chosen for i in (*r.reads, *r.watches)}))
            found.append(
                _violation(
                    scope,
                    "max_requests_per_min",
                    f"{where(scope.summary, load.index)} {load.url or ''}: "
                    f"{rate:g} Kubernetes requests a minute, more than {limit:g}",
                    load.index,
                    None,
                    evidence,
                )
            )
    return found, len(scope.loads)


def _watch_resource_version(scope: Scope, wanted: bool) -> tuple[list[Violation], int]:
    if not wanted:
        return [], 0
    found = []
    for watch in scope.watches:
        version = watch_parameters(watch.url).resource_version  # None when absent or empty
        if version in (None, "0"):
            asked = "no resourceVersion" if version is None else "resourceVersion=0 (any version)"
            found.append(
                _violation(
                    scope,
                    "watch_resource_version",
                    f"{where(scope.summary, watch.navigation, watch.resource)}: watch #{watch.index} asks for {asked}",
                    watch.navigation,
                    watch.resource,
                    (watch.index,),
                )
            )
    return found, len(scope.watches)


def _watch_bookmarks(scope: Scope, wanted: bool) -> tuple[list[Violation], int]:
    if not wanted:
        return [], 0
    found = [
        _violation(
            scope,
            "watch_bookmarks",
            f"{where(scope.summary, w.navigation, w.resource)}: watch #{w.index} does not ask "
            "for allowWatchBookmarks=true",
            w.navigation,
            w.resource,
            (w.index,),
        )
        for w in scope.watches
        if not asks_for_bookmarks(w.url)
    ]
    return found, len(scope.watches)


def _min_watch_lifetime(scope: Scope, seconds: float) -> tuple[list[Violation], int]:
    # Only watches that ended while the capture ran, and not because the page went away or the version expired:
    # a watch still open at the end, torn down by a reload, or answered with 410 Gone (the protocol's way to ask
    # for a re-list) says nothing about how long the server and the proxies let a watch live.
    closed = [
        s
        for s in scope.streams
        if s.kind == "watch"
        and s.duration_ms is not None
        and s.ended_by not in ("open", "unknown")
        and not s.aborted_by_navigation
        and s.index not in scope.summary.expired_watches
    ]
    found = []
    for stream in closed:
        lived = (stream.duration_ms or 0.0) / 1000
        if lived < seconds and stream.duration_bound == "at_least":
            key = _request_key(scope.summary, stream.index)
            found.append(_violation(
                scope, "min_watch_lifetime_s",
                f"{where(scope.summary, stream.navigation, key)}: watch #{stream.index} lived at least {lived:.1f} s: "
                "its writer did not keep its end", stream.navigation, key, (stream.index,), inconclusive=True,
            ))  # fmt: skip
        elif lived < seconds:
            key = _request_key(scope.summary, stream.index)
            found.append(
                _violation(
                    scope,
                    "min_watch_lifetime_s",
                    f"{where(scope.summary, stream.navigation, key)}: watch "
                    f"#{stream.index} lived {lived:.1f} s ({stream.ended_by}), less than {seconds:g} s",
                    stream.navigation,
                    key,
                    (stream.index,),
                )
            )
    return found, len(closed)


def _max_http1_long_lived(scope: Scope, limit: int) -> tuple[list[Violation], int]:
    found = []
    for host, peak in http1_long_lived_peaks(scope.streams, scope.summary.capture.ended).items():
        if peak.connections > limit:
            navigation = next((s.navigation for s in scope.streams if s.index in peak.streams), None)
            found.append(
                _violation(
                    scope,
                    "max_http1_long_lived_per_host",
                    f"{host}: {peak.connections} HTTP/1.x connections "
                    f"held by long-lived requests at once, more than {limit}",
                    navigation,
                    host,
                    peak.streams,
                )
            )
    return found, len(scope.loads)


def _forbid_findings(scope: Scope, ids: tuple[str, ...]) -> tuple[list[Violation], int]:
    return _findings(scope, "forbid_findings", [f for f in scope.findings if f.id in ids])


def _forbid_severity(scope: Scope, severity: Severity) -> tuple[list[Violation], int]:
    worst = SEVERITY_ORDER[severity]
    return _findings(scope, "forbid_severity", [f for f in scope.findings if SEVERITY_ORDER[f.severity] <= worst])


def _findings(scope: Scope, key: str, findings: list[Finding]) -> tuple[list[Violation], int]:
    found = [
        _violation(
            scope,
            key,
            f"{where(scope.summary, f.navigation, f.resource)}: {f.severity} {f.id}: {f.summary}",
            f.navigation,
            f.resource,
            f.evidence,
        )
        for f in findings
    ]
    return found, scope.finding_scopes


def required_violations(scope: Scope) -> list[Violation]:
    """A selected page load that reads or watches none of the selected resources (a capture of another page,
    with no load selected, is left to the rule's skip)."""
    used = {r.navigation for r in scope.resources}
    return [
        _violation(
            scope,
            "required",
            f"{where(scope.summary, load.index)} {load.url or ''}: reads or watches no selected resource",
            load.index,
            None,
            (),
        )
        for load in scope.loads
        if load.index not in used
    ]


def describe_mode(resource: ResourceVerdict) -> str:
    every = f" every {resource.poll_interval_s:g} s" if resource.poll_interval_s is not None else ""
    return {
        "watch": "watched",
        "poll": f"polled{every}",
        "watch+poll": f"watched and polled{every}",
        "once": "read, neither watched nor polled",
    }.get(resource.mode, resource.mode)


# expectation key -> its judge; the policy checked each value's type for its key (`policy._expectation`).
EVALUATORS: dict[str, Callable[[Scope, Any], tuple[list[Violation], int]]] = {
    "modes": _modes,
    "min_poll_interval_s": _min_poll_interval,
    "max_requests_per_min": _max_requests_per_min,
    "watch_resource_version": _watch_resource_version,
    "watch_bookmarks": _watch_bookmarks,
    "min_watch_lifetime_s": _min_watch_lifetime,
    "max_http1_long_lived_per_host": _max_http1_long_lived,
    "forbid_findings": _forbid_findings,
    "forbid_severity": _forbid_severity,
}
