"""Redaction of secrets in everything we print: token-like query parameters and credential headers.

Chrome's default "sanitized" export already drops Cookie, Set-Cookie and Authorization, but Firefox,
Playwright, mitmproxy, Charles and older Chrome keep them, and OIDC tokens travel in URLs.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the `requests` command redacts tables only, and does not load the summary types
    from analyzer.summary import Summary

REDACTED = "REDACTED"

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
_URL_SECRETS = tuple((re.compile(pattern), replacement) for pattern, replacement in URL_SECRET_PATTERNS)


def redact_url(url: str) -> str:
    """Secrets in a URL (or a `Location`, `Referer`, a page title) become REDACTED: userinfo, credential
    parameters in the query or the fragment (names percent-encoded too), and token-shaped values anywhere:
    `https://u:p@h/p?access_token=abc&x=1#id_token=eyJ..` -> `https://REDACTED@h/p?access_token=REDACTED&x=1#id_token=REDACTED`."""
    for pattern, replacement in _URL_SECRETS:
        url = pattern.sub(replacement.replace("\\1", "\\g<1>"), url)
    return url


def is_secret_header(name: str) -> bool:
    lower = name.strip().lower()
    if lower in NOT_SECRET_HEADERS:
        return False
    return lower in SECRET_HEADERS or _SECRET_HEADER_WORDS.search(lower) is not None


def redact_header(name: str, value: str) -> str:
    """A credential header's value becomes REDACTED (keeping a `Bearer ` scheme word for readability); the
    Kubernetes websocket bearer subprotocol loses its token; any other value keeps its bearer tokens and
    URL secrets out."""
    if name.strip().lower() == "sec-websocket-protocol":
        return _WEBSOCKET_BEARER.sub(rf"\g<1>{REDACTED}", value)
    if is_secret_header(name):
        scheme = value.split(" ", 1)[0] if " " in value and value.split(" ", 1)[0].isalpha() else ""
        return f"{scheme} {REDACTED}".strip() if scheme and "authorization" in name.lower() else REDACTED
    if name.strip().lower() in _CHALLENGES:  # `Bearer realm="…"` names a scheme, it carries no token
        return redact_url(value)
    return redact_url(_BEARER.sub(rf"\g<1>{REDACTED}", value))


_CHALLENGES = frozenset({"www-authenticate", "proxy-authenticate"})


def redacted(summary: Summary) -> Summary:
    """The summary as views and written files show it: secrets in URLs redacted."""
    import msgspec

    replace = msgspec.structs.replace
    return replace(
        summary,
        navigations=tuple(replace(n, url=_url(n.url)) for n in summary.navigations),
        requests=tuple(
            replace(
                r, url=_url(r.url), initiator=replace(r.initiator, url=_url(r.initiator.url)) if r.initiator else None
            )
            for r in summary.requests
        ),
        unknown_prefixes=tuple(replace(u, example=redact_url(u.example)) for u in summary.unknown_prefixes),
        notes=tuple(redact_url(note) for note in summary.notes),
    )


def _url(url: str | None) -> str | None:
    return None if url is None else redact_url(url)
