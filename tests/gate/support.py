"""Shared helpers of the gate tests: the samples analysed once per session, and a CLI group holding the commands."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from analyzer.cli import cli
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


def run(*args: str) -> tuple[int, str, str]:
    """`har-analyzer ARGS` in process: exit code, standard output, standard error."""
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr
