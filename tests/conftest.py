"""Shared fixtures: where the shared reference material and corpus live, a clean colour environment, and the
`--portable-loader` option (the loader's portable path for the whole run)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("HAR_ANALYZER_SHARED", REPO.parent / "shared"))
CORPUS = SHARED / "corpus"
REFERENCE = SHARED / "reference"


def require_shared(path: Path) -> Path:
    """Skip the calling test, with a reason, when the shared folder (absent in a user's clone) is missing."""
    if not path.exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"{path} is missing: CI must have ../shared")
        pytest.skip(f"{path} is not here (a user's clone has no ../shared)")
    return path


@pytest.fixture(autouse=True)
def _plain_colour_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.setenv("COLUMNS", "120")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--portable-loader",
        action="store_true",
        help="Read every capture the portable way (read() and decode in this process, as on macOS and Windows).",
    )


def pytest_configure(config: pytest.Config) -> None:
    if config.getoption("--portable-loader"):
        from analyzer.har import platform

        platform.forced = platform.PORTABLE


def pytest_unconfigure(config: pytest.Config) -> None:
    if config.getoption("--portable-loader"):
        from analyzer.har import platform

        platform.forced = None


def pytest_report_header(config: pytest.Config) -> str:
    from analyzer.har.platform import choose_path, loader_platform

    forced = " (--portable-loader)" if config.getoption("--portable-loader") else ""
    return f"loader: the {choose_path(loader_platform()).value} path{forced}"


@pytest.fixture
def hostile_capture(tmp_path: Path) -> Path:
    """The hostile capture (tests/hostile.py) as a file."""
    import json

    from tests.hostile import hostile_har

    path = tmp_path / "hostile.har"
    path.write_text(json.dumps(hostile_har()), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def fleet(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fleet dataset of `tests/fleet/fleets.py` (built once; tests only read it)."""
    from tests.fleet.fleets import build_fleet

    return build_fleet(tmp_path_factory.mktemp("fleet"))
