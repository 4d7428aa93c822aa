"""docs/ci.md stays true: its policy snippet parses, its --fail-on conditions parse, every expectation is in it."""

from __future__ import annotations

import re
import tomllib

from analyzer.gate.fail_on import FAIL_ON, parse_fail_on
from analyzer.gate.policy import EXPECTATIONS, parse_policy
from tests.gate.support import REPO

CI = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")


def test_the_policy_snippet_is_a_valid_policy() -> None:
    (snippet,) = re.findall(r"```toml\n(.*?)```", CI, flags=re.S)
    policy = parse_policy(tomllib.loads(snippet), "docs/ci.md")
    assert [r.name for r in policy.rules] == ["detail-page-watches-its-object", "watches-resume-with-bookmarks"]


def test_every_fail_on_in_the_docs_parses_and_every_name_is_documented() -> None:
    specs = [s for s in re.findall(r"--fail-on ([^\s`\\]+)", CI) if s != "..."]
    assert specs and all(parse_fail_on(spec) for spec in specs)
    assert all(f"`{name}" in CI for name in FAIL_ON)


def test_every_expectation_is_in_the_table() -> None:
    assert all(f"| `{key}" in CI for key in EXPECTATIONS)
