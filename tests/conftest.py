"""Shared fixtures: where the shared reference material and corpus live, and a clean colour environment."""

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
