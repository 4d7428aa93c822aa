"""The request table: one row per HAR entry, the loader's columns plus the Kubernetes classification.

`COLUMNS` below is the one place the columns are documented: the loader's (`har.table.ENTRY_COLUMNS`) and
the Kubernetes ones (`KUBERNETES_COLUMNS`); `docs/columns.md` is generated from it. Rows are sorted by start
time; `index` is the entry's 0-based position in `log.entries` as written, and every later output (evidence,
errors) names requests by it. Times are UTC; timings are
milliseconds, with the HAR's `-1` ("does not apply") as null (NaN in pandas).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.compute as pc

from analyzer.har.loader import Capture
from analyzer.har.table import ENTRY_COLUMNS
from analyzer.k8s import Classifier
from analyzer.model import Prefix, RequestInfo

if TYPE_CHECKING:
    import pandas as pd

# The Kubernetes columns: column -> (RequestInfo attribute, Arrow type, meaning).
KUBERNETES_COLUMNS: dict[str, tuple[str, pa.DataType, str]] = {
    "k8s": ("k8s", pa.bool_(), "a Kubernetes API request, after stripping a known or configured console prefix"),
    "is_resource_request": (
        "is_resource_request",
        pa.bool_(),
        "kube-apiserver's RequestInfo.IsResourceRequest for the path after the prefix",
    ),
    "verb": (
        "verb",
        pa.string(),
        "get list watch create update patch delete deletecollection proxy (lower-case method for discovery); null when "
        "k8s is false",
    ),
    "api_prefix": ("api_prefix", pa.string(), "api or apis"),
    "group": ("group", pa.string(), "API group; null for the core group"),
    "version": ("version", pa.string(), "API version"),
    "namespace": ("namespace", pa.string(), "namespace; null for cluster-scoped or all-namespaces requests"),
    "resource": ("resource", pa.string(), "resource (plural)"),
    "subresource": ("subresource", pa.string(), "subresource (status, log, exec, ...)"),
    "name": ("name", pa.string(), "object name, from the path or from fieldSelector=metadata.name=X on list/watch"),
    "cluster": ("cluster", pa.string(), "the {cluster} segment of the console prefix"),
    "console": ("console", pa.string(), "alauda openshift rancher headlamp lens custom direct"),
    "field_selector": ("field_selector", pa.string(), "raw fieldSelector (list/watch/deletecollection only)"),
    "label_selector": ("label_selector", pa.string(), "raw labelSelector (list/watch/deletecollection only)"),
    "resource_version": ("resource_version", pa.string(), "resourceVersion parameter"),
    "resource_version_match": ("resource_version_match", pa.string(), "resourceVersionMatch parameter"),
    "timeout_seconds": ("timeout_seconds", pa.int64(), "timeoutSeconds parameter"),
    "allow_watch_bookmarks": ("allow_watch_bookmarks", pa.bool_(), "allowWatchBookmarks parameter"),
    "send_initial_events": ("send_initial_events", pa.bool_(), "sendInitialEvents parameter (a streaming list)"),
    "limit": ("limit", pa.int64(), "limit parameter (a paged list)"),
    "continue": ("continue_token", pa.string(), "continue token (a paged list)"),
}

# Every column of the request table, in order, with its meaning: the one place they are documented
# (`docs/columns.md` is generated from it).
COLUMNS: dict[str, str] = {**ENTRY_COLUMNS, **{name: column[2] for name, column in KUBERNETES_COLUMNS.items()}}


def request_table(capture: Capture, prefixes: Sequence[Prefix] = (), classifier: Classifier | None = None) -> pa.Table:
    """The request table of a capture as Arrow (what the CLI writes); see `request_frame` for pandas.

    A capture whose loading ran `classify_entries` (`load_capture(refine=...)`, as the CLI does, so that the
    worker processes classify their share) is not classified again.
    """
    entries: pa.Table = capture.entries
    if "k8s" not in entries.column_names:
        entries = classify_entries(entries, classifier or Classifier(prefixes))
    return entries.select(list(COLUMNS))


def classify_entries(entries: pa.Table, classifier: Classifier) -> pa.Table:
    """`entries` (the loader's table, or any rows of it) with the Kubernetes columns appended.

    Each distinct request is classified once: rows are dictionary-encoded on (method, websocket, URL), with
    a numeric `resourceVersion` value (the one parameter that makes every watch URL unique, and that the
    classification only passes through) replaced by a placeholder and put back afterwards.
    """
    urls = pc.fill_null(entries.column("url").combine_chunks(), "")
    # Every Kubernetes (or kube-apiserver resource) path, behind any prefix, has one of these segments, or
    # an escape that might decode to one: the rest cannot be Kubernetes and is not classified one by one.
    candidate = pc.fill_null(pc.match_substring_regex(urls, _CANDIDATE), False)
    keys, versioned, canonical, written_rv = _candidate_keys(entries, urls.filter(candidate), candidate)
    distinct = [_NOT_KUBERNETES, *(_classify_key(classifier, key) for key in keys.dictionary.to_pylist())]
    # Row -> distinct request: 0 (not Kubernetes) for the rest, the key's position + 1 for candidates.
    positions = pc.add(keys.indices.cast(pa.int64()), 1)
    indices = pc.replace_with_mask(pa.nulls(len(urls), pa.int64()).fill_null(0), candidate, positions)
    for column, (attribute, kind, _meaning) in KUBERNETES_COLUMNS.items():
        values = _expand([getattr(i, attribute) for i in distinct], kind, indices)
        if column == "resource_version":
            values = _written_back(values, versioned, canonical, written_rv)
        entries = entries.append_column(column, values)
    return entries


def _candidate_keys(
    entries: pa.Table, urls: pa.Array, candidate: pa.Array
) -> tuple[pa.DictionaryArray, pa.Array, pa.Array, pa.Array]:
    """The candidates' keys "METHOD 0|1 URL" dictionary-encoded, and where resourceVersion placeholders went.

    Returns:
        The keys (one per candidate); over all rows, which URLs have a resourceVersion parameter; over
        those, whether its value became a placeholder, and the value.
    """
    versioned = pc.match_substring_regex(urls, _RESOURCE_VERSION_NAME)  # memchr: faster than match_substring
    canonical, written_rv, keyed = _placeholder_versions(urls.filter(versioned))
    methods = pc.fill_null(entries.column("method").filter(candidate), "GET")
    sockets = pc.if_else(entries.column("websocket").filter(candidate), "1", "0")
    keys = pc.binary_join_element_wise(methods, sockets, pc.replace_with_mask(urls, versioned, keyed), " ")
    versioned = pc.replace_with_mask(candidate, candidate, versioned)  # False for the other rows
    return keys.combine_chunks().dictionary_encode(), versioned, canonical, written_rv


def _expand(values: list[Any], kind: pa.DataType, indices: pa.Array) -> pa.Array:
    """Each row's value, from the values of the distinct requests."""
    if all(value is None for value in values):  # most columns, for most captures: no take needed
        return pa.nulls(len(indices), kind)
    return pa.array(values, type=kind).take(indices)


_RV = "0"
_CANDIDATE = r"/(?:api|version|openapi)|%"
_NOT_KUBERNETES = RequestInfo(url="", method="", k8s=False, is_resource_request=False)
_RESOURCE_VERSION_NAME = "resourceVersion="
_DIGITS = "0123456789"


def _placeholder_versions(urls: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Which URLs have a canonical resourceVersion, its value, and each URL with the value as `_RV`.

    Canonical: the name occurs once, right after `?` or `&`, with digits up to `&`, `#` or the end. That is
    what the RE2 `[?&]resourceVersion=(?P<rv>[0-9]+)(?:[&#]|$)` matches in a URL where `count_substring`
    finds the name once, and the digits are what `([?&]resourceVersion=)[0-9]+` replaces; splitting at the
    name gives the same at a fraction of the cost of those regex kernels.
    """
    parts = pc.split_pattern(urls, _RESOURCE_VERSION_NAME)
    head, tail = pc.list_element(parts, 0), pc.list_element(parts, 1)  # each of these URLs has the name
    rest = pc.utf8_ltrim(tail, _DIGITS)
    written = pc.struct_field(pc.extract_regex(tail, r"^(?P<rv>[0-9]+)"), "rv")  # null without digits
    is_after_separator = pc.or_(pc.ends_with(head, "?"), pc.ends_with(head, "&"))
    is_value_end = pc.or_(pc.equal(rest, ""), pc.or_(pc.starts_with(rest, "&"), pc.starts_with(rest, "#")))
    canonical = pc.and_(pc.equal(pc.list_value_length(parts), 2), pc.is_valid(written))
    canonical = pc.and_(canonical, pc.and_(is_after_separator, is_value_end))
    keyed = pc.if_else(canonical, pc.binary_join_element_wise(head, rest, _RESOURCE_VERSION_NAME + _RV), urls)
    return canonical, written, keyed


def _written_back(values: pa.Array, versioned: pa.Array, canonical: pa.Array, written_rv: pa.Array) -> pa.Array:
    """The classification's resourceVersion, replaced by the written value where a placeholder hid it."""
    subset = values.filter(versioned)
    subset = pc.if_else(pc.and_(canonical, pc.is_valid(subset)), written_rv, subset)
    return pc.replace_with_mask(values, versioned, subset)


def _classify_key(classifier: Classifier, key: str) -> RequestInfo:
    if not key:
        return _NOT_KUBERNETES
    method, socket, url = key.split(" ", 2)
    return classifier.classify(method, url, socket == "1")


def request_frame(capture: Capture, prefixes: Sequence[Prefix] = ()) -> pd.DataFrame:
    """The request table as a pandas DataFrame (nullable dtypes; timestamps tz-aware UTC)."""
    return to_frame(request_table(capture, prefixes))


def to_frame(table: pa.Table) -> pd.DataFrame:
    import pandas as pd

    frame: Any = table.to_pandas(
        types_mapper={pa.bool_(): pd.BooleanDtype(), pa.int32(): pd.Int32Dtype(), pa.int64(): pd.Int64Dtype()}.get
    )
    return frame  # type: ignore[no-any-return]
