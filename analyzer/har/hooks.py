"""What a caller may hand the loader to run while it reads: a progress callback, a refinement of the rows, and a
digest of some response bodies."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from analyzer.model import Body

Progress = Callable[[int, int], None]  # (entries done, entries in all)
Refine = Callable[[Any], Any]  # a pyarrow.Table of entries -> the same rows with more columns


@dataclass(frozen=True)
class Digest:
    """Some entries' response bodies reduced to a few bytes each where the entries are decoded (in each worker
    process, on its share, from the bytes it holds already), so that the caller reads those bytes
    (`Capture.digests`) instead of the bodies: a second decode of each of those entries, in the caller's process.

    An entry the loader had to repair, or whose body is in a sidecar file (Playwright's `attach` mode), gets no
    digest: the caller reads its body."""

    name: str  # what the bytes hold: `Capture.digests` gives them only to a caller that asks by this name
    wants: Callable[[str], bool]  # from its request URL: whether an entry's body is reduced
    reduce: Callable[[Body | None], bytes]  # a body (None: its writer kept none) -> its digest
