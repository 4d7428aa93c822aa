"""Split request URLs into scheme, host, port, path and query, with cheap Arrow kernels and RE2 for odd rows.

The parts are defined by the RE2 pattern `_URL`. A regex with captures is the slowest Arrow kernel, but
nearly every URL in a capture has the shape `scheme://host[:port]/path?query`; for those, splitting at the
first `?` and at the first three `/` gives the same parts, and the scheme and the authority are worked out
once per distinct value. Every other row (no `scheme://`, userinfo, `[IPv6]`, a fragment, a port that is not
all digits, empty, null) goes through the regex.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

from analyzer.buffers import may_match

# RE2 (Arrow's regex engine): scheme, authority (userinfo, host or [IPv6], port), path, query; no fragment.
_URL = (
    r"^(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*):)?"
    r"(?://(?:[^/?#@]*@)?(?P<host>\[[^\]/?#]*\]|[^:/?#]*)(?::(?P<port>[0-9]*))?)?"
    r"(?P<path>[^?#]*)(?:\?(?P<query>[^#]*))?"
)
_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}
# The fast path's shapes, checked on distinct values: the text before the first `/` ("https:"), and the one
# between `//` and the next `/` or `?` (a host that is no `[IPv6]`, an all-digit port, no userinfo).
_SCHEME_COLON = r"^[A-Za-z][A-Za-z0-9+.\-]*:$"
_AUTHORITY = r"^(?:[^:@\[][^:@]*)?(?::[0-9]*)?$"


def split_urls(urls: pa.Array) -> dict[str, pa.Array]:
    """The parts of each URL, as `_URL` reads them: same values, types and nulls as `exact_parts`.

    Returns:
        `scheme` (lower-case), `host` (lower-case), `port` (int32, else the scheme's default), `path` and
        `query`; null where a URL has no such part (the path is null only for a null URL).
    """
    if isinstance(urls, pa.ChunkedArray):
        urls = urls.combine_chunks()
    queried = pc.split_pattern(urls, "?", max_splits=1)
    pieces = pc.split_pattern(_element(queried, 0), "/", max_splits=3)  # "https:", "", authority, path
    schemes = _element(pieces, 0).dictionary_encode()
    scheme, default_port, is_scheme = _schemes(schemes.dictionary)
    authorities = _element(pieces, 2).dictionary_encode()
    host, written_port, is_authority = _authorities(authorities.dictionary)
    parts = {
        "scheme": scheme.take(schemes.indices),
        "host": host.take(authorities.indices),
        "port": _port(written_port.take(authorities.indices), default_port.take(schemes.indices)),
        "path": pc.utf8_replace_slice(_element(pieces, 3), 0, 0, "/"),  # null without a 4th piece: odd
        "query": blank_to_null(_element(queried, 1)),
    }
    is_simple = pc.and_kleene(is_scheme.take(schemes.indices), is_authority.take(authorities.indices))
    is_simple = pc.and_kleene(is_simple, pc.equal(_element(pieces, 1), ""))
    is_simple = pc.and_kleene(is_simple, pc.equal(pc.list_value_length(pieces), 4))
    if may_match(urls, "#"):
        is_simple = pc.and_not_kleene(is_simple, pc.match_substring_regex(urls, "#"))
    is_odd = pc.invert(pc.fill_null(is_simple, False))
    if not pc.any(is_odd).as_py():
        return parts
    exact = exact_parts(urls.filter(is_odd))
    return {name: pc.replace_with_mask(values, is_odd, exact[name]) for name, values in parts.items()}


def exact_parts(urls: pa.Array) -> dict[str, pa.Array]:
    """The parts of each URL by the regex `_URL`: the definition, and the path of rows of an odd shape."""
    parts = pc.extract_regex(pc.fill_null(urls, ""), _URL)
    scheme = blank_to_null(pc.utf8_lower(parts.field("scheme")))
    return {
        "scheme": scheme,
        "host": blank_to_null(pc.utf8_lower(parts.field("host"))),
        "port": _port(blank_to_null(parts.field("port")), _default_port(scheme)),
        "path": pc.if_else(pc.is_null(urls), None, parts.field("path")),
        "query": blank_to_null(parts.field("query")),
    }


def _schemes(firsts: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Scheme, default port and fast-path shape of distinct texts before a URL's first `/`."""
    scheme = pc.utf8_lower(pc.utf8_slice_codeunits(firsts, 0, -1))
    return scheme, _default_port(scheme), pc.match_substring_regex(firsts, _SCHEME_COLON)


def _authorities(authorities: pa.Array) -> tuple[pa.Array, pa.Array, pa.Array]:
    """Host, written port (digits) and fast-path shape of distinct authorities (the ports of other shapes are
    null)."""
    is_authority = pc.match_substring_regex(authorities, _AUTHORITY)
    host_port = pc.split_pattern(authorities, ":", max_splits=1)
    written = pc.if_else(is_authority, blank_to_null(_element(host_port, 1)), None)
    host = blank_to_null(pc.utf8_lower(_element(host_port, 0)))
    return host, written, is_authority


def _port(written: pa.Array, default: pa.Array) -> pa.Array:
    """The written port (digits) as int32, else the scheme's default; null where the written one is no TCP
    port (above 65535: a hand-made or broken URL), since the URL then names no port we could know."""
    short = pc.if_else(pc.less_equal(pc.utf8_length(written), 5), written, None)
    numbers = pc.cast(short, pa.int32())
    numbers = pc.if_else(pc.less_equal(numbers, 65535), numbers, None)
    return pc.if_else(pc.is_valid(written), numbers, default)


def _default_port(scheme: pa.Array) -> pa.Array:
    known = pc.index_in(scheme, value_set=pa.array(list(_DEFAULT_PORTS), type=pa.string()))
    return pa.array(list(_DEFAULT_PORTS.values()), type=pa.int32()).take(known)


def _element(lists: pa.ListArray, index: int) -> pa.Array:
    """Item `index` of each list; null where the list is null or shorter."""
    starts = pc.add(lists.offsets.slice(0, len(lists)), index)
    return lists.values.take(pc.if_else(pc.greater(pc.list_value_length(lists), index), starts, None))


def blank_to_null(values: pa.Array) -> pa.Array:
    """HAR writers leave a field empty where it does not apply: "" -> null."""
    return pc.if_else(pc.equal(values, ""), None, values)
