"""Policies: the example and the default parse; every invalid policy is one PolicyError naming rule and key."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from analyzer.gate.expectations import EVALUATORS
from analyzer.gate.policy import (
    DEFAULT_POLICY_TOML,
    EXPECTATIONS,
    PolicyError,
    Selector,
    default_policy,
    load_policy,
    parse_policy,
)
from tests.gate.support import REPO

EXAMPLE = REPO / "docs" / "policy.example.toml"
KEY = "calico3/asm.alauda.io/v1beta3/testhl/microservices/asm-cal3"
COLLECTION = "calico3/core/v1/-/namespaces"


def test_every_expectation_is_documented_and_evaluated() -> None:
    assert set(EXPECTATIONS) == set(EVALUATORS)
    example = EXAMPLE.read_text(encoding="utf-8")
    assert all(f"#   {key}" in example for key in EXPECTATIONS), "docs/policy.example.toml documents every key"


def test_example_policy_parses_and_uses_every_expectation() -> None:
    policy = load_policy(EXAMPLE)
    assert policy.source == str(EXAMPLE)
    assert {key for rule in policy.rules for key in rule.expect} == set(EXPECTATIONS)
    assert [r.name for r in policy.rules[:2]] == ["no-error-findings", "watch-not-replaced-by-polling"]


def test_default_policy_is_the_two_rules_of_the_issue() -> None:
    policy = default_policy()
    assert policy.source == "built-in default policy"
    assert [(r.name, dict(r.expect)) for r in policy.rules] == [
        ("no-error-findings", {"forbid_severity": "error"}),
        ("watch-not-replaced-by-polling", {"forbid_findings": ("watch-replaced-by-polling",)}),
    ]
    # The example file starts with the same two rules.
    example = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))["rule"][:2]
    assert [{k: v for k, v in r.items() if k != "description"} for r in example] == [
        {k: v for k, v in r.items() if k != "description"} for r in tomllib.loads(DEFAULT_POLICY_TOML)["rule"]
    ]


def test_a_full_rule_is_read_into_typed_values() -> None:
    policy = parse_policy(
        {"rule": [{"name": "r", "description": "d", "required": True,
                   "select": {"page": "*/detail*", "resource": ["microservices", "pods"]},
                   "expect": {"modes": ["watch", "once"], "min_poll_interval_s": 10, "watch_bookmarks": True,
                              "max_http1_long_lived_per_host": 4}}]},
        "p.toml",
    )  # fmt: skip
    rule = policy.rules[0]
    assert rule.required and rule.description == "d"
    assert rule.select.globs == {"page": ("*/detail*",), "resource": ("microservices", "pods")}
    assert dict(rule.expect) == {"modes": ("watch", "once"), "min_poll_interval_s": 10.0, "watch_bookmarks": True,
                                 "max_http1_long_lived_per_host": 4}  # fmt: skip


INVALID = [
    pytest.param("", "p.toml: no rules: add at least one [[rule]] table", id="no-rules"),
    pytest.param("on_inconclusive = 'maybe'\n[[rule]]\nname = 'a'\nexpect = {modes = ['watch']}",
                 "p.toml: on_inconclusive: must be \"fail\" or \"pass\", not 'maybe'", id="on-inconclusive"),
    pytest.param("rules = []", "p.toml: unknown top-level key 'rules' (known: version, on_inconclusive, rule)",
                 id="unknown-top-key"),
    pytest.param("version = 2\n[[rule]]\nname = 'a'\nexpect = {modes = ['watch']}",
                 "p.toml: version: unsupported policy version 2 (this version reads 1)", id="version"),
    pytest.param("[[rule]]\nexpect = {modes = ['watch']}", "p.toml: rule #1: name: required, a non-empty string",
                 id="no-name"),
    pytest.param("[[rule]]\nname = 'a'", "p.toml: rule 'a': expect: required, with at least one of: modes, "
                 "min_poll_interval_s, max_requests_per_min, watch_resource_version, watch_bookmarks, "
                 "min_watch_lifetime_s, max_http1_long_lived_per_host, forbid_findings, forbid_severity",
                 id="no-expect"),
    pytest.param("[[rule]]\nname = 'a'\nexpect = {modes = ['wach']}",
                 "p.toml: rule 'a': expect.modes: unknown mode 'wach' (known: watch, poll, watch+poll, once)",
                 id="unknown-mode"),
    pytest.param("[[rule]]\nname = 'a'\nexpect = {mode = 'watch'}",
                 "p.toml: rule 'a': expect: unknown key 'mode' (known: modes, min_poll_interval_s, "
                 "max_requests_per_min, watch_resource_version, watch_bookmarks, min_watch_lifetime_s, "
                 "max_http1_long_lived_per_host, forbid_findings, forbid_severity)", id="unknown-expectation"),
    pytest.param("[[rule]]\nname = 'a'\nexpect = {min_poll_interval_s = '10s'}",
                 "p.toml: rule 'a': expect.min_poll_interval_s: must be a number > 0, got '10s' (a number, no "
                 "unit: the key names it)", id="seconds-with-unit"),
    pytest.param("[[rule]]\nname = 'a'\nexpect = {max_requests_per_min = 0}",
                 "p.toml: rule 'a': expect.max_requests_per_min: must be a number > 0, got 0", id="zero-rate"),
    pytest.param("[[rule]]\nname = 'a'\nexpect = {max_http1_long_lived_per_host = 2.5}",
                 "p.toml: rule 'a': expect.max_http1_long_lived_per_host: must be a whole number >= 0, got 2.5",
                 id="fractional-connections"),
    pytest.param("[[rule]]\nname = 'a'\nexpect = {watch_bookmarks = 'yes'}",
                 "p.toml: rule 'a': expect.watch_bookmarks: must be true or false", id="bookmarks-not-bool"),
    pytest.param("[[rule]]\nname = 'a'\nexpect = {forbid_findings = ['watch-replaced']}",
                 "p.toml: rule 'a': expect.forbid_findings: unknown finding id 'watch-replaced' (known: "
                 "capture-omits-unfinished, duplicate-requests, http1-connection-saturation, polling-instead-of-watch, "
                 "relist-storm, watch-aborted-by-navigation, watch-and-poll, watch-ended-early, watch-expired, "
                 "watch-reconnect-storm, watch-replaced-by-polling, watch-without-resource-version)",
                 id="unknown-finding"),
    pytest.param("[[rule]]\nname = 'a'\nexpect = {forbid_severity = 'fatal'}",
                 "p.toml: rule 'a': expect.forbid_severity: must be one of error, warning, info, got 'fatal'",
                 id="unknown-severity"),
    pytest.param("[[rule]]\nname = 'a'\nselect = {pod = 'x'}\nexpect = {modes = ['watch']}",
                 "p.toml: rule 'a': select: unknown key 'pod' (known: page, trigger, cluster, group, version, "
                 "namespace, resource, name, host)", id="unknown-selector"),
    pytest.param("[[rule]]\nname = 'a'\nselect = {page = []}\nexpect = {modes = ['watch']}",
                 "p.toml: rule 'a': select.page: must be a glob or a non-empty list of globs, like \"*/console/*\"",
                 id="empty-glob-list"),
    pytest.param("[[rule]]\nname = 'a'\nselect = 'x'\nexpect = {modes = ['watch']}",
                 "p.toml: rule 'a': select: must be a table, like select = { ... }", id="select-not-table"),
    pytest.param("[[rule]]\nname = 'a'\nrequired = 1\nexpect = {modes = ['watch']}",
                 "p.toml: rule 'a': required: must be true or false", id="required-not-bool"),
    pytest.param("[[rule]]\nname = 'a'\nwhen = 1\nexpect = {modes = ['watch']}",
                 "p.toml: rule 'a': unknown key 'when' (known: name, description, required, select, expect)",
                 id="unknown-rule-key"),
    pytest.param("[[rule]]\nname = 'a'\nexpect = {modes = ['watch']}\n[[rule]]\nname = 'a'\n"
                 "expect = {modes = ['poll']}", "p.toml: rule 'a': name: used by more than one rule",
                 id="duplicate-name"),
    pytest.param("[[rule]\nname = 'a'", "p.toml: invalid TOML: ", id="invalid-toml"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), INVALID)
def test_invalid_policies_are_one_line_naming_rule_and_key(
    text: str, message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    Path("p.toml").write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError) as caught:
        load_policy("p.toml")
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)
    if not message.endswith(": "):
        assert str(caught.value) == message


def test_missing_policy_file() -> None:
    with pytest.raises(PolicyError, match=r"^nope\.toml: no such policy file$"):
        load_policy("nope.toml")


SELECTS = [
    pytest.param({}, KEY, True, id="no-globs-match-all"),
    pytest.param({"resource": ("microservices",)}, KEY, True, id="resource"),
    pytest.param({"resource": ("pods", "micro*")}, KEY, True, id="any-of-a-list"),
    pytest.param({"resource": ("pods",)}, KEY, False, id="other-resource"),
    pytest.param({"group": ("core",)}, COLLECTION, True, id="core-group"),
    pytest.param({"namespace": ("-",)}, COLLECTION, True, id="cluster-scoped-namespace-dash"),
    pytest.param({"name": ("",)}, COLLECTION, True, id="collection-has-empty-name"),
    pytest.param({"name": ("?*",)}, COLLECTION, False, id="named-only-excludes-collection"),
    pytest.param({"name": ("?*",)}, KEY, True, id="named-only-object"),
    pytest.param({"cluster": ("calico*",), "version": ("v1beta3",)}, KEY, True, id="cluster-and-version"),
    pytest.param({"resource": ("*",)}, "127.0.0.1", False, id="a-host-is-no-key"),
    pytest.param({"resource": ("*",)}, None, False, id="no-key"),
    pytest.param({"page": ("*/detail*",)}, None, True, id="load-globs-ignore-keys"),
]


@pytest.mark.parametrize(("globs", "key", "matches"), SELECTS)
def test_selector_matches_key_parts(globs: dict[str, tuple[str, ...]], key: str | None, matches: bool) -> None:
    assert Selector(globs).matches_key(key) is matches


def test_selector_matches_page_and_trigger() -> None:
    select = Selector({"page": ("*/console/detail*",), "trigger": ("reload",)})
    assert select.matches_load("http://h/console/detail?timeout=8", "reload")
    assert not select.matches_load("http://h/console/detail?timeout=8", "initial")
    assert not select.matches_load("http://h/console/list", "reload")
    assert not select.matches_load(None, "reload")
