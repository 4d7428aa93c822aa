"""`heap.hand_back`: the pages glibc keeps after a free go back to the system."""

from __future__ import annotations

import platform
import sys

import pytest

from analyzer import heap


def _resident_mb() -> int:
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) // 1024 for line in status if line.startswith("VmRSS:"))


@pytest.mark.skipif(not sys.platform.startswith("linux") or platform.libc_ver()[0] != "glibc", reason="glibc only")
def test_freed_memory_under_a_live_block_is_given_back() -> None:
    blocks = [bytearray(60_000) for _ in range(1_000)]  # under glibc's mapping threshold: in its heap
    pin = bytearray(60_000)  # above them, so that freeing them leaves the heap's top where it is
    held = _resident_mb()
    del blocks
    assert _resident_mb() > held - 10  # freed, yet still held by the process
    heap.hand_back()
    assert _resident_mb() < held - 40  # 57 MB were freed
    del pin


def test_hand_back_does_nothing_where_there_is_no_malloc_trim(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "darwin")
    heap._malloc_trim.cache_clear()
    try:
        assert heap._malloc_trim() is None
        heap.hand_back()
    finally:
        heap._malloc_trim.cache_clear()
