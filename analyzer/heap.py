"""Memory the C library's allocator holds after a big step frees it, handed back to the system.

glibc keeps what Python and Arrow free in its heap for reuse, and a later step's big buffers (Arrow's, mapped
on their own) cannot reuse the small holes left: the process then holds both. `hand_back` returns the free
pages (glibc's `malloc_trim`); elsewhere (macOS, musl) it does nothing.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable
from functools import cache


def hand_back() -> None:
    """Give the allocator's free pages back to the system, where it can (glibc)."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim: Callable[[int], int] = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc
        return None
    return trim
