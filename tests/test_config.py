"""Reading the settings: which file wins, every key, and one clear line for each mistake."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.config import load_settings, settings_from_table, with_prefixes
from analyzer.errors import ConfigError
from analyzer.settings import SETTING_NAMES, Settings


def test_defaults_without_any_file(tmp_path: Path) -> None:
    assert load_settings(directory=tmp_path) == (Settings(), None)


def test_own_file_wins_over_pyproject(tmp_path: Path) -> None:
    (tmp_path / "har-analyzer.toml").write_text("poll_min_reads = 4\n", encoding="utf-8")
    (tmp_path / "pyproject.toml").write_text("[tool.har-analyzer]\npoll_min_reads = 9\n", encoding="utf-8")
    settings, source = load_settings(directory=tmp_path)
    assert settings.poll_min_reads == 4 and source == str(tmp_path / "har-analyzer.toml")


def test_pyproject_table(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.har-analyzer]\nprefixes = ["/my-proxy/{cluster}/"]\npoll_max_cv = 0.3\n', encoding="utf-8"
    )
    settings, source = load_settings(directory=tmp_path)
    assert [p.pattern for p in settings.prefixes] == ["/my-proxy/{cluster}/"] and settings.poll_max_cv == 0.3
    assert source is not None and source.endswith("pyproject.toml [tool.har-analyzer]")


def test_pyproject_without_our_table_gives_defaults(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text("[tool.other]\nx = 1\n", encoding="utf-8")
    assert load_settings(directory=tmp_path) == (Settings(), None)


def test_explicit_file_wins(tmp_path: Path) -> None:
    (tmp_path / "har-analyzer.toml").write_text("poll_min_reads = 4\n", encoding="utf-8")
    other = tmp_path / "ci.toml"
    other.write_text("poll_min_reads = 5\n", encoding="utf-8")
    assert load_settings(other, directory=tmp_path)[0].poll_min_reads == 5


def test_every_setting_can_be_set() -> None:
    table = {name: ["/p/{cluster}/"] if name == "prefixes" else 7 for name in SETTING_NAMES}
    settings = settings_from_table(table, "here")
    assert all(getattr(settings, n) == 7 for n in SETTING_NAMES if n != "prefixes")
    assert isinstance(settings.long_poll_min_ms, float) and isinstance(settings.poll_min_reads, int)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        pytest.param({"polling": 3}, "here: unknown key 'polling'", id="unknown-key"),
        pytest.param({"poll_min_reads": "3"}, "here: poll_min_reads must be a number, not '3'", id="text"),
        pytest.param({"poll_min_reads": True}, "here: poll_min_reads must be a number", id="bool"),
        pytest.param({"poll_min_reads": 2.5}, "here: poll_min_reads must be a whole number", id="fraction-for-count"),
        pytest.param({"poll_min_reads": 0}, "here: poll_min_reads must be positive", id="zero-count"),
        pytest.param({"poll_max_cv": -1}, "here: poll_max_cv must be positive", id="negative"),
        pytest.param({"prefixes": "/p/"}, "here: prefixes must be a list of strings", id="prefixes-not-a-list"),
        pytest.param({"prefixes": [""]}, "here: prefixes: ", id="empty-prefix"),
    ],
)
def test_mistakes_are_one_line_naming_file_and_key(table: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        settings_from_table(table, "here")
    assert str(caught.value).startswith(message) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("poll_min_reads = ", "invalid TOML", id="bad-toml"),
        pytest.param(None, "no such configuration file", id="missing"),
    ],
)
def test_unreadable_files(tmp_path: Path, text: str | None, message: str) -> None:
    path = tmp_path / "c.toml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=f"^{path}: {message}"):
        load_settings(path)


def test_command_line_prefixes_come_first() -> None:
    settings = settings_from_table({"prefixes": ["/from-file/"]}, "here")
    combined = with_prefixes(settings, ["/from-cli/{cluster}/"])
    assert [p.pattern for p in combined.prefixes] == ["/from-cli/{cluster}/", "/from-file/"]
    assert with_prefixes(settings, []) is settings


def test_one_classifier_per_settings() -> None:
    settings = Settings()
    assert settings.classifier is settings.classifier
