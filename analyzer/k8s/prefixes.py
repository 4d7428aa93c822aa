"""Console and gateway prefixes in front of the Kubernetes API: the built-in table, and user patterns.

A prefix must START the path, matches whole segments, and `{cluster}` stands for one non-empty
segment. Built-in prefixes (reference notes, section 4.8)::

    alauda      /kubernetes/{cluster}/   and   /api-gateway/kubernetes/{cluster}/
    openshift   /api/kubernetes/                  (the bridge; no cluster)
    rancher     /k8s/clusters/{cluster}/          (then /v1/... is Steve, not Kubernetes)
    headlamp    /clusters/{cluster}/
    lens        /api-kube/

Users add their own with `parse_prefix("/my-proxy/{cluster}/")`; their console is `custom`.
"""

from __future__ import annotations

from collections.abc import Sequence

from analyzer.errors import ConfigError
from analyzer.model import Prefix

CLUSTER_PLACEHOLDER = "{cluster}"
CONSOLES = frozenset({"alauda", "openshift", "rancher", "headlamp", "lens", "custom"})
DIRECT = "direct"  # the console of a Kubernetes path that no prefix stripped
FORBIDDEN_LITERAL_CHARS = frozenset("{}?#%\\ \t\r\n")

BUILTIN_PREFIXES: tuple[Prefix, ...] = (
    Prefix.parse("/api-gateway/kubernetes/{cluster}/", console="alauda"),
    Prefix.parse("/kubernetes/{cluster}/", console="alauda"),
    Prefix.parse("/api/kubernetes/", console="openshift"),
    Prefix.parse("/k8s/clusters/{cluster}/", console="rancher"),
    Prefix.parse("/clusters/{cluster}/", console="headlamp"),
    Prefix.parse("/api-kube/", console="lens"),
)


def parse_prefix(pattern: str, console: str = "custom") -> Prefix:
    """Parse and validate a user's prefix pattern such as `/my-proxy/{cluster}/`.

    Raises:
        ConfigError: with a one-line message, for a pattern that could never match sensibly.
    """
    prefix = Prefix.parse(pattern, console=console)
    validate_prefix(prefix)
    return prefix


def validate_prefix(prefix: Prefix) -> None:
    """Raise ConfigError unless `prefix` is an absolute path of literals and at most one `{cluster}`."""
    pattern = prefix.pattern.strip()
    problem = _pattern_problem(pattern) or _segments_problem(prefix.segments)
    if prefix.console not in CONSOLES:
        problem = f"unknown console {prefix.console!r} (expected one of {', '.join(sorted(CONSOLES))})"
    if problem:
        raise ConfigError(f"invalid prefix {prefix.pattern!r}: {problem}")


def _pattern_problem(pattern: str) -> str | None:
    if not pattern.startswith("/"):
        return "must start with '/'"
    if "//" in pattern:
        return "has an empty segment"
    return None


def _segments_problem(segments: Sequence[str]) -> str | None:
    if not segments:
        return "has no segments (a path with no prefix is matched anyway, as 'direct')"
    if sum(segment == CLUSTER_PLACEHOLDER for segment in segments) > 1:
        return f"has more than one {CLUSTER_PLACEHOLDER}"
    for segment in segments:
        if segment == CLUSTER_PLACEHOLDER:
            continue
        if segment in (".", ".."):
            return f"segment {segment!r} is not allowed"
        if FORBIDDEN_LITERAL_CHARS.intersection(segment):
            return f"segment {segment!r} must be {CLUSTER_PLACEHOLDER} or text without {{}}?#%\\ or spaces"
    return None


def match_prefix(prefix: Prefix, parts: tuple[str, ...]) -> tuple[str | None, tuple[str, ...]] | None:
    """Match `prefix` against the start of the split, decoded path `parts`.

    Returns:
        (cluster or None, the remaining parts), or None when the prefix does not start the path.
    """
    size = len(prefix.segments)
    if len(parts) < size:
        return None
    cluster: str | None = None
    for wanted, part in zip(prefix.segments, parts, strict=False):
        if wanted == CLUSTER_PLACEHOLDER:
            if not part:
                return None
            cluster = part
        elif wanted != part:
            return None
    while size < len(parts) and not parts[size]:  # Go trims the leading "/" of the forwarded path
        size += 1
    return cluster, parts[size:]
