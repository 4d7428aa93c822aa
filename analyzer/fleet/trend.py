"""How each page's use of each resource changed across a fleet of captures: the `trend` result, typed, and the
pure computation of it from the dataset's rows (read by `analyzer.fleet.observations`).

The axis is the captures' start (each distinct start one value, in time order) or a label's values (`--by`):
numeric order when every value is an integer, else by each value's earliest capture start. A series is one page
(`loads.url_path` and `loads.trigger`) and one resource key; its point at an axis value sums the page's loads at
that value (across the captures that share it):

- `mode`: the most frequent mode; a tie goes to the mode that costs the API server more (MODE_PRECEDENCE:
  poll, watch+poll, watch, once), so that a value where half the captures poll shows as polling;
- `requests_per_min`: the median over the loads that have one (a load under 60 s has none);
- `findings`: how many findings of each id name that load and resource.

A change is found between consecutive points of a series (an axis value where the page did not read the resource
is skipped): any change of mode; a change of requests a minute by `Thresholds.rate_change` (relative) and at
least `Thresholds.rate_floor`; a finding id appearing or disappearing. Headlines are the changes from `watch` to
`poll` or `watch+poll`: since when a page polls.
"""

from __future__ import annotations

import itertools
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Literal, TypeGuard

import msgspec

from analyzer.errors import ConfigError
from analyzer.summary import Mode, Trigger
from analyzer.wording import plural

TREND_SCHEMA = "har-analyzer/trend/v1"
# Which mode a tie goes to: the one that costs the API server more first.
MODE_PRECEDENCE: tuple[Mode, ...] = ("poll", "watch+poll", "watch", "once")
POLLING: frozenset[Mode] = frozenset({"poll", "watch+poll"})
AxisOrder = Literal["start", "numeric", "first-start"]
_INTEGER = re.compile(r"[+-]?\d+")
_TRIGGERS: tuple[Trigger, ...] = ("initial", "reload", "navigate")


class Thresholds(msgspec.Struct, frozen=True):
    """When a series' requests a minute count as changed: by `rate_change` of the earlier value (0.5: ±50 %)
    and by at least `rate_floor` requests a minute."""

    rate_change: float = 0.5
    rate_floor: float = 1.0


class Capture(msgspec.Struct, frozen=True):
    """A row of `captures`, as the trend reads it."""

    capture_id: str | None
    started: datetime | None
    labels: dict[str, str]
    failed: bool  # it could not be read (its `error`): no row elsewhere
    redacted: bool  # False: analysed with --show-secrets


class Observation(msgspec.Struct, frozen=True):
    """One page load's use of one resource: a row of `resources` with its load's page and its findings."""

    capture_id: str
    url_path: str | None
    trigger: Trigger
    resource: str
    mode: Mode
    requests: int  # its get, list and watch requests
    requests_per_min: float | None
    findings: tuple[str, ...]  # ids of the findings that name this load and resource, one per finding


class AxisValue(msgspec.Struct, frozen=True):
    value: str  # the label's value, or the capture start (ISO 8601, UTC)
    captures: int
    started: datetime | None  # its earliest capture start


class Axis(msgspec.Struct, frozen=True):
    by: str | None  # the label; None: the captures' start
    order: AxisOrder  # start (time), numeric (every value an integer), first-start (each value's earliest start)
    values: tuple[AxisValue, ...]


class Point(msgspec.Struct, frozen=True):
    """A series at one axis value."""

    value: str
    loads: int  # page loads that read the resource at this value
    mode: Mode
    modes: dict[Mode, int]  # loads per mode
    requests: float  # median get, list and watch requests per load
    requests_per_min: float | None  # median over the loads of 60 s or more; None: none was
    findings: dict[str, int]  # findings per id


class ModeChange(msgspec.Struct, frozen=True, tag="mode"):
    at: str  # the axis value where it changed
    previous: str  # the axis value it is compared with
    before: Mode
    after: Mode


class RateChange(msgspec.Struct, frozen=True, tag="rate"):
    at: str
    previous: str
    before: float  # requests a minute
    after: float


class FindingsChange(msgspec.Struct, frozen=True, tag="findings"):
    at: str
    previous: str
    appeared: tuple[str, ...]  # finding ids
    disappeared: tuple[str, ...]


Change = ModeChange | RateChange | FindingsChange


class Series(msgspec.Struct, frozen=True):
    """One page and one resource over the axis."""

    url_path: str | None
    trigger: Trigger
    resource: str
    points: tuple[Point, ...]  # in axis order, only where the page read the resource
    changes: tuple[Change, ...]  # in axis order
    mode_changed_at: str | None  # the first axis value where each changed
    rate_changed_at: str | None
    findings_changed_at: str | None


class Headline(msgspec.Struct, frozen=True):
    """A page that went from watching a resource to polling it."""

    url_path: str | None
    trigger: Trigger
    resource: str
    change: ModeChange


class Trend(msgspec.Struct, frozen=True):
    dataset: str
    captures: int  # on the axis
    axis: Axis
    headlines: tuple[Headline, ...]  # in axis order
    series: tuple[Series, ...]  # headlines' first, then those that changed, then the rest; by page and resource
    thresholds: Thresholds
    notes: tuple[str, ...]
    schema: Literal["har-analyzer/trend/v1"] = "har-analyzer/trend/v1"


def build_trend(
    dataset: str,
    captures: Sequence[Capture],
    observations: Iterable[Observation],
    by: str | None = None,
    thresholds: Thresholds | None = None,
) -> Trend:
    """The trend of a dataset: all of its `captures` rows, and the observations of the captures that were read.

    Raises:
        ConfigError: `by` names a label that no capture has (in a dataset with captures).
    """
    thresholds = thresholds or Thresholds()
    placed, notes = _placed(captures, by)
    axis = order_axis([(value, started) for value, started in placed.values()], by)
    position = {v.value: i for i, v in enumerate(axis.values)}
    grouped: defaultdict[tuple[str | None, Trigger, str], defaultdict[str, list[Observation]]]
    grouped = defaultdict(lambda: defaultdict(list))
    for row in observations:
        if row.capture_id in placed:
            grouped[(row.url_path, row.trigger, row.resource)][placed[row.capture_id][0]].append(row)
    series = [
        _series(key, [point(value, at[value]) for value in sorted(at, key=position.__getitem__)], thresholds)
        for key, at in grouped.items()
    ]
    headlines = sorted(
        (Headline(s.url_path, s.trigger, s.resource, c) for s in series for c in s.changes if is_headline(c)),
        key=lambda h: (position[h.change.at], *_order(h.url_path, h.trigger, h.resource)),
    )
    series.sort(key=lambda s: (_rank(s), *_order(s.url_path, s.trigger, s.resource)))
    return Trend(dataset, len(placed), axis, tuple(headlines), tuple(series), thresholds, tuple(notes))


def _placed(captures: Sequence[Capture], by: str | None) -> tuple[dict[str, tuple[str, datetime | None]], list[str]]:
    """Each capture on the axis: its value and start by id; and notes on the captures left out."""
    read = [c for c in captures if not c.failed and c.capture_id is not None]
    if by is not None and read and not any(by in c.labels for c in read):
        keys = sorted({k for c in read for k in c.labels})
        raise ConfigError(f"no capture has the label {by!r} (labels: {', '.join(keys) or 'none'})")
    placed = {
        c.capture_id: (value, c.started) for c in read if c.capture_id and (value := _axis_value(c, by)) is not None
    }
    notes = []
    if len(captures) > len(read):
        notes.append(f"{plural(len(captures) - len(read), 'capture')} could not be read: left out")
    if len(read) > len(placed):
        reason = f"without the label {by!r}" if by is not None else "without a start (no request)"
        notes.append(f"{plural(len(read) - len(placed), 'capture')} {reason}: left out")
    shown = sum(1 for c in read if not c.redacted)
    if shown:
        notes.append(f"{plural(shown, 'capture')} analysed with --show-secrets: their URLs are not redacted")
    return placed, notes


def _axis_value(capture: Capture, by: str | None) -> str | None:
    if by is not None:
        return capture.labels.get(by)
    return None if capture.started is None else start_value(capture.started)


def start_value(started: datetime) -> str:
    """A capture start as an axis value: ISO 8601 in UTC, to the millisecond."""
    return started.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def order_axis(captures: Sequence[tuple[str, datetime | None]], by: str | None) -> Axis:
    """The axis from each capture's value and start (module doc): the captures' starts in time order without
    `by`; a label's values in numeric order when all are integers, else by their earliest capture start (then
    by value)."""
    counts = Counter(value for value, _ in captures)
    earliest: dict[str, datetime | None] = {}
    for value, started in captures:
        known = earliest.get(value)
        earliest[value] = started if known is None else min(known, started or known)
    order: AxisOrder = "start" if by is None else "first-start"
    if by is not None and all(_INTEGER.fullmatch(value) for value in counts):
        order, values = "numeric", sorted(counts, key=lambda value: (int(value), value))
    else:
        values = sorted(counts, key=lambda value: (earliest[value] is None, earliest[value] or _NO_START, value))
    return Axis(by, order, tuple(AxisValue(v, counts[v], earliest[v]) for v in values))


_NO_START = datetime.min.replace(tzinfo=UTC)


def point(value: str, rows: Sequence[Observation]) -> Point:
    """A series at one axis value, from the page's loads there (module doc)."""
    modes = Counter(row.mode for row in rows)
    mode = min(modes, key=lambda m: (-modes[m], MODE_PRECEDENCE.index(m)))
    rates = [row.requests_per_min for row in rows if row.requests_per_min is not None]
    findings = Counter(finding for row in rows for finding in row.findings)
    return Point(
        value=value,
        loads=len(rows),
        mode=mode,
        modes={m: modes[m] for m in MODE_PRECEDENCE if m in modes},
        requests=float(statistics.median(row.requests for row in rows)),
        requests_per_min=float(statistics.median(rates)) if rates else None,
        findings=dict(sorted(findings.items())),
    )


def find_changes(points: Sequence[Point], thresholds: Thresholds) -> list[Change]:
    """The changes between consecutive points, in axis order; requests a minute against the last point that has
    them."""
    changes: list[Change] = []
    rated = _rate_of(points[0]) if points else None  # the last point with requests a minute: (value, rate)
    for before, after in itertools.pairwise(points):
        if after.mode != before.mode:
            changes.append(ModeChange(after.value, before.value, before.mode, after.mode))
        rate = _rate_of(after)
        if rate is not None:
            if rated is not None and is_rate_change(rated[1], rate[1], thresholds):
                changes.append(RateChange(after.value, rated[0], rated[1], rate[1]))
            rated = rate
        appeared = tuple(sorted(after.findings.keys() - before.findings.keys()))
        disappeared = tuple(sorted(before.findings.keys() - after.findings.keys()))
        if appeared or disappeared:
            changes.append(FindingsChange(after.value, before.value, appeared, disappeared))
    return changes


def _rate_of(point: Point) -> tuple[str, float] | None:
    return None if point.requests_per_min is None else (point.value, point.requests_per_min)


def is_rate_change(before: float, after: float, thresholds: Thresholds) -> bool:
    """Whether requests a minute went from `before` to `after` by the thresholds (`Thresholds`)."""
    delta = abs(after - before)
    return delta >= thresholds.rate_floor and (before == 0 or delta / before >= thresholds.rate_change)


def is_headline(change: Change) -> TypeGuard[ModeChange]:
    """A change from watching to polling (`poll`, or `watch+poll`)."""
    return isinstance(change, ModeChange) and change.before == "watch" and change.after in POLLING


def _series(key: tuple[str | None, Trigger, str], points: Sequence[Point], thresholds: Thresholds) -> Series:
    changes = find_changes(points, thresholds)

    def first(kind: type[ModeChange] | type[RateChange] | type[FindingsChange]) -> str | None:
        return next((c.at for c in changes if isinstance(c, kind)), None)

    return Series(*key, tuple(points), tuple(changes), first(ModeChange), first(RateChange), first(FindingsChange))


def _rank(series: Series) -> int:
    """Series that went from watch to poll first, then those that changed, then the rest."""
    if any(is_headline(c) for c in series.changes):
        return 0
    return 1 if series.changes else 2


def _order(url_path: str | None, trigger: Trigger, resource: str) -> tuple[str, int, str]:
    return url_path or "", _TRIGGERS.index(trigger), resource
