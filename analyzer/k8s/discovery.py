"""Unknown console prefixes: requests the classifier does not read as Kubernetes, though their path, after
some leading segments, is a Kubernetes resource path; and the `--prefix` pattern that would read them.

The test runs in three steps, cheapest first, so that a capture of a million entries costs one regex:

1. a regex over every URL: `/api/v1/{resource}` or `/apis/{group}/{version}/{resource}` somewhere in its path,
   with a version shaped like Kubernetes' (`v1`, `v2beta1`) and a group that is a built-in dot-less one or a
   DNS name with a dot (as a CRD's must be);
2. per distinct path of those: not already Kubernetes for the classifier (behind a known or configured prefix);
3. the leftmost cut after which the remainder is a Kubernetes resource request for the classifier itself (so
   kube-apiserver's rules, and our stricter core v1 resource list, apply: `/api/v1/users` is not one).

The leading segments are the prefix. `{cluster}` replaces the segment right after one that precedes it in a
built-in prefix (`clusters/`, `kubernetes/`), or else one segment where prefixes of the same length differ
(and nowhere else): `/proxy/clusters/calico3/k8s/` gives `/proxy/clusters/{cluster}/k8s/`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import NamedTuple

import pyarrow as pa
import pyarrow.compute as pc

from analyzer.k8s.classify import Classifier
from analyzer.k8s.prefixes import BUILTIN_PREFIXES, CLUSTER_PLACEHOLDER, DIRECT, FORBIDDEN_LITERAL_CHARS
from analyzer.k8s.query import split_url

# Built-in API groups without a dot; every other group (CRDs, aggregated APIs) is a DNS name with one.
DOTLESS_GROUPS = frozenset({"apps", "batch", "autoscaling", "policy", "extensions"})
_VERSION = r"v[0-9]+(?:(?:alpha|beta)[0-9]+)?"
_GROUP = r"[a-z0-9](?:[-a-z0-9.]*[a-z0-9])?"
_API = rf"(?:api/v1|apis/{_GROUP}/{_VERSION})/+(?:watch/+|proxy/+)?[a-z]"
# Step 1, over whole URLs (RE2): a plausible API path after at least one path segment, before any query.
CANDIDATE_URL = rf"^(?:[A-Za-z][-A-Za-z0-9+.]*://[^/?#]*)?(?:/+[^/?#]+)+/+{_API}"
_PLAUSIBLE = re.compile(rf"/{_API}")  # step 3, at a cut of the raw path
# The segments after which built-in prefixes put `{cluster}`: `kubernetes/{cluster}`, `clusters/{cluster}`.
CLUSTER_MARKERS = frozenset(
    p.segments[i - 1] for p in BUILTIN_PREFIXES for i, s in enumerate(p.segments) if s == CLUSTER_PLACEHOLDER and i
)

Head = tuple[str, ...]  # the raw leading segments of a path, before the Kubernetes API path


class DiscoveredPrefix(NamedTuple):
    """A prefix the Kubernetes API was found behind, and the pattern that reads it."""

    pattern: str  # the suggested `--prefix`, e.g. `/proxy/clusters/{cluster}/k8s/`
    requests: int  # how many requests it would read
    example: str  # the raw path of one of them, query removed
    under: str  # that example's concrete prefix, e.g. `/proxy/clusters/calico3/k8s/`


def discover_prefixes(
    urls: pa.Array | pa.ChunkedArray | Sequence[str | None], classifier: Classifier
) -> list[DiscoveredPrefix]:
    """The unknown prefixes of these request URLs, most requests first.

    Args:
        urls: every request URL of a capture (absolute or path-only; null for none).
        classifier: the classifier in force: what it already reads as Kubernetes is not suggested.
    """
    counts = _candidate_paths(urls if isinstance(urls, pa.Array | pa.ChunkedArray) else pa.array(urls, pa.string()))
    heads: dict[Head, int] = {}
    examples: dict[Head, str] = {}
    for path, count in counts.items():
        head = unknown_head(path, classifier)
        if head is not None:
            heads[head] = heads.get(head, 0) + count
            examples.setdefault(head, path)
    patterns = cluster_patterns(heads)
    found: dict[Head, list[Head]] = {}
    for head in heads:
        found.setdefault(patterns[head], []).append(head)
    results = [
        DiscoveredPrefix(_pattern(pattern), sum(heads[h] for h in members), examples[members[0]], _pattern(members[0]))
        for pattern, members in found.items()
    ]
    return sorted(results, key=lambda d: (-d.requests, d.pattern))


def _candidate_paths(urls: pa.Array | pa.ChunkedArray) -> dict[str, int]:
    """Step 1: the raw paths of the URLs the regex lets through, with how many requests have each."""
    urls = pc.fill_null(urls, "")
    urls = urls.filter(pc.match_substring(urls, "/api"))  # memchr-fast, before the regex
    urls = urls.filter(pc.match_substring_regex(urls, CANDIDATE_URL))
    if not len(urls):
        return {}
    # The query goes first (a watch's resourceVersion makes each URL unique): splitting is the cheapest kernel.
    counted = pc.value_counts(pc.list_element(pc.split_pattern(urls, "?", max_splits=1), 0))  # first seen first
    paths: dict[str, int] = {}
    for url, count in zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True):
        path = split_url(url)[1]
        paths[path] = paths.get(path, 0) + count
    return paths


def unknown_head(raw_path: str, classifier: Classifier) -> Head | None:
    """Steps 2 and 3 for one raw path: its prefix's segments, or None (already Kubernetes, or none found)."""
    if classifier.classify("GET", raw_path).k8s:
        return None
    for match in _PLAUSIBLE.finditer(raw_path):
        head = tuple(raw_path[: match.start()].split("/")[1:])
        while head and not head[-1]:  # Go trims the leading "/" of what follows a prefix
            head = head[:-1]
        if not head or not all(head) or any(FORBIDDEN_LITERAL_CHARS.intersection(s) or s in (".", "..") for s in head):
            continue
        rest = classifier.classify("GET", raw_path[match.start() :])
        if rest.k8s and rest.is_resource_request and rest.console == DIRECT and _is_plausible_group(rest.group):
            return head
    return None


def _is_plausible_group(group: str | None) -> bool:
    return group is None or group in DOTLESS_GROUPS or "." in group


def cluster_patterns(heads: Mapping[Head, int]) -> dict[Head, Head]:
    """Each head's pattern: `{cluster}` after a marker (`clusters/`), else where heads of one shape differ.

    Args:
        heads: the distinct heads, with how many requests each has (the largest group is merged first).
    """
    patterns = {head: _with_cluster(head, at) for head in heads if (at := _marker_position(head)) is not None}
    remaining = [head for head in heads if head not in patterns]
    while group := _largest_varying_group(remaining, heads):
        pattern, members = group
        patterns.update(dict.fromkeys(members, pattern))
        remaining = [head for head in remaining if head not in members]
    return patterns | {head: head for head in remaining}


def _marker_position(head: Head) -> int | None:
    return max((i + 1 for i, segment in enumerate(head[:-1]) if segment in CLUSTER_MARKERS), default=None)


def _largest_varying_group(remaining: Iterable[Head], weights: Mapping[Head, int]) -> tuple[Head, list[Head]] | None:
    """The pattern with one `{cluster}` that the most requests of two or more remaining heads share."""
    groups: dict[Head, list[Head]] = {}
    for head in remaining:
        for at in range(len(head)):
            groups.setdefault(_with_cluster(head, at), []).append(head)
    shared = [(pattern, members) for pattern, members in groups.items() if len(members) >= 2]
    return max(shared, key=lambda item: sum(weights[h] for h in item[1]), default=None)


def _with_cluster(head: Head, at: int) -> Head:
    return (*head[:at], CLUSTER_PLACEHOLDER, *head[at + 1 :])


def _pattern(segments: Head) -> str:
    return "/" + "/".join(segments) + "/"
