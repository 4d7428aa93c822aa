"""Redaction of secrets in everything we print: token-like query parameters and credential headers.

Chrome's default "sanitized" export already drops Cookie, Set-Cookie and Authorization, but Firefox,
Playwright, mitmproxy, Charles and older Chrome keep them, and OIDC tokens travel in URLs.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the `requests` command redacts tables only, and does not load the summary types
    import pyarrow as pa

    from analyzer.summary import Summary

REDACTED = "REDACTED"

# What stands in a secret's place: `replace(kind, secret)`. Views show REDACTED (`hide`); `sanitize` a
# placeholder that is the same for the same secret (`analyzer.sanitize`). Kinds are the nouns of its summary.
Replace = Callable[[str, str], str]
AUTHORIZATION = "authorization header"
CREDENTIAL_HEADER = "credential header"
COOKIE = "cookie"
WEBSOCKET_BEARER = "websocket bearer token"
USERINFO = "URL userinfo"
URL_TOKEN = "URL token"
TOKEN = "token"  # by its shape: a JWT, `Bearer …`, OpenShift `sha256~…`
SECRET_DATA = "Secret data value"
TOKEN_REQUEST = "TokenRequest token"
KUBECONFIG = "kubeconfig credential"
CREDENTIAL_FIELD = "credential field"  # a JSON body's or a form's `password`, `access_token`, …


def hide(kind: str, secret: str) -> str:
    """What views show in a secret's place."""
    return REDACTED


# Query parameters whose value is a credential (matched case-insensitively, whole name).
SECRET_PARAMETERS = frozenset(
    {
        "access_token", "token", "id_token", "refresh_token", "auth", "authorization", "api_key", "apikey",
        "key", "password", "passwd", "secret", "client_secret", "code", "session", "sessionid", "sid",
        "signature", "sig", "x-amz-signature", "x-amz-security-token", "jwt", "bearer",
    }
)  # fmt: skip
# Headers whose whole value is a credential; any other name with one of _SECRET_HEADER_WORDS in it too
# (X-Vault-Token, X-Goog-Api-Key, X-Auth-Request-Access-Token, X-XSRF-TOKEN, ...), but not these.
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "cookie2", "set-cookie2"}
)  # fmt: skip
_SECRET_HEADER_WORDS = re.compile(
    r"token|secret|passw(?:or)?d|api-?key|session|csrf|xsrf|authorization|(?:^|[-_])auth(?:$|[-_])"
)
NOT_SECRET_HEADERS = frozenset({":authority", "authority", "www-authenticate", "sec-websocket-protocol"})
# The Kubernetes websocket subprotocol that carries a bearer token: `base64url.bearer.authorization.k8s.io.<token>`
_WEBSOCKET_BEARER = re.compile(r"(?i)(base64url\.bearer\.authorization\.k8s\.io\.)[^,\s]*")
_BEARER = re.compile(r"(?i)\b(bearer\s+)[A-Za-z0-9._~+/=-]+")


def _name_pattern(name: str) -> str:
    """A parameter name as it may be written: `_` and `-` also percent-encoded (`access%5Ftoken`)."""
    return "".join("(?:_|%5[Ff])" if c == "_" else "(?:-|%2[Dd])" if c == "-" else re.escape(c) for c in name)


_PARAMETER_NAMES = "|".join(sorted((_name_pattern(p) for p in SECRET_PARAMETERS), key=len, reverse=True))
# RE2- and Python-compatible: a secret parameter's value after `?`, `&`, `;` or `#` (an OIDC implicit flow's
# `#access_token=`), up to the next separator.
QUERY_SECRET_PATTERN = rf"(?i)((?:^|[?&;#])(?:{_PARAMETER_NAMES})=)[^&#;]*"
QUERY_SECRET_REPLACEMENT = rf"\1{REDACTED}"
# Credentials by their shape, wherever they are in a URL: userinfo (`https://user:password@host`), a JWT (three
# base64url segments, the first a JSON header: `eyJ`), an OpenShift token (`sha256~`). RE2-compatible.
USERINFO_PATTERN = r"(?i)^([a-z][a-z0-9+.-]*://)[^/?#@]*@"
USERINFO_REPLACEMENT = rf"\1{REDACTED}@"
TOKEN_SHAPE_PATTERN = r"eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*|sha256~[A-Za-z0-9_-]{20,}"
URL_SECRET_PATTERNS: tuple[tuple[str, str], ...] = (
    (USERINFO_PATTERN, USERINFO_REPLACEMENT),
    (QUERY_SECRET_PATTERN, QUERY_SECRET_REPLACEMENT),
    (TOKEN_SHAPE_PATTERN, REDACTED),
)
# The same test on the reversed text (`^name=` or `[?&;#]name=` reads `=eman` then `[?&;#]` or `$`): it starts
# with a literal `=`, which RE2 finds with memchr instead of trying the pattern at every position. The other
# shapes are found by what they must hold: `@` (userinfo), an encoded `_`/`-`, `eyJ`, `sha256~`.
_REVERSED_NAMES = "|".join(sorted((re.escape(p[::-1]) for p in SECRET_PARAMETERS), key=len, reverse=True))
_REVERSED_SHAPES = r"|@|f5%|d2%|Jye|~652ahs"
REVERSED_QUERY_SECRET_PATTERN = rf"(?i)=(?:{_REVERSED_NAMES})(?:[?&;#]|$){_REVERSED_SHAPES}"
# Without the separator: found in the reversed text of many values joined, whenever one value has a secret.
REVERSED_SECRET_NAME_PATTERN = rf"(?i)=(?:{_REVERSED_NAMES}){_REVERSED_SHAPES}"
_USERINFO = re.compile(USERINFO_PATTERN)
_QUERY_SECRET = re.compile(QUERY_SECRET_PATTERN)
_TOKEN_SHAPE = re.compile(TOKEN_SHAPE_PATTERN)


def redact_url(url: str, replace: Replace = hide) -> str:
    """Secrets in a URL (or a `Location`, `Referer`, a page title) become REDACTED: userinfo, credential
    parameters in the query or the fragment (names percent-encoded too), and token-shaped values anywhere:
    `https://u:p@h/p?access_token=abc&x=1#id_token=eyJ..` -> `https://REDACTED@h/p?access_token=REDACTED&x=1#id_token=REDACTED`.
    """
    if "@" in url:
        url = _USERINFO.sub(lambda m: f"{m[1]}{replace(USERINFO, m[0][len(m[1]) : -1])}@", url)
    url = _QUERY_SECRET.sub(lambda m: m[1] + replace(URL_TOKEN, m[0][len(m[1]) :]), url)
    return redact_token_shapes(url, replace)


def redact_token_shapes(text: str, replace: Replace = hide) -> str:
    """JWTs and OpenShift tokens anywhere in `text`."""
    if "eyJ" not in text and "sha256~" not in text:
        return text
    return _TOKEN_SHAPE.sub(lambda m: replace(TOKEN, m[0]), text)


def redact_bearer(text: str, replace: Replace = hide) -> str:
    """`Bearer <token>` anywhere in `text`: the token goes, the scheme word stays."""
    return _BEARER.sub(lambda m: m[1] + replace(TOKEN, m[0][len(m[1]) :]), text)


def is_secret_header(name: str) -> bool:
    lower = name.strip().lower()
    if lower in NOT_SECRET_HEADERS:
        return False
    return lower in SECRET_HEADERS or _SECRET_HEADER_WORDS.search(lower) is not None


def redact_header(name: str, value: str, replace: Replace = hide) -> str:
    """A credential header's value becomes REDACTED (keeping a `Bearer ` scheme word for readability); the
    Kubernetes websocket bearer subprotocol loses its token; any other value keeps its bearer tokens and
    URL secrets out."""
    lower = name.strip().lower()
    if lower == "sec-websocket-protocol":
        return _WEBSOCKET_BEARER.sub(lambda m: m[1] + replace(WEBSOCKET_BEARER, m[0][len(m[1]) :]), value)
    if is_secret_header(name):
        kind = AUTHORIZATION if "authorization" in lower else COOKIE if "cookie" in lower else CREDENTIAL_HEADER
        scheme, space, credential = value.partition(" ")
        if space and scheme.isalpha() and kind == AUTHORIZATION:
            return f"{scheme} {replace(kind, credential)}"
        return replace(kind, value)
    if lower in _CHALLENGES:  # `Bearer realm="…"` names a scheme, it carries no token
        return redact_url(value, replace)
    return redact_url(redact_bearer(value, replace), replace)


_CHALLENGES = frozenset({"www-authenticate", "proxy-authenticate"})


def redacted(summary: Summary) -> Summary:
    """The summary as views and written files show it: secrets in URLs redacted."""
    import msgspec

    replace = msgspec.structs.replace
    requests = summary.requests
    urls = redact_urls([r.url for r in requests])
    scripts = redact_urls([r.initiator.url if r.initiator else None for r in requests])
    return replace(
        summary,
        navigations=tuple(replace(n, url=_url(n.url)) for n in summary.navigations),
        requests=tuple(
            r
            if url is r.url and (r.initiator is None or script is r.initiator.url)
            else replace(r, url=url, initiator=replace(r.initiator, url=script) if r.initiator else None)
            for r, url, script in zip(requests, urls, scripts, strict=True)
        ),
        unknown_prefixes=tuple(replace(u, example=redact_url(u.example)) for u in summary.unknown_prefixes),
        notes=tuple(redact_url(note) for note in summary.notes),
    )


def redact_urls(urls: Sequence[str | None]) -> list[str | None]:
    """`redact_url` of many URLs (None stays None), the same objects where nothing is redacted. Each distinct URL
    is looked at once (a console sends the same few URLs again and again): one search of them all
    (`may_hold_url_secret`), a slice at a time so that their Arrow copy stays small, finds the few that can hold
    a secret, and only those are redacted."""
    import pyarrow as pa

    distinct = [url for url in dict.fromkeys(urls) if url is not None]
    changed: dict[str, str] = {}
    for start in range(0, len(distinct), REDACT_SLICE):
        some = distinct[start : start + REDACT_SLICE]
        candidates = may_hold_url_secret(pa.array(some, type=pa.large_string())).to_numpy(zero_copy_only=False)
        for url in (url for url, found in zip(some, candidates, strict=True) if found):
            if (redacted := redact_url(url)) != url:
                changed[url] = redacted
    if not changed:
        return list(urls)
    return [None if url is None else changed.get(url, url) for url in urls]


REDACT_SLICE = 50_000


def may_hold_url_secret(strings: pa.Array) -> pa.Array:
    """Per string, whether `URL_SECRET_PATTERNS` may change it (a superset: the reversed test below on ASCII
    text, and every non-ASCII string); False for nulls."""
    import pyarrow.compute as pc

    is_ascii = pc.fill_null(pc.string_is_ascii(strings), True)
    texts = strings if pc.all(is_ascii).as_py() else pc.if_else(is_ascii, strings, "")
    found = pc.match_substring_regex(pc.ascii_reverse(texts), REVERSED_QUERY_SECRET_PATTERN)
    return pc.fill_null(pc.or_(found, pc.invert(is_ascii)), False)


def _url(url: str | None) -> str | None:
    return None if url is None else redact_url(url)
