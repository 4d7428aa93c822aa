"""How to load a capture for the analysis: what the loader's worker processes can do for it while they decode.

Cheap to import (no pandas): the CLI asks for these before the analysis is imported, and imports it while the
workers decode (`load_capture(meanwhile=...)`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from analyzer.analysis.watch_events import WATCH_BODIES
from analyzer.har.hooks import Digest, Refine
from analyzer.settings import Settings


@dataclass(frozen=True)
class Preparation:
    """`load_capture`'s `refine` and `digest` for an analysis with these settings."""

    refine: Refine | None  # classify the requests (`analyzer.k8s.request_table.classify_entries`)
    digest: Digest  # count the events of the watches' bodies (`watch_events.WATCH_BODIES`)


def preparation(settings: Settings) -> Preparation:
    """The workers classify their share of the requests with the settings' prefixes (not under `--prefix auto`,
    whose prefixes come from the whole capture: `derive` classifies then) and count the events of each watch's
    body. `analyze` gives the same result on a capture loaded with or without them."""
    if settings.discover_prefixes:
        return Preparation(None, WATCH_BODIES)
    from analyzer.k8s.request_table import classify_entries

    classifier = settings.classifier

    def classify(entries: Any) -> Any:  # run by each worker process, on its share of the entries
        return classify_entries(entries, classifier)

    return Preparation(classify, WATCH_BODIES)
