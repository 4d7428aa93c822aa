"""Policies for `check`: TOML rules that select page loads and resources by glob and state expectations.

    [[rule]]
    name = "detail-page-watches"                 # required, unique: the test case name in JUnit
    description = "The detail page watches the object it shows"
    required = true                              # every selected load must read or watch a selected resource
    select = { page = "*/console/detail*", resource = "microservices", name = "?*" }
    expect = { modes = ["watch"] }

Selectors (`select`, each a glob or a list of globs, `*` when absent) match the page load's URL and trigger
and the parts of the resource key: cluster, group (`core` for the core group), version, namespace (`-` for
cluster-scoped), resource, name (empty for a collection) and, for connections, host. Expectations: see
EXPECTATIONS. `docs/policy.example.toml` is the commented reference.
"""

from __future__ import annotations

import fnmatch
import os
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from analyzer.analysis.rules import RULES
from analyzer.errors import ConfigError
from analyzer.summary import MODES, SEVERITIES, ResourceKey, one_of

LOAD_SELECTORS = ("page", "trigger")
KEY_SELECTORS = ("cluster", "group", "version", "namespace", "resource", "name")
SELECTORS = (*LOAD_SELECTORS, *KEY_SELECTORS, "host")
# expectation key -> what it means (the help text of `check` and the error messages quote these)
EXPECTATIONS: dict[str, str] = {
    "modes": "each selected resource's mode is one of these (watch, poll, watch+poll, once)",
    "min_poll_interval_s": "a selected resource that is polled is polled no faster than every N seconds",
    "max_requests_per_min": "each selected page load makes at most N Kubernetes requests a minute",
    "watch_resource_version": "each selected watch asks for a resourceVersion (not absent, not 0)",
    "watch_bookmarks": "each selected watch asks for allowWatchBookmarks=true",
    "min_watch_lifetime_s": "each selected watch the server (or the page) closed lived at least N seconds",
    "max_http1_long_lived_per_host": "at most N HTTP/1.x connections to a host held by long-lived requests at once",
    "forbid_findings": "none of these finding ids is found",
    "forbid_severity": "no finding of this severity or worse (error, warning, info) is found",
}
RULE_KEYS = ("name", "description", "required", "select", "expect")
TOP_KEYS = ("version", "on_inconclusive", "rule")
OnInconclusive = Literal["fail", "pass"]
ON_INCONCLUSIVE: tuple[OnInconclusive, ...] = ("fail", "pass")

DEFAULT_POLICY_TOML = """\
# The built-in policy of `har-analyzer check` (used when no --policy is given).
version = 1

[[rule]]
name = "no-error-findings"
description = "No error-level finding (see `har-analyzer analyze`)"
expect = { forbid_severity = "error" }

[[rule]]
name = "watch-not-replaced-by-polling"
description = "No resource watched in one load of a page and polled after a reload"
expect = { forbid_findings = ["watch-replaced-by-polling"] }
"""


# A validated expectation value (see `_expectation`): modes or finding ids, a number, a flag, a severity.
Expected = tuple[str, ...] | float | bool | str


class PolicyError(ConfigError):
    """An invalid policy file: the message names the file, the rule and the key."""


@dataclass(frozen=True)
class Selector:
    """Globs per selector name; a missing name matches everything."""

    globs: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def matches(self, name: str, value: str | None) -> bool:
        patterns = self.globs.get(name)
        return patterns is None or any(fnmatch.fnmatchcase(value or "", p) for p in patterns)

    def matches_load(self, url: str | None, trigger: str | None) -> bool:
        return self.matches("page", url) and self.matches("trigger", trigger)

    @property
    def selects_keys(self) -> bool:
        return any(name in self.globs for name in KEY_SELECTORS)

    def matches_key(self, key: str | None) -> bool:
        """A resource key (`cluster/group/version/namespace/resource[/name]`); None only when no key glob is set."""
        if not self.selects_keys:
            return True
        try:
            labels = ResourceKey.parse(key or "").labels
        except ValueError:
            return False  # not a resource key (a host)
        return all(self.matches(name, value) for name, value in zip(KEY_SELECTORS, labels, strict=True))


@dataclass(frozen=True)
class Rule:
    name: str
    description: str
    select: Selector
    expect: Mapping[str, Expected]  # expectation key -> validated value, in the policy's order
    required: bool = False


@dataclass(frozen=True)
class Policy:
    rules: tuple[Rule, ...]
    source: str  # the file, or "built-in default policy"
    # A rule that could not judge (an unknown console path, a writer's gap, a load too short to measure) fails
    # the gate unless the policy says "pass": a misconfigured CI run is not green.
    on_inconclusive: OnInconclusive = "fail"


def default_policy() -> Policy:
    return parse_policy(tomllib.loads(DEFAULT_POLICY_TOML), "built-in default policy")


def load_policy(path: str | os.PathLike[str]) -> Policy:
    """Read and validate a policy file.

    Raises:
        PolicyError: unreadable, invalid TOML, or an invalid rule (one line naming the rule and the key).
    """
    try:
        with open(path, "rb") as handle:
            table = tomllib.load(handle)
    except FileNotFoundError:
        raise PolicyError(f"{path}: no such policy file") from None
    except tomllib.TOMLDecodeError as exc:
        raise PolicyError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise PolicyError(f"{path}: cannot read: {exc.strerror or exc}") from None
    return parse_policy(table, str(path))


def parse_policy(table: Mapping[str, object], source: str) -> Policy:
    """Validate a decoded policy table; `source` names it in errors."""
    _unknown(table, TOP_KEYS, source, "top-level key")
    version = table.get("version", 1)
    if version != 1:
        raise PolicyError(f"{source}: version: unsupported policy version {version!r} (this version reads 1)")
    raw_rules = table.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise PolicyError(f"{source}: no rules: add at least one [[rule]] table")
    rules = [_rule(raw, position, source) for position, raw in enumerate(raw_rules, start=1)]
    names = [rule.name for rule in rules]
    duplicate = next((n for n in names if names.count(n) > 1), None)
    if duplicate is not None:
        raise PolicyError(f"{source}: rule {duplicate!r}: name: used by more than one rule")
    on_inconclusive = table.get("on_inconclusive", "fail")
    if on_inconclusive not in ON_INCONCLUSIVE:
        raise PolicyError(f'{source}: on_inconclusive: must be "fail" or "pass", not {on_inconclusive!r}')
    return Policy(rules=tuple(rules), source=source, on_inconclusive=on_inconclusive)


def _rule(raw: object, position: int, source: str) -> Rule:
    where = f"{source}: rule #{position}"
    if not isinstance(raw, dict):
        raise PolicyError(f"{where}: must be a table ([[rule]])")
    name = raw.get("name")
    if not isinstance(name, str) or not name.strip():
        raise PolicyError(f"{where}: name: required, a non-empty string")
    where = f"{source}: rule {name!r}"
    _unknown(raw, RULE_KEYS, where, "key")
    description = raw.get("description", "")
    if not isinstance(description, str):
        raise PolicyError(f"{where}: description: must be a string")
    required = raw.get("required", False)
    if not isinstance(required, bool):
        raise PolicyError(f"{where}: required: must be true or false")
    expect = _table(raw, "expect", where)
    if not expect:
        raise PolicyError(f"{where}: expect: required, with at least one of: {', '.join(EXPECTATIONS)}")
    _unknown(expect, tuple(EXPECTATIONS), f"{where}: expect", "key")
    select = _table(raw, "select", where)
    _unknown(select, SELECTORS, f"{where}: select", "key")
    globs = {key: _globs(value, f"{where}: select.{key}") for key, value in select.items()}
    checked = {key: _expectation(key, value, f"{where}: expect.{key}") for key, value in expect.items()}
    return Rule(name=name, description=description, select=Selector(globs), expect=checked, required=required)


def _table(raw: Mapping[str, object], key: str, where: str) -> Mapping[str, object]:
    value = raw.get(key, {})
    if not isinstance(value, dict):
        raise PolicyError(f"{where}: {key}: must be a table, like {key} = {{ ... }}")
    return value


def _globs(value: object, where: str) -> tuple[str, ...]:
    values = [value] if isinstance(value, str) else value
    if not isinstance(values, list) or not values or not all(isinstance(v, str) for v in values):
        raise PolicyError(f'{where}: must be a glob or a non-empty list of globs, like "*/console/*"')
    return tuple(values)


def _expectation(key: str, value: object, where: str) -> Expected:
    if key == "modes":
        modes = [value] if isinstance(value, str) else value
        if not isinstance(modes, list) or not modes or not all(isinstance(m, str) for m in modes):
            raise PolicyError(f'{where}: must be a list of modes, like ["watch"]')
        unknown = [m for m in modes if m not in MODES]
        if unknown:
            raise PolicyError(f"{where}: unknown mode {unknown[0]!r} (known: {', '.join(MODES)})")
        return tuple(one_of(m, MODES) for m in modes)
    if key in ("watch_resource_version", "watch_bookmarks"):
        if not isinstance(value, bool):
            raise PolicyError(f"{where}: must be true or false")
        return value
    if key == "forbid_findings":
        return _finding_ids(value, where)
    if key == "forbid_severity":
        if value not in SEVERITIES:
            raise PolicyError(f"{where}: must be one of {', '.join(SEVERITIES)}, got {value!r}")
        return one_of(value, SEVERITIES)
    if key == "max_http1_long_lived_per_host":
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise PolicyError(f"{where}: must be a whole number >= 0, got {value!r}")
        return value
    return _positive_number(value, where)


def _finding_ids(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not value or not all(isinstance(v, str) for v in value):
        raise PolicyError(f'{where}: must be a non-empty list of finding ids, like ["watch-replaced-by-polling"]')
    unknown = [v for v in value if v not in RULES]
    if unknown:
        raise PolicyError(f"{where}: unknown finding id {unknown[0]!r} (known: {', '.join(sorted(RULES))})")
    return tuple(value)


def _positive_number(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
        suffix = " (a number, no unit: the key names it)" if isinstance(value, str) else ""
        raise PolicyError(f"{where}: must be a number > 0, got {value!r}{suffix}")
    return float(value)


def _unknown(table: Mapping[str, object], known: Sequence[str], where: str, what: str) -> None:
    unknown = sorted(set(table) - set(known))
    if unknown:
        raise PolicyError(f"{where}: unknown {what} {unknown[0]!r} (known: {', '.join(known)})")
