"""CI runs exactly the README's test command (the Quickstart's second command)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _quickstart_commands() -> list[str]:
    readme = REPO / "README.md"
    block = readme.read_text(encoding="utf-8").split("## Quickstart", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    return [line for line in block.splitlines() if line and not line.startswith("#")]


def test_quickstart_is_two_commands_and_ci_runs_the_second() -> None:
    install_and_analyze, test = _quickstart_commands()
    assert "har-analyzer analyze samples/" in install_and_analyze
    assert all(step in test for step in ("ruff check", "ruff format --check", "mypy", "pytest -q", "--portable-loader"))
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()
    assert ci[-1] == test
