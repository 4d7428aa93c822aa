"""URL parts: `split_urls` (cheap kernels, the regex for odd rows) gives exactly what the regex alone gives."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from analyzer.errors import InputError
from analyzer.har import load_capture
from analyzer.har.urls import split_urls
from tests.conftest import CORPUS, require_shared

# The reference: the regex-only code that `split_urls` replaces, kept verbatim.
_URL = (
    r"^(?:(?P<scheme>[A-Za-z][A-Za-z0-9+.\-]*):)?"
    r"(?://(?:[^/?#@]*@)?(?P<host>\[[^\]/?#]*\]|[^:/?#]*)(?::(?P<port>[0-9]*))?)?"
    r"(?P<path>[^?#]*)(?:\?(?P<query>[^#]*))?"
)
_DEFAULT_PORTS = {"http": 80, "ws": 80, "https": 443, "wss": 443}


def _blank_to_null(values: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(values, ""), None, values)


def reference_parts(urls: pa.Array) -> dict[str, pa.Array]:
    parts = pc.extract_regex(pc.fill_null(urls, ""), _URL)
    scheme = _blank_to_null(pc.utf8_lower(parts.field("scheme")))
    written = _blank_to_null(parts.field("port"))
    known = pc.index_in(scheme, value_set=pa.array(list(_DEFAULT_PORTS)))
    default = pa.array(list(_DEFAULT_PORTS.values()), type=pa.int32()).take(known)
    return {
        "scheme": scheme,
        "host": _blank_to_null(pc.utf8_lower(parts.field("host"))),
        "port": pc.coalesce(pc.cast(written, pa.int32()), default),
        "path": pc.if_else(pc.is_null(urls), None, parts.field("path")),
        "query": _blank_to_null(parts.field("query")),
    }


def _assert_same(urls: pa.Array, where: str = "") -> None:
    got, expected = split_urls(urls), reference_parts(urls)
    assert list(got) == list(expected)
    for name, values in expected.items():
        assert got[name].type == values.type, (where, name)
        assert got[name].equals(values), (where, name, got[name].to_pylist(), values.to_pylist())


CASES = [
    # Default and written ports.
    pytest.param("http://example.com/a", id="http-default-port"),
    pytest.param("https://example.com/a", id="https-default-port"),
    pytest.param("ws://example.com/socket", id="ws-default-port"),
    pytest.param("wss://example.com/socket?x=1", id="wss-default-port"),
    pytest.param("https://example.com:8443/a", id="explicit-port"),
    pytest.param("http://example.com:80/", id="explicit-default-port"),
    pytest.param("http://h:0080/", id="port-leading-zeros"),
    pytest.param("http://h:/a", id="empty-port"),
    pytest.param("http://h:80ab/c", id="port-with-letters"),
    pytest.param("http://h:80:90/x", id="two-ports"),
    pytest.param("http://:8080/x", id="port-without-host"),
    pytest.param("ftp://example.com/pub", id="scheme-without-default-port"),
    pytest.param("chrome-extension://abcdef/page.html", id="unknown-scheme"),
    pytest.param("git+ssh.x-y://h/p", id="scheme-with-plus-dot-dash"),
    # IPv6 and userinfo.
    pytest.param("http://[::1]/a", id="ipv6-without-port"),
    pytest.param("https://[2001:db8::1]:8443/a?b=c", id="ipv6-with-port"),
    pytest.param("http://[::1/a", id="ipv6-unclosed"),
    pytest.param("http://h[1]/a", id="bracket-inside-host"),
    pytest.param("https://user:pass@host:444/p?q", id="userinfo-with-port"),
    pytest.param("ftp://anonymous@ftp.example.com/pub", id="userinfo-without-password"),
    pytest.param("https://a@b@h/p", id="two-at-signs"),
    pytest.param("https://h/@scope/pkg", id="at-in-path"),
    pytest.param("https://h/p?email=a@b", id="at-in-query"),
    # No `scheme://`.
    pytest.param("/api/v1/pods", id="no-scheme"),
    pytest.param("/api/v1/pods?watch=1", id="no-scheme-with-query"),
    pytest.param("api/v1/pods", id="relative-path"),
    pytest.param("//cdn.example.com/lib.js", id="double-slash-without-scheme"),
    pytest.param("//h:8080/x?y", id="double-slash-with-port"),
    pytest.param("data:text/html,<h1>Hi?</h1>", id="data-url"),
    pytest.param("data:image/png;base64,iVBORw0KGgo=", id="data-url-base64"),
    pytest.param("about:blank", id="about-blank"),
    pytest.param("blob:https://example.com/550e8400-e29b-41d4-a716-446655440000", id="blob-url"),
    pytest.param("mailto:someone@example.com", id="mailto"),
    pytest.param("1http://h/p", id="scheme-starting-with-digit"),
    pytest.param("https:", id="scheme-only"),
    pytest.param("https:/h/p", id="one-slash-after-scheme"),
    pytest.param("c:/x", id="drive-letter"),
    # Fragments.
    pytest.param("https://h/p#frag", id="fragment"),
    pytest.param("https://h/p?a=1#frag", id="query-then-fragment"),
    pytest.param("https://h/p#frag?not-a-query", id="question-mark-in-fragment"),
    pytest.param("https://h#frag/x", id="fragment-right-after-host"),
    pytest.param("#top", id="fragment-only"),
    # Empty and null.
    pytest.param("", id="empty"),
    pytest.param(None, id="null"),
    pytest.param("?", id="question-mark-only"),
    # Case, query and path shapes.
    pytest.param("HTTPS://Example.COM/Path?Q=V", id="uppercase-scheme-and-host"),
    pytest.param("hTTp://H/", id="mixed-case-scheme"),
    pytest.param("https://BÜCHER.example/ä?ö=ü", id="non-ascii-host"),
    pytest.param("https://h/p?a=b?c", id="question-mark-in-query"),
    pytest.param("https://h/p?", id="trailing-question-mark"),
    pytest.param("https://h/p??", id="two-question-marks"),
    pytest.param("https://example.com", id="no-path"),
    pytest.param("https://example.com?x=1", id="no-path-with-query"),
    pytest.param("https://example.com/", id="root-path"),
    pytest.param("file:///etc/hosts", id="empty-host"),
    pytest.param("https://h//a//b", id="double-slashes-in-path"),
    pytest.param("https://h/api/v1/namespaces/a%2Fb/pods?fieldSelector=metadata.name%3Dx", id="percent-escapes"),
    pytest.param("https://ex%41mple.com/", id="percent-escape-in-host"),
    pytest.param("https://h/p;jsessionid=1?x", id="path-parameters"),
    pytest.param("https://h/a b?c d", id="spaces"),
    pytest.param("https://h\\x/y", id="backslash-in-host"),
    pytest.param("https://h/a\nb?c\nd", id="newlines"),
]


@pytest.mark.parametrize("url", CASES)
def test_one_url_gives_the_regex_parts(url: str | None) -> None:
    _assert_same(pa.array([url], type=pa.string()))


def test_all_cases_together_and_sliced() -> None:
    """Odd rows among ordinary ones: the regex results go back to their own rows."""
    urls: list[Any] = [case.values[0] for case in CASES]
    mixed = pa.array([u for url in urls for u in (url, "https://example.com/api/v1/pods?limit=1")], type=pa.string())
    _assert_same(mixed)
    _assert_same(mixed.slice(7, 40), "slice")
    _assert_same(mixed.slice(len(mixed)), "empty slice")


def test_ordinary_urls_only() -> None:
    urls = pa.array(["https://a.example/x?y=1", "http://b.example:8080/", "wss://a.example/w"], type=pa.string())
    _assert_same(urls)
    assert split_urls(urls)["port"].to_pylist() == [443, 8080, 443]


def test_values() -> None:
    parts = split_urls(pa.array(["HTTPS://Example.COM:8443/a/b?c=d", "/p?q", None], type=pa.string()))
    assert {name: values.to_pylist() for name, values in parts.items()} == {
        "scheme": ["https", None, None],
        "host": ["example.com", None, None],
        "port": [8443, None, None],
        "path": ["/a/b", "/p", None],
        "query": ["c=d", "q", None],
    }


def test_chunked_input() -> None:
    chunks = pa.chunked_array([["https://h/a?b", "/x"], ["http://[::1]:81/"]], type=pa.string())
    got, expected = split_urls(chunks), reference_parts(chunks.combine_chunks())
    assert all(got[name].equals(values) for name, values in expected.items())


@pytest.mark.parametrize(
    "url",
    ["https://h:99999999999/", "https://h:65536/x", "http://h:123456789012345678901234567890/", "//h:70000/"],
)
def test_a_port_that_is_no_tcp_port_is_null(url: str) -> None:
    """(The regex-only code raised ArrowInvalid here, and the whole capture failed to load.)"""
    parts = split_urls(pa.array([url], type=pa.string()))
    assert parts["port"].to_pylist() == [None]
    assert parts["host"].to_pylist() == ["h"]


def test_the_highest_port() -> None:
    assert split_urls(pa.array(["https://h:65535/"], type=pa.string()))["port"].to_pylist() == [65535]


def test_every_corpus_url() -> None:
    checked = 0
    for path in sorted(require_shared(CORPUS).iterdir()):
        if not path.is_file() or path.suffix in {".tsv", ".md"}:
            continue
        try:
            capture = load_capture(path)
        except InputError:
            continue
        entries: Any = capture.entries
        _assert_same(entries.column("url").combine_chunks(), path.name)
        checked += 1
    assert checked > 200
