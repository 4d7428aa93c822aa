"""Who sent the requests behind each verdict and finding: one short label per request, from its initiator.

A console sends every read through the same few functions (`request`, `getResource`, the page's entry point),
so the top of a stack rarely says why a request was sent. A frame (function, script and line) that requests of
different modes (watch, poll, once) all pass through is such plumbing; the label is made of the first two
frames that are not, async parents included: `poll ← watchResource (console.js:160)` for the simulator's
polling, `createPollObservable ← watchResource` for the seed's console.
Where every frame is plumbing (a page that reads everything one way), the top two frames are the label.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence

import msgspec
import pandas as pd

from analyzer.har.loader import Capture
from analyzer.summary import Finding, Initiator, ResourceVerdict, Stream

MAX_LABELS = 3  # distinct initiators named per verdict or finding
NO_INITIATORS_NOTE = ("this writer records no initiators (Firefox, Playwright and Safari do not; Chrome DevTools, "
                      "chrome-har and har-analyzer record do): who sent each request is not known")  # fmt: skip


def read_initiators(capture: Capture, accesses: pd.DataFrame, streams: Sequence[Stream]) -> dict[int, Initiator]:
    """The initiators of the Kubernetes and long-lived requests, by request index (read lazily, once each)."""
    indices = sorted({int(i) for i in accesses["index"]} | {s.index for s in streams})
    return capture.initiators(indices)


def request_labels(initiators: Mapping[int, Initiator], verdicts: Sequence[ResourceVerdict]) -> dict[int, str]:
    """One label per request that has an initiator."""
    mode_of = {i: v.mode for v in verdicts for i in (*v.reads, *v.watches)}
    sent: dict[Initiator, list[int]] = defaultdict(list)  # the loader reads each distinct initiator once
    for index, initiator in initiators.items():
        sent[initiator].append(index)
    modes: dict[str, set[str]] = defaultdict(set)
    for initiator, indices in sent.items():
        used_by = {mode_of.get(index, "") for index in indices}
        for frame in _named(initiator.frames):
            modes[frame] |= used_by
    plumbing = {frame for frame, used_by in modes.items() if len(used_by) > 1}
    labels = {initiator: _label(initiator, plumbing) for initiator in sent}
    return {index: label for initiator, indices in sent.items() if (label := labels[initiator]) for index in indices}


def with_initiators(
    verdicts: Sequence[ResourceVerdict], findings: Sequence[Finding], labels: Mapping[int, str]
) -> tuple[list[ResourceVerdict], list[Finding]]:
    """The verdicts and findings with the distinct labels of their requests, most requests first."""
    return (
        [msgspec.structs.replace(v, initiators=_most_common(labels, (*v.reads, *v.watches))) for v in verdicts],
        [msgspec.structs.replace(f, initiators=_most_common(labels, f.evidence)) for f in findings],
    )


def _most_common(labels: Mapping[int, str], indices: Iterable[int]) -> tuple[str, ...]:
    counts = Counter(labels[i] for i in indices if i in labels)
    return tuple(label for label, _ in counts.most_common(MAX_LABELS))


def _named(frames: Sequence[str]) -> list[str]:
    """The frames of named functions (no anonymous ones, no async boundaries)."""
    return [f for f in frames if not f.startswith("(")]


def _label(initiator: Initiator, plumbing: set[str]) -> str | None:
    named = _named(initiator.frames)
    chosen = [f for f in named if f not in plumbing][:2] or named[:2]
    if not chosen:
        if initiator.url is None:
            return None
        place = initiator.url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1] or initiator.url
        where = f"{place}:{initiator.line}" if initiator.line is not None else place
        return f"{initiator.type} ({where})" if initiator.type else where
    functions = [frame.rsplit(" (", 1)[0] for frame in chosen]
    location = chosen[0].rsplit(" (", 1)[-1].rstrip(")")
    return f"{' ← '.join(functions)} ({location})"
