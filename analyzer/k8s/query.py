"""Go `net/url` semantics for request targets: URL splitting, path unescaping, `ParseQuery`, and the
conversions apimachinery applies to query values (`Convert_Slice_string_To_bool`, `strconv.ParseInt`).

kube-apiserver sees `req.URL.Path` percent-DECODED and `req.URL.Query()` parsed by `url.ParseQuery`:

* the query splits on `&` only; a pair containing `;` is dropped (Go >= 1.17), as is a pair with a
  malformed `%` escape in its key or value; `+` is a space; a key without `=` has the value "";
  values keep their order, and apimachinery reads only the first one;
* the path decodes `%XX` (so `%2F` becomes `/` and then splits) and keeps `+`. Go answers 400 for a
  malformed escape in the path; we keep the raw path instead, so classification stays total.

Bytes that are not UTF-8 after decoding become U+FFFD (Go would keep the raw bytes).
"""

from __future__ import annotations

import re
from urllib.parse import unquote, unquote_plus

Query = dict[str, list[str]]

_MALFORMED_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
_GO_INT = re.compile(r"[+-]?[0-9]+")
_INT64_MIN = -(2**63)
_INT64_MAX = 2**63 - 1


def split_url(url: str) -> tuple[str, str, str]:
    """Split an absolute or path-only URL into (lower-case scheme, raw path, raw query).

    The fragment is dropped; an absolute URL without a path has the path "".
    """
    hash_at = url.find("#")
    if hash_at >= 0:
        url = url[:hash_at]
    path, _, query = url.partition("?")
    scheme = ""
    if not path.startswith("/"):
        sep = path.find("://")
        if sep > 0:
            scheme = path[:sep].lower()
            slash = path.find("/", sep + 3)
            path = path[slash:] if slash >= 0 else ""
    return scheme, path, query


def unescape_path(raw: str) -> str:
    """Decode `%XX` like Go's `URL.Path` and keep `+`; return `raw` unchanged if an escape is malformed."""
    if "%" not in raw or _MALFORMED_ESCAPE.search(raw):
        return raw
    return unquote(raw, errors="replace")


def unescape_query_component(raw: str) -> str | None:
    """Go `url.QueryUnescape`: `+` is a space, `%XX` decoded; None for a malformed escape."""
    if "%" not in raw:
        return raw.replace("+", " ") if "+" in raw else raw
    if _MALFORMED_ESCAPE.search(raw):
        return None
    return unquote_plus(raw, errors="replace")


def parse_query(raw: str) -> Query:
    """Go `url.ParseQuery`, keeping what Go keeps and silently dropping what it rejects."""
    values: Query = {}
    if not raw:
        return values
    for piece in raw.split("&"):
        if not piece or ";" in piece:
            continue
        key: str | None
        value: str | None
        key, _, value = piece.partition("=")
        if "%" in piece or "+" in piece:
            key, value = unescape_query_component(key), unescape_query_component(value)
            if key is None or value is None:
                continue
        if key in values:
            values[key].append(value)
        else:
            values[key] = [value]
    return values


def first_value(query: Query, key: str) -> str | None:
    """The first value of `key`, as apimachinery's conversions read it; None when absent."""
    values = query.get(key)
    return values[0] if values else None


def go_bool(value: str) -> bool:
    """`runtime.Convert_Slice_string_To_bool`: false only for "0" or "false" in any case (`EqualFold`)."""
    # casefold() agrees with Go's simple folding on "false": both also accept a long s (U+017F) for "s".
    return not (value == "0" or value.casefold() == "false")


def go_int64(value: str) -> int | None:
    """`strconv.ParseInt(value, 10, 64)`: optional sign and ASCII digits within int64, else None."""
    if value.isascii() and value.isdigit():  # the common case, without the regex
        return int(value) if len(value) < 19 or int(value) <= _INT64_MAX else None
    if not _GO_INT.fullmatch(value):
        return None
    number = int(value)
    return number if _INT64_MIN <= number <= _INT64_MAX else None
