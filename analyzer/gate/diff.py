"""`diff`: what changed between a baseline and a current summary — modes, poll intervals, request counts,
findings, long-lived connections and latency — with page loads matched by order and URL, resources by key.

Both summaries are judged unredacted; page loads are paired on their URLs with secrets removed on both sides,
so that the pairing is the same whether or not the outputs show secrets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from analyzer.gate.metrics import http1_long_lived_peaks, long_lived_connections
from analyzer.gate.reading import Subject
from analyzer.redact import redact_url
from analyzer.summary import Finding, Mode, Navigation, ResourceVerdict, Summary

# A resource watched in the baseline and now polled, read once, or watched and polled.
REGRESSIONS: set[tuple[Mode | None, Mode | None]] = {
    ("watch", "poll"),
    ("watch", "once"),
    ("watch", "watch+poll"),
    ("watch+poll", "poll"),
    ("watch+poll", "once"),
}
# Headline order: losing the watch to polling first.
_MODE_ORDER: dict[tuple[Mode | None, Mode | None], int] = {
    ("watch", "poll"): 0,
    ("watch+poll", "poll"): 1,
    ("watch", "watch+poll"): 2,
}


@dataclass(frozen=True)
class LoadPair:
    before: Navigation | None  # None: a page load only the current capture has
    after: Navigation | None  # None: gone

    @property
    def page(self) -> str | None:
        """The current load's URL (the baseline's for a load that is gone), unredacted."""
        load = self.after or self.before
        return load.url if load else None

    @property
    def label(self) -> str:
        def index(load: Navigation | None) -> str:
            return "-" if load is None else str(load.index)

        return f"load {index(self.before)}→{index(self.after)}"


@dataclass(frozen=True)
class ResourceDiff:
    """One resource key in one pair of page loads."""

    pair: LoadPair
    key: str
    before: ResourceVerdict | None
    after: ResourceVerdict | None

    @property
    def mode_before(self) -> Mode | None:
        return self.before.mode if self.before else None

    @property
    def mode_after(self) -> Mode | None:
        return self.after.mode if self.after else None

    @property
    def is_mode_change(self) -> bool:
        return self.before is not None and self.after is not None and self.before.mode != self.after.mode

    @property
    def is_regression(self) -> bool:
        return (self.mode_before, self.mode_after) in REGRESSIONS

    @property
    def is_changed(self) -> bool:
        """New, gone, or used otherwise: another mode, count, poll interval, rate or set of requests."""
        if self.before is None or self.after is None:
            return True
        return _usage(self.before) != _usage(self.after)

    @property
    def is_interval_change(self) -> bool:
        before = self.before.poll_interval_s if self.before else None
        after = self.after.poll_interval_s if self.after else None
        return before is not None and after is not None and before != after


@dataclass(frozen=True)
class Change:
    """A number before and after (None where that side has none)."""

    name: str  # a verb, a host, or a page load label
    before: float | None
    after: float | None

    @property
    def delta(self) -> float | None:
        return None if self.before is None or self.after is None else self.after - self.before


@dataclass(frozen=True)
class Diff:
    baseline: Subject
    current: Subject
    pairs: tuple[LoadPair, ...]
    resources: tuple[ResourceDiff, ...]
    new_findings: tuple[Finding, ...]
    gone_findings: tuple[Finding, ...]
    verbs: tuple[Change, ...]  # Kubernetes requests per verb
    rates: tuple[tuple[LoadPair, Change], ...]  # Kubernetes requests a minute, per matched pair of loads
    long_lived_connections: tuple[Change, ...]  # per host: connections that carried a long-lived request
    http1_peaks: tuple[Change, ...]  # per host: most HTTP/1.x connections held by long-lived requests at once
    latency_p50: tuple[Change, ...]  # per verb, ms
    latency_p95: tuple[Change, ...]

    @property
    def mode_changes(self) -> list[ResourceDiff]:
        changes = [r for r in self.resources if r.is_mode_change]
        return sorted(changes, key=lambda r: (not r.is_regression, _MODE_ORDER.get((r.mode_before, r.mode_after), 9)))

    @property
    def interval_changes(self) -> list[ResourceDiff]:
        return [r for r in self.resources if r.is_interval_change]


def diff_subjects(baseline: Subject, current: Subject) -> Diff:
    before, after = baseline.summary, current.summary
    pairs = pair_loads(before.navigations, after.navigations)
    new, gone = _finding_changes(before, after, pairs)
    peaks_before = http1_long_lived_peaks(before.streams, before.capture.ended)
    peaks_after = http1_long_lived_peaks(after.streams, after.capture.ended)
    latency_before, latency_after = before.summary.latency, after.summary.latency
    return Diff(
        baseline=baseline,
        current=current,
        pairs=tuple(pairs),
        resources=tuple(r for pair in pairs for r in _resources(pair)),
        new_findings=new,
        gone_findings=gone,
        verbs=_changes(before.summary.verbs, after.summary.verbs, missing=0),
        rates=tuple(
            (p, Change(p.label, p.before.requests_per_min, p.after.requests_per_min))
            for p in pairs
            if p.before and p.after
        ),
        long_lived_connections=_changes(
            long_lived_connections(before.streams), long_lived_connections(after.streams), missing=0
        ),
        http1_peaks=_changes(
            {h: p.connections for h, p in peaks_before.items()},
            {h: p.connections for h, p in peaks_after.items()},
            missing=0,
        ),
        latency_p50=_changes(
            {v: x.p50_ms for v, x in latency_before.items()}, {v: x.p50_ms for v, x in latency_after.items()}
        ),
        latency_p95=_changes(
            {v: x.p95_ms for v, x in latency_before.items()}, {v: x.p95_ms for v, x in latency_after.items()}
        ),
    )


def pair_loads(before: Sequence[Navigation], after: Sequence[Navigation]) -> list[LoadPair]:
    """Match page loads by URL (path and query, whatever the host), then by path, each in order; the k-th load
    of a URL in the baseline goes with the k-th in the current capture. Unmatched loads are new or gone.

    URLs are compared with their secrets redacted on both sides: a token that changed between two runs does not
    keep two loads of the same page apart, and the pairing does not depend on what the outputs show."""
    matched: dict[int, Navigation] = {}  # current index -> baseline load
    for normalise in (_path_and_query, _path):
        used = {load.index for load in matched.values()}
        queues: dict[str, list[Navigation]] = {}
        for load in before:
            if load.index not in used:
                queues.setdefault(normalise(load.url), []).append(load)
        for load in after:
            queue = queues.get(normalise(load.url))
            if load.index not in matched and queue:
                matched[load.index] = queue.pop(0)
    pairs = [LoadPair(matched.get(load.index), load) for load in after]
    paired = {load.index for load in matched.values()}
    return pairs + [LoadPair(load, None) for load in before if load.index not in paired]


def _path_and_query(url: str | None) -> str:
    parts = urlsplit(redact_url(url or ""))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _path(url: str | None) -> str:
    return urlsplit(redact_url(url or "")).path


def _resources(pair: LoadPair) -> list[ResourceDiff]:
    before = {r.key: r for r in pair.before.resources} if pair.before else {}
    after = {r.key: r for r in pair.after.resources} if pair.after else {}
    return [ResourceDiff(pair, key, before.get(key), after.get(key)) for key in sorted(before.keys() | after.keys())]


def _usage(verdict: ResourceVerdict) -> tuple[object, ...]:
    """What `is_changed` compares (not the load's index, which a pair may change, nor the bytes)."""
    return (
        verdict.mode,
        verdict.counts,
        verdict.poll_interval_s,
        verdict.requests_per_min,
        verdict.reads,
        verdict.watches,
    )


def _finding_changes(
    baseline: Summary, current: Summary, pairs: Sequence[LoadPair]
) -> tuple[tuple[Finding, ...], tuple[Finding, ...]]:
    """Findings are the same when their id, subject and (matched) page load are."""
    to_baseline = {p.after.index: p.before.index for p in pairs if p.after and p.before}

    def identity(finding: Finding, slot: Hashable) -> Hashable:
        return (finding.id, finding.resource, slot)

    before = Counter(identity(f, f.navigation) for f in baseline.findings)
    after = Counter(
        identity(f, None if f.navigation is None else to_baseline.get(f.navigation, ("new", f.navigation)))
        for f in current.findings
    )
    new = _surplus(
        current.findings,
        after - before,
        lambda f: identity(f, None if f.navigation is None else to_baseline.get(f.navigation, ("new", f.navigation))),
    )
    gone = _surplus(baseline.findings, before - after, lambda f: identity(f, f.navigation))
    return new, gone


def _surplus(
    findings: Sequence[Finding], extra: Counter[Hashable], identity: Callable[[Finding], Hashable]
) -> tuple[Finding, ...]:
    chosen = []
    for finding in findings:
        key = identity(finding)
        if extra[key] > 0:
            extra[key] -= 1
            chosen.append(finding)
    return tuple(chosen)


def _changes(
    before: Mapping[str, float], after: Mapping[str, float], missing: float | None = None
) -> tuple[Change, ...]:
    """Per name on either side; `missing` stands for a name one side lacks (0 for counts, None for latency)."""
    names = sorted(before.keys() | after.keys())
    return tuple(Change(name, before.get(name, missing), after.get(name, missing)) for name in names)
