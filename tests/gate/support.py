"""Shared helpers of the gate tests: the samples analysed once per session, and a CLI group holding the commands."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import click
from click.testing import CliRunner

from analyzer.cli import _Group, cli
from analyzer.gate.commands import check, diff
from analyzer.gate.reading import Subject, read_subject
from analyzer.summary import Summary

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"


@cache
def sample_subject(name: str) -> Subject:
    """The sample analysed, unredacted, as `check` and `diff` judge it."""
    return read_subject(str(SAMPLES / f"{name}.har"))


def sample_summary(name: str) -> Summary:
    return sample_subject(name).summary


@cache
def expected(name: str) -> dict[str, Any]:
    """What the sample's scenario did, from the page's and the simulator's logs (never from our output)."""
    result: dict[str, Any] = json.loads((SAMPLES / f"{name}.expected.json").read_text(encoding="utf-8"))
    return result


def expected_modes(name: str) -> dict[tuple[int, str], str]:
    """(navigation, resource key) -> mode, as the sample's expected file states it."""
    return {(n["index"], r["key"]): r["mode"] for n in expected(name)["navigations"] for r in n["resources"]}


def gate_cli() -> click.Group:
    """The real `har-analyzer` group once it registers check and diff; until then a group like it holding them."""
    ctx = click.Context(cli)
    if cli.get_command(ctx, "check") is not None and cli.get_command(ctx, "diff") is not None:
        return cli
    settings = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
    return _Group(name="har-analyzer", commands={"check": check, "diff": diff}, context_settings=settings)


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(gate_cli(), list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr
