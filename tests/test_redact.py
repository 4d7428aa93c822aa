"""Secrets found by what they are (table-driven): headers by name, the Kubernetes websocket bearer subprotocol,
and in URLs userinfo, credential parameters in the query or the fragment (also percent-encoded), and
token-shaped values anywhere. Every case also holds for the vectorised table redaction."""

from __future__ import annotations

import pyarrow as pa
import pytest

from analyzer.redact import REDACTED, is_secret_header, redact_header, redact_url, redact_urls

JWT = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJrdWJlcm5ldGVzIn0.c2lnbmF0dXJl"
OPENSHIFT = "sha256~Zm9vYmFyYmF6cXV4cXV1eHF1dXhxdXV4"

URLS = [
    ("https://user:password@console.example/api/v1/pods", "https://REDACTED@console.example/api/v1/pods"),
    ("https://h/cb#access_token=abc&token_type=Bearer", "https://h/cb#access_token=REDACTED&token_type=Bearer"),
    ("https://h/cb#id_token=abc", "https://h/cb#id_token=REDACTED"),
    ("https://h/p?access%5Ftoken=abc&x=1", "https://h/p?access%5Ftoken=REDACTED&x=1"),
    ("https://h/p?x-amz%2Dsecurity-token=abc", "https://h/p?x-amz%2Dsecurity-token=REDACTED"),
    (f"https://h/login?state={JWT}&x=1", "https://h/login?state=REDACTED&x=1"),
    (f"https://h/api/v1/namespaces/x/secrets/{JWT}", "https://h/api/v1/namespaces/x/secrets/REDACTED"),
    (f"https://h/p?t={OPENSHIFT}", "https://h/p?t=REDACTED"),
    ("https://h/p?access_token=abc&x=1", "https://h/p?access_token=REDACTED&x=1"),
    ("https://h/api/v1/namespaces/testhl/pods?watch=true&resourceVersion=12", None),  # nothing secret: unchanged
    ("https://h/apis/apps/v1/deployments?labelSelector=app%3Dweb", None),
]


@pytest.mark.parametrize(("url", "expected"), URLS)
def test_url_secrets(url: str, expected: str | None) -> None:
    assert redact_url(url) == (expected or url)
    assert redact_url(redact_url(url)) == redact_url(url)  # idempotent


def test_the_table_redaction_finds_the_same_secrets() -> None:
    from analyzer.render.tables import redact_table

    rows = [url for url, _ in URLS]
    got = redact_table(pa.table({"url": rows})).column("url").to_pylist()
    assert got == [expected or url for url, expected in URLS]


@pytest.mark.parametrize("slice_size", [50_000, 1, 3])
def test_many_urls_at_once_find_the_same_secrets(slice_size: int, monkeypatch: pytest.MonkeyPatch) -> None:
    # `redacted(summary)` redacts every request's URL this way, a slice at a time (here also 1 and 3 URLs a
    # slice, so that slices end on every URL); a non-ASCII URL is always looked at.
    monkeypatch.setattr("analyzer.redact.REDACT_SLICE", slice_size)
    rows = [url for url, _ in URLS] + [None, "https://h/é?access_token=abc"]
    assert redact_urls(rows) == [expected or url for url, expected in URLS] + [
        None,
        "https://h/é?access_token=REDACTED",
    ]


HEADERS = [
    ("Authorization", "Bearer abc.def", "Bearer REDACTED"),
    ("Proxy-Authorization", "Basic dXNlcjpwdw==", "Basic REDACTED"),
    *[
        (name, "s3cr3t", REDACTED)
        for name in (
            "Cookie",
            "Set-Cookie",
            "Cookie2",
            "Set-Cookie2",
            "X-Forwarded-Access-Token",
            "X-Auth-Request-Access-Token",
            "X-Vault-Token",
            "X-Goog-Api-Key",
            "X-Amz-Security-Token",
            "Private-Token",
            "X-Access-Token",
            "X-Api-Token",
            "Api-Key",
            "X-Id-Token",
            "X-Session-Token",
            "X-XSRF-TOKEN",
            "X-CSRF-Token",
            "X-Auth-Token",
            "X-Api-Key",
            "X-Client-Secret",
            "X-Password",
        )
    ],
    (
        "Sec-WebSocket-Protocol",
        f"base64url.bearer.authorization.k8s.io.{JWT}, base64.binary.k8s.io",
        "base64url.bearer.authorization.k8s.io.REDACTED, base64.binary.k8s.io",
    ),
    ("Location", "https://h/cb#access_token=abc", "https://h/cb#access_token=REDACTED"),
    ("Referer", "https://u:p@h/page", "https://REDACTED@h/page"),
    ("X-Custom", "Bearer abcdef", "Bearer REDACTED"),
    (":authority", "console.example", "console.example"),
    ("WWW-Authenticate", 'Bearer realm="kubernetes"', 'Bearer realm="kubernetes"'),
    ("Accept", "application/json", "application/json"),
    ("Author", "someone", "someone"),  # `auth` only as a word part
]


@pytest.mark.parametrize(("name", "value", "expected"), HEADERS)
def test_header_secrets(name: str, value: str, expected: str) -> None:
    assert redact_header(name, value) == expected


@pytest.mark.parametrize("name", [":authority", "WWW-Authenticate", "Accept", "Author", "X-Authority-Zone"])
def test_names_that_are_not_credentials(name: str) -> None:
    assert not is_secret_header(name)


def test_each_distinct_url_is_searched_once_and_kept_as_given(monkeypatch: pytest.MonkeyPatch) -> None:
    """A console sends the same URLs again and again: each distinct one is searched once, a URL with nothing to
    redact is returned as the very object given (equal copies each as its own), a secret redacted in all."""
    import analyzer.redact as redact

    searched: list[int] = []
    search = redact.may_hold_url_secret

    def counting(strings: pa.Array) -> pa.Array:
        searched.append(len(strings))
        return search(strings)

    monkeypatch.setattr(redact, "may_hold_url_secret", counting)
    plain = "https://h/api/v1/pods?watch=true"
    copy = "".join(["https://h/api/v1/", "pods?watch=true"])  # equal, another object
    secret = "https://h/api/v1/pods?access_token=abc"
    urls = [plain, None, copy, secret] * 500
    found = redact_urls(urls)
    assert sum(searched) == 2  # the plain URL (both objects are one value) and the secret one
    assert found[0::4] == [plain] * 500 and all(f is plain for f in found[0::4])
    assert all(f is copy for f in found[2::4]) and copy is not plain
    assert found[1::4] == [None] * 500
    assert found[3::4] == ["https://h/api/v1/pods?access_token=REDACTED"] * 500
