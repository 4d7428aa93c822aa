"""Fixtures for recording tests: a real Chromium and Playwright, skipped with a reason where absent (not in CI)."""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from analyzer.record.defaults import DEFAULT_BROWSER


def require_recorder() -> Path:
    """The browser to record with; skips (fails under CI=true) when Chromium or Playwright is missing."""
    missing = []
    if not DEFAULT_BROWSER.is_file():
        missing.append(f"{DEFAULT_BROWSER} (apt-get install chromium)")
    for module in ("playwright", "hypercorn", "trustme"):
        if importlib.util.find_spec(module) is None:
            missing.append(f"the Python package {module} (pip install -e '.[test]')")
    if missing:
        reason = "recording needs " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: .ci/run must install it")
        pytest.skip(reason)
    return DEFAULT_BROWSER


@pytest.fixture
def browser() -> Path:
    return require_recorder()


@pytest.fixture
def simulator() -> Iterator[object]:
    require_recorder()
    from samples.simulator.server import Churn, Simulator, SimulatorOptions
    from samples.simulator.world import key

    with Simulator(SimulatorOptions(churn=(Churn(key("microservices", "asm-cal3"), 1.0),))) as running:
        yield running
