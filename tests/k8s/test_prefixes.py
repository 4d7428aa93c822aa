"""Console prefixes: the built-in table, validation of custom patterns, matching at the path start."""

from __future__ import annotations

import pytest

from analyzer.errors import ConfigError
from analyzer.k8s.prefixes import BUILTIN_PREFIXES, match_prefix, parse_prefix, validate_prefix
from analyzer.k8s.request_info import split_path
from analyzer.model import Prefix


def test_builtin_prefixes() -> None:
    assert [(prefix.pattern, prefix.console) for prefix in BUILTIN_PREFIXES] == [
        ("/api-gateway/kubernetes/{cluster}/", "alauda"),
        ("/kubernetes/{cluster}/", "alauda"),
        ("/api/kubernetes/", "openshift"),
        ("/k8s/clusters/{cluster}/", "rancher"),
        ("/clusters/{cluster}/", "headlamp"),
        ("/api-kube/", "lens"),
    ]
    for prefix in BUILTIN_PREFIXES:
        validate_prefix(prefix)


@pytest.mark.parametrize(
    ("pattern", "segments"),
    [
        pytest.param("/my-proxy/{cluster}/", ("my-proxy", "{cluster}"), id="cluster"),
        pytest.param("/my-proxy/{cluster}", ("my-proxy", "{cluster}"), id="no-trailing-slash"),
        pytest.param("  /gw/k8s/  ", ("gw", "k8s"), id="surrounding-space-stripped"),
        pytest.param("/{cluster}/", ("{cluster}",), id="cluster-only"),
        pytest.param("/a.b/c-d_e~f/", ("a.b", "c-d_e~f"), id="punctuation"),
    ],
)
def test_parse_prefix_valid(pattern: str, segments: tuple[str, ...]) -> None:
    prefix = parse_prefix(pattern)
    assert prefix.segments == segments
    assert prefix.console == "custom"


@pytest.mark.parametrize(
    ("pattern", "console", "message"),
    [
        pytest.param("my-proxy/{cluster}/", "custom", "must start with '/'", id="relative"),
        pytest.param("", "custom", "must start with '/'", id="empty"),
        pytest.param("/", "custom", "has no segments", id="root"),
        pytest.param("/a//b/", "custom", "has an empty segment", id="empty-segment"),
        pytest.param("/{cluster}/{cluster}/", "custom", "more than one {cluster}", id="two-clusters"),
        pytest.param("/x/{name}/", "custom", "segment '{name}'", id="unknown-placeholder"),
        pytest.param("/x/c{cluster}/", "custom", "segment 'c{cluster}'", id="partial-placeholder"),
        pytest.param("/x/?a=b", "custom", "segment '?a=b'", id="query"),
        pytest.param("/x/a%20b/", "custom", "segment 'a%20b'", id="percent"),
        pytest.param("/x/a b/", "custom", "segment 'a b'", id="space"),
        pytest.param("/../x/", "custom", "segment '..'", id="dot-dot"),
        pytest.param("/x/", "grafana", "unknown console 'grafana'", id="unknown-console"),
    ],
)
def test_parse_prefix_invalid(pattern: str, console: str, message: str) -> None:
    with pytest.raises(ConfigError) as raised:
        parse_prefix(pattern, console=console)
    text = str(raised.value)
    assert text.startswith(f"invalid prefix {pattern!r}: ")
    assert message in text
    assert "\n" not in text


def test_validate_prefix_catches_unvalidated_model_prefix() -> None:
    with pytest.raises(ConfigError):
        validate_prefix(Prefix.parse("no-slash/{cluster}"))


@pytest.mark.parametrize(
    ("pattern", "path", "expected"),
    [
        pytest.param(
            "/kubernetes/{cluster}/",
            "/kubernetes/c1/api/v1/pods",
            ("c1", ("api", "v1", "pods")),
            id="cluster",
        ),
        pytest.param("/api/kubernetes/", "/api/kubernetes/apis", (None, ("apis",)), id="no-cluster"),
        pytest.param("/kubernetes/{cluster}/", "/kubernetes/c1", ("c1", ()), id="nothing-after"),
        pytest.param(
            "/kubernetes/{cluster}/",
            "/kubernetes/c1//api/v1",
            ("c1", ("api", "v1")),
            id="leading-empty-dropped",
        ),
        pytest.param("/kubernetes/{cluster}/", "/kubernetes//api/v1", None, id="empty-cluster"),
        pytest.param("/kubernetes/{cluster}/", "/kubernetes", None, id="too-short"),
        pytest.param("/kubernetes/{cluster}/", "/x/kubernetes/c1/api/v1/pods", None, id="must-start-the-path"),
        pytest.param("/kubernetes/{cluster}/", "/kubernetesx/c1/api/v1/pods", None, id="whole-segments"),
        pytest.param("/api-kube/", "/api-kube/api/v1/pods", (None, ("api", "v1", "pods")), id="lens"),
    ],
)
def test_match_prefix(pattern: str, path: str, expected: tuple[str | None, tuple[str, ...]] | None) -> None:
    assert match_prefix(parse_prefix(pattern), tuple(split_path(path))) == expected
