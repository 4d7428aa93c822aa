"""The README's first example is what `analyze` prints on the bundled sample today (initiators included)."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from analyzer.cli import cli

REPO = Path(__file__).resolve().parents[1]
EXAMPLE = re.compile(r"```console\n\$ COLUMNS=(\d+) har-analyzer (.+?)\n(.*?)```", re.S)


def test_the_first_example_is_current() -> None:
    found = EXAMPLE.search((REPO / "README.md").read_text(encoding="utf-8"))
    assert found, "the README's first example is not a `$ COLUMNS=N har-analyzer ...` console block"
    columns, command, shown = found.groups()
    result = CliRunner().invoke(cli, command.split(), env={"COLUMNS": columns})
    printed = "\n".join(line.rstrip() for line in result.output.splitlines()) + "\n"
    assert printed == shown, "update the README's first example with the command's output"
    assert "who polls:" in shown and "poll ← watchResource (console.js:" in shown
