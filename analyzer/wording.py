"""Wording shared by the analysis' texts and every view."""

from __future__ import annotations


def plural(count: int, noun: str, many: str | None = None) -> str:
    """`1 page load`, `2 page loads` (`many` for a plural that is not noun + s)."""
    return f"{count} {noun if count == 1 else many or noun + 's'}"
