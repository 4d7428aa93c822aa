"""Everything the analysis can be told, in one object passed to it: console prefixes and thresholds.

Defaults are what the verdicts and findings were calibrated on; `analyzer.config.load_settings` reads a user's
`har-analyzer.toml`, `[tool.har-analyzer]` in `pyproject.toml` or `--config FILE` into one (docs/settings.md).
No globals, no environment reads: the CLI passes the object it built. The gate's policy is separate: it says
what must hold, not how to measure.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from analyzer.k8s import Classifier, parse_prefix
from analyzer.model import Prefix

# 2,000 characters: real console strings stay far under it (918 at most in samples/: an initiator), so no real
# capture is cut, and a hostile capture's 500 MB string costs a view 2 kB (docs/security.md, "Long strings").
DEFAULT_MAX_TEXT_LENGTH = 2_000

if TYPE_CHECKING:
    import pyarrow as pa

    from analyzer.k8s.discovery import DiscoveredPrefix


@dataclass(frozen=True)
class Settings:
    # Console or gateway prefixes in front of the Kubernetes API beyond the built-in ones (`--prefix` first);
    # `"auto"` (`--prefix auto`) adds every prefix the capture shows the API behind (what the analysis suggests).
    prefixes: tuple[Prefix, ...] = ()
    # Chrome opens at most six HTTP/1.x connections per host; six open streams leave nothing for others.
    connection_limit: int = 6
    # A long poll: a request held open at least this long ...
    long_poll_min_ms: float = 10_000.0
    # ... and at least this many times its host's median request time.
    long_poll_host_factor: float = 10.0
    # An abort this close to the next navigation's start was caused by that navigation.
    abort_navigation_window_ms: float = 1_500.0
    # A request that spent this long in `blocked`/`_blocked_queueing` waited in the browser's queue.
    queued_min_ms: float = 100.0
    # Two documents this close, the first a redirect, are one navigation.
    redirect_window_ms: float = 5_000.0
    # Polling: this many reads or more ...
    poll_min_reads: int = 3
    # ... whose gaps have a coefficient of variation at most this.
    poll_max_cv: float = 0.25
    # A relist storm: this many re-lists of one key ...
    relist_storm_count: int = 3
    # ... within this window.
    relist_storm_window_s: float = 60.0
    # A reconnect storm: this many watches on one key ...
    reconnect_storm_count: int = 5
    # ... each living under this ...
    reconnect_storm_max_life_s: float = 5.0
    # ... within this window.
    reconnect_storm_window_s: float = 60.0
    # A complete watch shorter than this share of its timeoutSeconds ended early.
    ended_early_fraction: float = 0.5
    # The same get/list URL twice within this window is a duplicate.
    duplicate_window_s: float = 1.0
    # A list this soon after an expired or failed watch is its re-list.
    relist_after_s: float = 60.0
    # A read this close to the end of a load may precede a watch the writer left out.
    near_end_s: float = 30.0
    # Reading a compressed capture (.gz, .zip, .zhar): stop when it expands past this many times its compressed
    # size (0: no ratio check). Generated DevTools captures compress about 80:1; a decompression bomb about 1000:1.
    # HAR_ANALYZER_MAX_EXPANSION overrides it (docs/security.md).
    max_expansion: float = 200.0
    # ... or past this many bytes, whatever the ratio (8 GiB). HAR_ANALYZER_MAX_DECOMPRESSED_BYTES overrides it.
    max_decompressed_bytes: int = 8 * 1024**3
    # The views (terminal, Markdown, the HTML report, JUnit, the gate's text) show at most this many characters
    # of any one capture string (a URL, a header value, a title), then a marked cut saying how many were left
    # out; the data formats (JSON, CSV, Parquet) keep whole values. HAR_ANALYZER_MAX_TEXT_LENGTH overrides it.
    max_text_length: int = DEFAULT_MAX_TEXT_LENGTH
    # Set by `"auto"` among the prefixes, not a key of its own: `resolve_prefixes` adds those of the capture.
    discover_prefixes: bool = False

    @functools.cached_property
    def classifier(self) -> Classifier:
        """The request classifier for these prefixes, built once per Settings."""
        return Classifier(self.prefixes)


# The keys a settings file may set: every field (prefixes are written as patterns, `"auto"` among them sets
# `discover_prefixes`).
SETTING_NAMES: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Settings) if f.name != "discover_prefixes")
# The prefix pattern that asks for the capture's own prefixes.
AUTO_PREFIX = "auto"


def resolve_prefixes(
    settings: Settings, urls: pa.Array | pa.ChunkedArray | Sequence[str | None]
) -> tuple[Settings, list[DiscoveredPrefix]]:
    """The settings for one capture, whose request URLs are `urls`.

    Returns:
        Under `--prefix auto`: the settings with the explicit prefixes, then every prefix discovery finds in
        `urls` (auto resolved), and those found; otherwise the settings as they are, and nothing.
    """
    if not settings.discover_prefixes:
        return settings, []
    from analyzer.k8s.discovery import discover_prefixes  # Arrow, only for a capture

    found = discover_prefixes(urls, settings.classifier)
    added = tuple(parse_prefix(d.pattern) for d in found)
    return dataclasses.replace(settings, prefixes=settings.prefixes + added, discover_prefixes=False), found
