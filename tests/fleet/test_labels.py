"""Labels: `--label KEY=VALUE`, the `--label-from-path` template, sidecars, and their precedence."""

from __future__ import annotations

import pytest

from analyzer.errors import ConfigError, InputError
from analyzer.fleet.labels import (
    PathTemplate,
    is_sidecar,
    merge_labels,
    parse_label,
    parse_labels,
    parse_sidecar,
    sidecar_of,
)


@pytest.mark.parametrize(
    ("template", "path", "labels"),
    [
        pytest.param("{branch}/{run}/{test}.har", "ci/main/1234/login.har",
                     {"branch": "main", "run": "1234", "test": "login"}, id="the-tail-of-a-longer-path"),
        pytest.param("{branch}/{run}/{test}.har", "main/1234/login.har",
                     {"branch": "main", "run": "1234", "test": "login"}, id="exactly-as-long"),
        pytest.param("runs/{run}/{test}.har", "/data/runs/7/a.b.har", {"run": "7", "test": "a.b"},
                     id="a-literal-segment-and-a-dot-in-a-field"),
        pytest.param("{team}-{run}/{test}.har.gz", "web-42/x.har.gz", {"team": "web", "run": "42", "test": "x"},
                     id="two-fields-in-one-segment"),
        pytest.param("{test}.har", "C:\\captures\\a.har", {"test": "a"}, id="windows-separators"),
        pytest.param("{branch}/{test}.har", "s3-bucket/main/a.har", {"branch": "main", "test": "a"}, id="a-url-path"),
    ],
)  # fmt: skip
def test_a_template_takes_labels_from_the_end_of_the_path(template: str, path: str, labels: dict[str, str]) -> None:
    assert PathTemplate.parse(template).match(path) == labels


@pytest.mark.parametrize(
    ("template", "path"),
    [
        pytest.param("{branch}/{run}/{test}.har", "1234/login.har", id="too-few-segments"),
        pytest.param("{branch}/{run}/{test}.har", "main/1234/login.har.gz", id="literal-suffix-differs"),
        pytest.param("runs/{run}/{test}.har", "jobs/7/a.har", id="literal-segment-differs"),
        pytest.param("{team}-{run}/{test}.har", "web42/a.har", id="literal-inside-a-segment-missing"),
    ],
)
def test_a_path_that_does_not_match_gets_no_labels(template: str, path: str) -> None:
    assert PathTemplate.parse(template).match(path) is None


@pytest.mark.parametrize(
    ("template", "message"),
    [
        pytest.param("{a}/{a}.har", "used twice", id="a-name-twice"),
        pytest.param("{a}{b}.har", "nothing between them", id="adjacent-fields"),
        pytest.param("{1x}.har", "not a field name", id="not-an-identifier"),
        pytest.param("{}.har", "not a field name", id="empty-name"),
        pytest.param("{a.har", "unmatched brace", id="unclosed"),
        pytest.param("a}/{b}.har", "unmatched brace", id="stray-closing"),
        pytest.param("a//{b}.har", "empty path segment", id="empty-segment"),
        pytest.param("runs/x.har", "no {field}", id="no-field"),
    ],
)
def test_a_bad_template_is_one_line(template: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        PathTemplate.parse(template)
    assert "\n" not in str(caught.value) and template in str(caught.value)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        pytest.param("team=console", ("team", "console"), id="plain"),
        pytest.param("query=a=b", ("query", "a=b"), id="value-with-equals"),
        pytest.param(" team =x", ("team", "x"), id="key-stripped"),
        pytest.param("empty=", ("empty", ""), id="empty-value"),
    ],
)
def test_label_option(text: str, label: tuple[str, str]) -> None:
    assert parse_label(text) == label


@pytest.mark.parametrize("text", ["team", "=x", " =x"])
def test_a_label_without_a_key_is_refused(text: str) -> None:
    with pytest.raises(ConfigError, match="expected KEY=VALUE"):
        parse_label(text)


def test_a_later_label_overrides_an_earlier_one() -> None:
    assert parse_labels(["a=1", "b=2", "a=3"]) == {"a": "3", "b": "2"}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(b"{not json", "not JSON", id="not-json"),
        pytest.param(b'["a"]', "JSON object of strings, not list", id="a-list"),
        pytest.param(b'{"run": 42}', "label 'run' is int, not a string", id="a-number"),
        pytest.param(b'{"a": null}', "label 'a' is NoneType", id="a-null"),
    ],
)
def test_a_bad_sidecar_is_one_line_naming_it(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message) as caught:
        parse_sidecar("x.har.labels.json", data)
    assert str(caught.value).startswith("x.har.labels.json: ")


def test_sidecars() -> None:
    assert parse_sidecar("s", b'{"team": "web", "run": "7"}') == {"team": "web", "run": "7"}
    assert sidecar_of("runs/a.har.gz") == "runs/a.har.gz.labels.json"
    assert is_sidecar("a.har.labels.json") and not is_sidecar("a.har")


def test_precedence_path_then_sidecar_then_option() -> None:
    path, sidecar, given = {"a": "path", "b": "path", "c": "path"}, {"b": "sidecar", "c": "sidecar"}, {"c": "option"}
    assert merge_labels(path, sidecar, given) == {"a": "path", "b": "sidecar", "c": "option"}
