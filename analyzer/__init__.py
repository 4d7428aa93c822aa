"""har-analyzer: what a Kubernetes web console really did to the API, read from a HAR capture.

Library use:

    from analyzer import load_capture, request_frame, classify_request
    capture = load_capture("capture.har")
    frame = request_frame(capture)              # pandas DataFrame, one row per request
    frame[frame.verb == "watch"]

    from analyzer import analyze, load_capture # the whole diagnosis, as one typed Summary
    summary = analyze(load_capture("capture.har")).summary
    [(v.key, v.mode) for v in summary.verdicts]

    from analyzer import check_capture         # in a pytest E2E suite: AssertionError when a rule fails
    check_capture("e2e.har", "policy.toml")
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from analyzer.version import __version__

__all__ = [
    "Analysis",
    "AnalyzerError",
    "Capture",
    "InputError",
    "RequestInfo",
    "Settings",
    "Summary",
    "__version__",
    "analyze",
    "check_capture",
    "classify_request",
    "load_capture",
    "load_requests",
    "request_frame",
    "request_table",
]

if TYPE_CHECKING:
    import pandas as pd

    from analyzer.analysis.analyze import Analysis, analyze
    from analyzer.errors import AnalyzerError, InputError
    from analyzer.gate.check import CheckResult
    from analyzer.gate.policy import Policy
    from analyzer.har.loader import Capture, load_capture
    from analyzer.k8s import classify_request
    from analyzer.k8s.request_table import request_frame, request_table
    from analyzer.model import RequestInfo
    from analyzer.settings import Settings
    from analyzer.summary import Summary

_LAZY = {
    "Analysis": "analyzer.analysis.analyze",
    "analyze": "analyzer.analysis.analyze",
    "Settings": "analyzer.settings",
    "Summary": "analyzer.summary",
    "AnalyzerError": "analyzer.errors",
    "InputError": "analyzer.errors",
    "Capture": "analyzer.har.loader",
    "load_capture": "analyzer.har.loader",
    "classify_request": "analyzer.k8s",
    "RequestInfo": "analyzer.model",
    "request_frame": "analyzer.k8s.request_table",
    "request_table": "analyzer.k8s.request_table",
}


def __getattr__(name: str) -> Any:
    # Lazy: `import analyzer` must stay cheap for the CLI (pandas and pyarrow load only when needed).
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'analyzer' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)


def check_capture(
    path: str | os.PathLike[str], policy: str | os.PathLike[str] | Policy | None = None, prefixes: Sequence[str] = ()
) -> CheckResult:
    """Check one capture (a HAR or a saved analysis.json) against a policy, for a Python test suite.

    Args:
        path: the capture.
        policy: a policy file, a `Policy`, or None for the built-in default policy.
        prefixes: extra console prefixes, like `--prefix`.

    Returns:
        The result, when every rule passed (or selected nothing).

    Raises:
        AssertionError: a rule failed; the message lists each failure with its evidence, secrets redacted.
        AnalyzerError: an unreadable capture or an invalid policy.
    """
    from analyzer.gate.check import check_capture as check
    from analyzer.render.gate_text import failure_text

    return check(path, policy, prefixes, failure_text=failure_text)


def load_requests(path: str, prefixes: tuple[str, ...] = ()) -> pd.DataFrame:
    """Load a capture and return its request table as a pandas DataFrame (columns: docs/columns.md)."""
    from analyzer.har.loader import load_capture
    from analyzer.k8s import parse_prefix
    from analyzer.k8s.request_table import request_frame

    return request_frame(load_capture(path), tuple(parse_prefix(p) for p in prefixes))
