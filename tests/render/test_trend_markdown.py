"""The trend's Markdown: headlines, a row per changed page and resource, the modes in a code block, escaping."""

from __future__ import annotations

from analyzer.render.markdown import MARKDOWN_ROWS
from analyzer.render.trend_markdown import render_trend_markdown
from tests.render.trends import KEY, make_trend


def test_the_markdown_of_a_trend() -> None:
    text = render_trend_markdown(make_trend({"/a|b": "wwpp", "/c": "oooo"}))
    assert text.splitlines()[:7] == [
        "## har-analyzer trend: `fleet`",
        "",
        "4 captures by run (4 values, numeric order: 1 … 4).",
        "",
        "**Watch → poll:**",
        "",
        f"- run 3: /a\\|b reload {KEY} went from watch to poll (run 2: watch)",
    ]
    assert (f"| `/a\\|b` | reload | `{KEY}` | watch → poll at run 3 |  | +polling-instead-of-watch at run 3 |"
            in text)  # fmt: skip
    assert f"wwpp  /a|b reload {KEY}" in text and "> 1 page and resource did not change" in text
    assert "`/c`" not in text and "`/c`" in render_trend_markdown(make_trend({"/c": "oooo"}), everything=True)


def test_long_lists_are_cut() -> None:
    text = render_trend_markdown(make_trend({f"/p{i}": "wp" for i in range(MARKDOWN_ROWS + 2)}, runs=2))
    assert "… and 2 more: see trend.json" in text
