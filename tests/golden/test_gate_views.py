"""Golden files of the gate's views: `check` of every sample against the example policy in each format
(`<sample>.check.<fmt>`), and `diff` of the pairs that tell a story (`diff.<before>.<after>.<fmt>`), run from
the repository root so that paths read as a user gives them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import cli
from analyzer.version import __version__

REPO = Path(__file__).resolve().parents[2]
SAMPLES = sorted(p.stem for p in (REPO / "samples").glob("*.har"))
POLICY = "docs/policy.example.toml"
PAIRS = [
    ("detail-reload-mid-watch", "detail-watch-then-poll"),  # the watch -> poll regression
    ("list-watch-healthy", "poll-list"),  # a list page that stopped watching
    ("watch-expired-relist", "watch-expired-relist"),  # nothing changed
]
SUFFIX = {"table": "txt", "json": "json", "markdown": "md", "junit": "xml"}


def _run(args: list[str], monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(cli, ["--no-color", *args])
    assert result.exit_code in (0, 1), result.output
    # The generator's version is pinned, so that a release does not rewrite every file.
    return f"exit {result.exit_code}\n" + result.stdout.replace(f'"version": "{__version__}"', '"version": "golden"')


@pytest.mark.parametrize("fmt", ["table", "json", "markdown", "junit"])
@pytest.mark.parametrize("sample", SAMPLES)
def test_check(sample: str, fmt: str, golden: Callable[[str, str], None], monkeypatch: pytest.MonkeyPatch) -> None:
    text = _run(["check", f"samples/{sample}.har", "--policy", POLICY, "--format", fmt], monkeypatch)
    golden(f"{sample}.check.{SUFFIX[fmt]}", text)


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
@pytest.mark.parametrize(("before", "after"), PAIRS, ids=[f"{a}..{b}" for a, b in PAIRS])
def test_diff(
    before: str, after: str, fmt: str, golden: Callable[[str, str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["diff", f"samples/{before}.har", f"samples/{after}.har", "--format", fmt, "--fail-on", "mode-regression"]
    golden(f"diff.{before}.{after}.{SUFFIX[fmt]}", _run(args, monkeypatch))
