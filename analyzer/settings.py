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
