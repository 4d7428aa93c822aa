"""The generated reference pages are current (regenerate with `python -m analyzer.cli.docs`)."""

from __future__ import annotations

from analyzer.cli.docs import DOCS, _field_comments, dataset_markdown, settings_markdown
from analyzer.settings import SETTING_NAMES


def test_settings_page_is_current() -> None:
    assert (DOCS / "settings.md").read_text(encoding="utf-8") == settings_markdown(), "run: python -m analyzer.cli.docs"


def test_every_setting_says_what_it_means() -> None:
    comments = _field_comments()
    assert all(comments.get(name) for name in SETTING_NAMES), [n for n in SETTING_NAMES if not comments.get(n)]


def test_the_dataset_page_lists_every_column_of_the_schema() -> None:
    page = (DOCS / "dataset.md").read_text(encoding="utf-8")
    assert page == dataset_markdown(page), "run: python -m analyzer.cli.docs"
