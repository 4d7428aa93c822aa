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
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-auth-token", "x-api-key", "x-csrf-token"}
)

_PARAMETER_NAMES = "|".join(sorted((re.escape(p) for p in SECRET_PARAMETERS), key=len, reverse=True))
# RE2- and Python-compatible: a secret parameter's value after `?`, `&` or `;`, up to the next separator.
QUERY_SECRET_PATTERN = rf"(?i)((?:^|[?&;])(?:{_PARAMETER_NAMES})=)[^&#;]*"
QUERY_SECRET_REPLACEMENT = rf"\1{REDACTED}"
# The same test on the reversed text (`^name=` or `[?&;]name=` reads `=eman` then `[?&;]` or `$`): it starts
# with a literal `=`, which RE2 finds with memchr instead of trying the pattern at every position.
_REVERSED_NAMES = "|".join(sorted((re.escape(p[::-1]) for p in SECRET_PARAMETERS), key=len, reverse=True))
REVERSED_QUERY_SECRET_PATTERN = rf"(?i)=(?:{_REVERSED_NAMES})(?:[?&;]|$)"
# Without the separator: found in the reversed text of many values joined, whenever one value has a secret.
REVERSED_SECRET_NAME_PATTERN = rf"(?i)=(?:{_REVERSED_NAMES})"
_QUERY_SECRET = re.compile(QUERY_SECRET_PATTERN)


def redact_url(url: str) -> str:
    """`https://h/p?access_token=abc&x=1` -> `https://h/p?access_token=REDACTED&x=1`."""
    return _QUERY_SECRET.sub(rf"\g<1>{REDACTED}", url)


def redact_header(name: str, value: str) -> str:
    """A credential header's value becomes REDACTED (keeping a `Bearer ` scheme word for readability)."""
    if name.lower() in SECRET_HEADERS:
        scheme = value.split(" ", 1)[0] if " " in value and value.split(" ", 1)[0].isalpha() else ""
        return f"{scheme} {REDACTED}".strip() if scheme and name.lower().endswith("authorization") else REDACTED
    return value


def redacted(summary: Summary) -> Summary:
    """The summary as views and written files show it: secrets in URLs redacted."""
    import msgspec

    replace = msgspec.structs.replace
    return replace(
        summary,
        navigations=tuple(replace(n, url=_url(n.url)) for n in summary.navigations),
        requests=tuple(replace(r, url=_url(r.url)) for r in summary.requests),
    )


def _url(url: str | None) -> str | None:
    return None if url is None else redact_url(url)
