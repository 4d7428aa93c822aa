"""The load N open pages would put on the API server (`analyze --users N`), per page load and per resource, as
the terminal, Markdown and HTML views show it: requests a minute, and open watches, watch against poll.

The page-load figures are the summary's (`Summary.summary.cost`); a resource's are its verdict's measured
rate, or for a polled one its measured interval, times N. A rate measured over less than a minute is not
multiplied (`NOT_PROJECTED`): a few seconds say nothing about a minute.
"""

from __future__ import annotations

from typing import NamedTuple

from analyzer.render.timeline import number
from analyzer.summary import LoadCost, Mode, ResourceVerdict, Summary
from analyzer.wording import plural

NOT_PROJECTED = "under a minute: not projected"
NOT_PROJECTED_SHORT = "not projected"  # in a terminal's narrow cell, with NOT_PROJECTED said once below
WHOLE_LOAD = "(whole page load)"  # the resource cell of a page load's own row


class ProjectionRow(NamedTuple):
    """One page load (`mode` None) or one of its resources, projected for N users."""

    load: str  # "1 reload"
    resource: str  # the resource key, or WHOLE_LOAD
    mode: Mode | None
    requests_per_min: float | None  # all its requests; None when the load lasted under a minute
    polling_per_min: float | None  # its polling reads; None when nothing is polled
    if_watched_per_min: float | None  # what watching the polled resources instead would cost; None when none
    watches: int  # watches held open
    watches_if_watched: int | None  # held open if the polled resources were watched; None when none is polled


def projection_title(summary: Summary) -> str | None:
    """`projected for 200 users (a watched resource costs 1 request a minute)`; None without `--users`."""
    cost = summary.summary.cost
    if not cost.users:
        return None
    return f"projected for {plural(cost.users, 'user')} ({cost.watch_assumption})"


def projection_rows(summary: Summary) -> list[ProjectionRow]:
    """Each page load, then its resources; empty without `--users`."""
    users = summary.summary.cost.users
    if not users:
        return []
    costs = {c.navigation: c for c in summary.summary.cost.per_navigation}
    rows: list[ProjectionRow] = []
    for navigation in summary.navigations:
        cost = costs.get(navigation.index)
        if cost is None:
            continue
        load = f"{navigation.index} {navigation.trigger}"
        polled = sum(_is_polled(v.mode) for v in navigation.resources)
        watched = sum("watch" in v.mode for v in navigation.resources)
        # watching instead: every polled resource watched, and a resource both watched and polled keeps its watch
        either = sum(_is_polled(v.mode) or "watch" in v.mode for v in navigation.resources)
        # the summary prices watching every polled resource of the load: each one's share is the same
        per_watch = (cost.if_watched_requests_per_min or 0.0) / polled if polled else None
        rows.append(_load_row(load, cost, users, polled=polled, watched=watched, either=either))
        rows += [_resource_row(load, v, users, per_watch) for v in navigation.resources]
    return rows


def _load_row(load: str, cost: LoadCost, users: int, *, polled: int, watched: int, either: int) -> ProjectionRow:
    return ProjectionRow(
        load=load,
        resource=WHOLE_LOAD,
        mode=None,
        requests_per_min=cost.api_requests_per_min,
        polling_per_min=cost.polling_requests_per_min if polled else None,
        if_watched_per_min=cost.if_watched_requests_per_min if polled else None,
        watches=watched * users,
        watches_if_watched=either * users if polled else None,
    )


def _resource_row(load: str, verdict: ResourceVerdict, users: int, per_watch: float | None) -> ProjectionRow:
    is_polled = _is_polled(verdict.mode)
    polling = _polls_per_min(verdict) if is_polled else None
    measured = verdict.requests_per_min
    if measured is not None:
        total: float | None = round(measured * users, 1)
    elif verdict.mode == "poll" and polling is not None:
        total = round(polling * users, 1)  # its reads are all its requests, at the interval measured
    else:
        total = None
    return ProjectionRow(
        load=load,
        resource=verdict.key,
        mode=verdict.mode,
        requests_per_min=total,
        polling_per_min=None if polling is None else round(polling * users, 1),
        if_watched_per_min=round(per_watch, 1) if is_polled and per_watch is not None else None,
        watches=users if "watch" in verdict.mode else 0,
        watches_if_watched=users if is_polled else None,
    )


def _is_polled(mode: Mode) -> bool:
    return "poll" in mode


def _polls_per_min(verdict: ResourceVerdict) -> float | None:
    """Reads a minute of one page polling the resource: from its interval, else its measured rate (as the
    summary's page-load figure counts them)."""
    if verdict.poll_interval_s:
        return 60.0 / verdict.poll_interval_s
    return verdict.requests_per_min


def rate_cell(value: float | None, unknown: str = NOT_PROJECTED) -> str:
    """A projected rate in whole requests a minute (`2399`); `unknown` when the load lasted under a minute."""
    return unknown if value is None else number(round(value))


def optional_cell(value: float | None) -> str:
    """A figure that applies only to polled resources: blank elsewhere."""
    return "" if value is None else number(round(value))
