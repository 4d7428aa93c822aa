"""Turning derived records into plain data for the renderers: dataclasses to dicts, URLs redacted."""

from __future__ import annotations

import dataclasses
from typing import Any

from analyzer.redact import redact_url


def as_record(item: Any) -> dict[str, Any]:
    """A frozen dataclass (Navigation, Stream, Finding ...) as a dict; tuples become lists (JSON arrays)."""
    return {f.name: _plain(getattr(item, f.name)) for f in dataclasses.fields(item)}


def shown_url(url: Any, redact: bool) -> Any:
    """A URL as outputs show it: token-like query parameters redacted unless the user asked otherwise."""
    return redact_url(url) if redact and isinstance(url, str) else url


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value
