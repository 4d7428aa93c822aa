"""Go `net/url` semantics: URL splitting, path unescaping, ParseQuery, and apimachinery value conversions."""

from __future__ import annotations

import pytest

from analyzer.k8s.query import (
    first_value,
    go_bool,
    go_int64,
    parse_query,
    split_url,
    unescape_path,
    unescape_query_component,
)


@pytest.mark.parametrize(
    ("url", "scheme", "path", "query"),
    [
        pytest.param("/api/v1/pods", "", "/api/v1/pods", "", id="path-only"),
        pytest.param("/api/v1/pods?watch=1&a=b", "", "/api/v1/pods", "watch=1&a=b", id="path-and-query"),
        pytest.param("https://h:8443/api/v1/pods?x=1", "https", "/api/v1/pods", "x=1", id="https-with-port"),
        pytest.param("WSS://h/api/v1/pods?watch=1", "wss", "/api/v1/pods", "watch=1", id="scheme-lower-cased"),
        pytest.param("ws://127.0.0.1:8001/apis/apps/v1/x", "ws", "/apis/apps/v1/x", "", id="ws-ip-port"),
        pytest.param("https://h", "https", "", "", id="no-path"),
        pytest.param("https://h?x=1", "https", "", "x=1", id="no-path-with-query"),
        pytest.param("/a?b=c#frag?x", "", "/a", "b=c", id="fragment-dropped"),
        pytest.param("/a?b=c?d", "", "/a", "b=c?d", id="second-question-mark-in-query"),
        pytest.param("", "", "", "", id="empty"),
        pytest.param("api/v1/pods", "", "api/v1/pods", "", id="relative-path"),
    ],
)
def test_split_url(url: str, scheme: str, path: str, query: str) -> None:
    assert split_url(url) == (scheme, path, query)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("/api/v1/pods", "/api/v1/pods", id="plain"),
        pytest.param("/pods/a%2Fb", "/pods/a/b", id="encoded-slash-decodes"),
        pytest.param("/pods/a%2fb", "/pods/a/b", id="lower-case-hex"),
        pytest.param("/pods/a+b", "/pods/a+b", id="plus-kept-in-path"),
        pytest.param("/pods/a%20b", "/pods/a b", id="space"),
        pytest.param("/pods/%E4%BD%A0", "/pods/你", id="utf8"),
        pytest.param("/pods/%FF", "/pods/\ufffd", id="invalid-utf8-replaced"),
        pytest.param("/pods/%zz/x%2F", "/pods/%zz/x%2F", id="malformed-keeps-raw"),
        pytest.param("/pods/x%4", "/pods/x%4", id="truncated-escape-keeps-raw"),
        pytest.param("/pods/x%", "/pods/x%", id="bare-percent-keeps-raw"),
    ],
)
def test_unescape_path(raw: str, expected: str) -> None:
    assert unescape_path(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("a+b", "a b", id="plus-is-space"),
        pytest.param("a%2Bb", "a+b", id="encoded-plus"),
        pytest.param("a%3Db%2Cc", "a=b,c", id="encoded-selector"),
        pytest.param("a%zz", None, id="malformed"),
        pytest.param("a%", None, id="bare-percent"),
        pytest.param("", "", id="empty"),
    ],
)
def test_unescape_query_component(raw: str, expected: str | None) -> None:
    assert unescape_query_component(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("", {}, id="empty"),
        pytest.param("watch", {"watch": [""]}, id="key-without-equals"),
        pytest.param("watch=", {"watch": [""]}, id="empty-value"),
        pytest.param("a=1&a=2&b=3", {"a": ["1", "2"], "b": ["3"]}, id="values-in-order"),
        pytest.param("a=1;b=2&c=3", {"c": ["3"]}, id="semicolon-pair-dropped"),
        pytest.param("a=1&b=%zz&c=3", {"a": ["1"], "c": ["3"]}, id="malformed-value-dropped"),
        pytest.param("a%zz=1&c=3", {"c": ["3"]}, id="malformed-key-dropped"),
        pytest.param("a=x+y&b=%2B", {"a": ["x y"], "b": ["+"]}, id="plus-and-encoded-plus"),
        pytest.param("&&a=1&", {"a": ["1"]}, id="empty-pieces-skipped"),
        pytest.param("=v", {"": ["v"]}, id="empty-key-kept"),
        pytest.param("a=b=c", {"a": ["b=c"]}, id="first-equals-splits"),
        pytest.param(
            "fieldSelector=metadata.name%3Dfoo&labelSelector=app%3Dx",
            {"fieldSelector": ["metadata.name=foo"], "labelSelector": ["app=x"]},
            id="encoded-selectors",
        ),
    ],
)
def test_parse_query(raw: str, expected: dict[str, list[str]]) -> None:
    assert parse_query(raw) == expected


def test_first_value() -> None:
    query = parse_query("a=1&a=2")
    assert first_value(query, "a") == "1"
    assert first_value(query, "b") is None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("", True, id="empty-is-true"),
        pytest.param("true", True, id="true"),
        pytest.param("1", True, id="one"),
        pytest.param("no", True, id="no-is-true"),
        pytest.param("yes", True, id="yes"),
        pytest.param("0", False, id="zero"),
        pytest.param("false", False, id="false"),
        pytest.param("FALSE", False, id="false-upper"),
        pytest.param("False", False, id="false-title"),
        pytest.param("fal\u017fe", False, id="long-s-folds-like-go-EqualFold"),
        pytest.param("00", True, id="double-zero-is-true"),
        pytest.param(" false", True, id="padded-false-is-true"),
    ],
)
def test_go_bool(value: str, expected: bool) -> None:
    assert go_bool(value) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        pytest.param("59", 59, id="plain"),
        pytest.param("+5", 5, id="plus-sign"),
        pytest.param("-5", -5, id="minus-sign"),
        pytest.param("007", 7, id="leading-zeros"),
        pytest.param("9223372036854775807", 2**63 - 1, id="int64-max"),
        pytest.param("-9223372036854775808", -(2**63), id="int64-min"),
        pytest.param("9223372036854775808", None, id="overflow"),
        pytest.param("", None, id="empty"),
        pytest.param("abc", None, id="letters"),
        pytest.param(" 5", None, id="space"),
        pytest.param("1_000", None, id="underscore"),
        pytest.param("5.0", None, id="decimal"),
        pytest.param("\u0663", None, id="non-ascii-digit"),
        pytest.param("0x10", None, id="hex"),
    ],
)
def test_go_int64(value: str, expected: int | None) -> None:
    assert go_int64(value) == expected
