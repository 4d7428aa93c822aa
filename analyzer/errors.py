"""The error tree: every problem a user can cause raises an AnalyzerError with a one-line message."""

from __future__ import annotations


class AnalyzerError(Exception):
    """Base class: the message is one line that names the file, the entry and the key where known."""


class InputError(AnalyzerError):
    """A capture that cannot be read: not found, not JSON, not a HAR."""


class ConfigError(AnalyzerError):
    """An invalid configuration file, prefix or option value."""


class DecompressionBombError(InputError):
    """A compressed capture that expands past the limits (`analyzer.har.limits.Limits`)."""
