"""The trend's HTML page: every text escaped, the chart's data in a JSON block no text can close, the rate
chosen for the chart, long strings cut."""

from __future__ import annotations

import re

import msgspec

from analyzer.render import TREND_FILES
from analyzer.render.trend_html import CHART_LINES, ChartData, chart_data, render_trend_html
from tests.render.trends import make_trend

HOSTILE = "/x</script><img src=x onerror=alert(1)>"


def _data(page: str) -> ChartData:
    block = re.search(r'<script type="application/json" id="trend-data">(.*?)</script>', page, re.S)
    assert block is not None
    return msgspec.json.decode(block[1], type=ChartData)


def test_text_from_the_dataset_is_escaped_everywhere() -> None:
    page = render_trend_html(make_trend({HOSTILE: "wwpp"}))
    assert "<img" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    data = _data(page)  # the block holds the text as \u003c escapes, which JSON reads back
    assert data.lines[0].name.startswith(HOSTILE) and "\\u003c/script\\u003e" in page
    assert "default-src 'none'" in page and "connect-src 'none'" in page


def test_the_chart_draws_requests_a_minute_when_there_are_any() -> None:
    rated = chart_data(make := make_trend({"/a": "wwpp"}, rate=12.0), make.series)
    assert rated.metric_title == "requests a minute (median)" and rated.lines[0].y == [12.0] * 4
    counted = chart_data(make := make_trend({"/a": "wwpp"}), make.series)
    assert counted.metric_title.startswith("requests per page load") and counted.lines[0].y == [3.0] * 4
    assert counted.values == ["1", "2", "3", "4"] and counted.lines[0].modes == ["watch", "watch", "poll", "poll"]


def test_the_chart_draws_at_most_chart_lines() -> None:
    trend = make_trend({f"/p{i}": "wp" for i in range(CHART_LINES + 3)}, runs=2)
    page = render_trend_html(trend)
    assert len(_data(page).lines) == CHART_LINES and f"The chart draws the first {CHART_LINES} of 23." in page


def test_the_page_cuts_long_strings() -> None:
    page = TREND_FILES["trend.html"](make_trend({"/" + "y" * 400: "wp"}, runs=2), max_text=50)
    assert isinstance(page, bytes) and b"y" * 51 not in page and "…[cut 351 characters]".encode() in page


def test_a_trend_without_change_has_no_chart() -> None:
    page = render_trend_html(make_trend({"/a": "wwww"}))
    assert "No page went from watch to poll." in page and _data(page).lines == []
