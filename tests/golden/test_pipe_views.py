"""Golden files of every analysis view as a pipe gets it (`har-analyzer … | cat`: CliRunner is not a terminal):
nothing cut at 80 columns, keys whole. `<sample>.pipe.txt` is `analyze`, `<sample>.<view>.pipe.txt` the
traffic views, and `<sample>.users.txt` / `<sample>.users.md` `analyze --users 200` (the projected load)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import cli
from analyzer.render.traffic import VIEWS
from tests.golden.test_analyze_views import SAMPLES

REPO = Path(__file__).resolve().parents[2]


def piped(*args: str) -> str:
    """What `har-analyzer ARGS | cat` prints, run from the repository root (no COLUMNS set)."""
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": None, "NO_COLOR": None, "FORCE_COLOR": None})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture(autouse=True)
def _at_the_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_analyze(sample: Path, golden: Callable[[str, str], None]) -> None:
    golden(f"{sample.stem}.pipe.txt", piped("analyze", f"samples/{sample.name}"))


@pytest.mark.parametrize(("sample", "what"), [pytest.param(s, w, id=f"{s.stem}.{w}") for s in SAMPLES for w in VIEWS])
def test_traffic(sample: Path, what: str, golden: Callable[[str, str], None]) -> None:
    golden(f"{sample.stem}.{what}.pipe.txt", piped(what, f"samples/{sample.name}"))


@pytest.mark.parametrize("fmt", ["table", "markdown"])
@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_users(sample: Path, fmt: str, golden: Callable[[str, str], None]) -> None:
    suffix = "txt" if fmt == "table" else "md"
    golden(
        f"{sample.stem}.users.{suffix}", piped("analyze", f"samples/{sample.name}", "--users", "200", "--format", fmt)
    )


@pytest.mark.parametrize("sample", SAMPLES, ids=lambda p: p.stem)
def test_no_line_is_cut(sample: Path) -> None:
    text = piped("analyze", f"samples/{sample.name}", "--users", "200")
    assert all(key in text for key in {line.split()[-1] for line in text.splitlines() if line.startswith("0 initial")})
    assert "…/" not in text
