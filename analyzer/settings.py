"""Thresholds of the analysis, in one place, passed to the analysis functions (no globals, no env reads)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    # Chrome opens at most six HTTP/1.x connections per host; six open streams leave nothing for others.
    connection_limit: int = 6
    # A request held open this long (and well beyond its host's median) is a long poll.
    long_poll_min_ms: float = 10_000.0
    long_poll_host_factor: float = 10.0
    # An abort this close to the next navigation's start was caused by that navigation.
    abort_navigation_window_ms: float = 1_500.0
    # A request that spent this long in `blocked`/`_blocked_queueing` waited in the browser's queue.
    queued_min_ms: float = 100.0
    # Two documents this close, the first a redirect, are one navigation.
    redirect_window_ms: float = 5_000.0


@dataclass(frozen=True)
class VerdictSettings:
    """Thresholds of the watch/poll verdicts and of the findings (defaults from the verdicts issue)."""

    poll_min_reads: int = 3  # three or more reads ...
    poll_max_cv: float = 0.25  # ... whose gaps have a coefficient of variation at most this
    relist_storm_count: int = 3  # re-lists of one key ...
    relist_storm_window_s: float = 60.0  # ... within this window
    reconnect_storm_count: int = 5  # watches on one key ...
    reconnect_storm_max_life_s: float = 5.0  # ... each living under this ...
    reconnect_storm_window_s: float = 60.0  # ... within this window
    ended_early_fraction: float = 0.5  # a complete watch shorter than this share of its timeoutSeconds
    duplicate_window_s: float = 1.0  # the same get/list URL twice within this window
    relist_after_s: float = 60.0  # a read this soon after an expiry is its re-list
    near_end_s: float = 30.0  # a read this close to the end of a load may precede an omitted watch
