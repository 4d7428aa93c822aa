"""CLI helpers: `har-analyzer report` run in process."""

from __future__ import annotations

from typing import Any

from click.testing import CliRunner, Result


def invoke(args: list[str], **kwargs: Any) -> Result:
    """`har-analyzer report ARGS`, in process."""
    from analyzer.cli import cli

    return CliRunner().invoke(cli, ["report", *args], **kwargs)
