"""Bridges from other HAR libraries into our Capture; each optional dependency is imported only when used."""

from __future__ import annotations

from analyzer.interop.haralyzer import capture_from_haralyzer

__all__ = ["capture_from_haralyzer"]
