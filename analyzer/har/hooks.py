"""What a caller may hand the loader to run while it reads: a progress callback, a refinement of the rows, and
work of its own for the time the loader's worker processes decode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Progress = Callable[[int, int], None]  # (entries done, entries in all)
Refine = Callable[[Any], Any]  # a pyarrow.Table of entries -> the same rows with more columns
Meanwhile = Callable[[], None]  # the caller's own work (its imports), done while worker processes decode
