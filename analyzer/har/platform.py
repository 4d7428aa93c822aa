"""What this platform offers the loader, detected once, and the one choice made from it: which path reads.

The fast path (Linux) maps a plain capture file and frames its runs in place in a private copy-on-write mapping,
handing the pages back with madvise; it decodes a big capture in forked workers whose results come back in
memfds, and reads the bytes around the entries with pread. The plain path (macOS, Windows, or forced) reads the
file with read() and decodes it in this process, with nothing of the above.
"""

from __future__ import annotations

import enum
import functools
import mmap
import os
import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class Platform:
    """The capabilities the loader's fast path rests on; a test builds one with some of them missing."""

    has_pread: bool  # os.pread/os.preadv: reads at an offset that leave the descriptor's position alone
    can_fork_workers: bool  # os.fork where forking a process that has loaded our libraries is safe (Linux)
    has_memfd: bool  # os.memfd_create: the anonymous file a worker writes its result into
    has_private_mmap: bool  # mmap's copy-on-write mappings and madvise(MADV_DONTNEED): runs framed in place


# What the plain path assumes: none of it.
PORTABLE = Platform(has_pread=False, can_fork_workers=False, has_memfd=False, has_private_mmap=False)

# The platform the loader plans for instead of the detected one, when set: the test suite's `--portable-loader`
# sets PORTABLE (a switch for tests; the loader reads no environment variable).
forced: Platform | None = None


class LoadPath(enum.Enum):
    FAST = "fast"  # mapped and read in place; big captures decoded in forked workers
    PLAIN = "plain"  # read() whole and decoded in this process


@functools.cache
def detect_platform() -> Platform:
    # macOS has fork, but forking a process that has loaded system frameworks is not safe there.
    return Platform(
        has_pread=hasattr(os, "pread") and hasattr(os, "preadv"),
        can_fork_workers=sys.platform == "linux" and hasattr(os, "fork"),
        has_memfd=hasattr(os, "memfd_create"),
        has_private_mmap=hasattr(mmap, "ACCESS_COPY") and hasattr(mmap, "MADV_DONTNEED"),
    )


def loader_platform(portable: bool | None = None) -> Platform:
    """The platform a load plans for.

    Args:
        portable: True plans for none of the fast path's capabilities; False for what this platform has;
            None for `forced` when it is set, else for what this platform has.
    """
    if portable:
        return PORTABLE
    if portable is None and forced is not None:
        return forced
    return detect_platform()


def choose_path(platform: Platform) -> LoadPath:
    """The fast path where the platform can map, frame in place and fork workers; the plain path elsewhere.

    pread is not among the conditions: without it the fast path reads with seek and readinto
    (`Source.read_into`), and decodes in this process (`can_decode_in_workers`).
    """
    is_fast = platform.has_private_mmap and platform.can_fork_workers and platform.has_memfd
    return LoadPath.FAST if is_fast else LoadPath.PLAIN


def can_decode_in_workers(platform: Platform) -> bool:
    """Whether the fast path may fork workers: forked children share the file's descriptor and so its position,
    which only positional reads (pread) leave alone."""
    return choose_path(platform) is LoadPath.FAST and platform.has_pread
