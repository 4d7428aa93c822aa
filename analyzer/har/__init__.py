"""Reading HAR captures: the one input boundary of the package."""

from __future__ import annotations

from analyzer.har.loader import Capture, load_bytes, load_capture

__all__ = ["Capture", "load_bytes", "load_capture"]
