"""The HTML page as text: self-contained, locked down by its Content-Security-Policy, capture text escaped."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import weakref
from html import escape
from string import Template

import msgspec
import pytest

from analyzer.analysis.analyze import analyze
from analyzer.har.loader import Capture, load_bytes, load_capture
from analyzer.redact import redacted
from analyzer.render.html import (
    asset,
    content_security_policy,
    page_pieces,
    plotly_js,
    render_html,
    render_page,
    script_json,
)
from analyzer.render.page import page_data
from analyzer.render.page_data import PageData
from tests.hostile import NAME_PAYLOAD, PAYLOAD, SAMPLES, hostile_har


def _html(capture: Capture) -> tuple[str, PageData]:
    analysis = analyze(capture)
    summary = redacted(analysis.summary)
    page = page_data(analysis, summary)
    return render_html(summary, page), page


def _embedded(html: str) -> str:
    data = re.search(r'<script type="application/json" id="report-data">(.*?)</script>', html, re.S)
    assert data is not None
    return data.group(1)


@pytest.fixture(scope="module")
def sample_html() -> str:
    return _html(load_capture(SAMPLES / "detail-watch-then-poll.har"))[0]


@pytest.fixture(scope="module")
def hostile() -> tuple[str, PageData]:
    return _html(load_bytes(json.dumps(hostile_har()).encode(), "hostile.har"))


@pytest.fixture(scope="module")
def hostile_html(hostile: tuple[str, PageData]) -> str:
    return hostile[0]


def test_inlines_plotly_and_loads_nothing_from_outside(sample_html: str) -> None:
    assert plotly_js() in sample_html
    assert not re.search(r"""<(script|img|link|iframe)[^>]*\s(src|href)=""", sample_html)
    assert "connect-src 'none'" in sample_html and "default-src 'none'" in sample_html


def test_csp_allows_exactly_the_page_scripts(sample_html: str) -> None:
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]*)"', sample_html)
    assert csp is not None
    allowed = set(re.findall(r"'sha256-([^']+)'", csp.group(1)))
    scripts = re.findall(r"<script>(.*?)</script>\n", sample_html, flags=re.S)
    assert len(scripts) == 2
    assert allowed == {base64.b64encode(hashlib.sha256(s.encode()).digest()).decode() for s in scripts}


def test_capture_text_is_escaped(hostile_html: str) -> None:
    assert PAYLOAD not in hostile_html and NAME_PAYLOAD not in hostile_html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;" in hostile_html  # the title in the facts
    data = _embedded(hostile_html)
    assert "<" not in data
    assert PAYLOAD in json.dumps(json.loads(data), ensure_ascii=False)  # intact once parsed


def test_embedded_data_is_the_page_data(hostile: tuple[str, PageData]) -> None:
    html, page = hostile
    assert msgspec.json.decode(_embedded(html), type=PageData) == page
    assert PAYLOAD in page.titles[0]


def test_page_is_one_self_contained_file_of_known_size(sample_html: str) -> None:
    # Plotly's bundle is most of the page; the rest grows with the capture (see reports/README.md).
    size = len(sample_html.encode())
    assert len(plotly_js()) < size < len(plotly_js()) + 200_000


def test_the_page_in_pieces_is_its_template_filled_whole(hostile: tuple[str, PageData]) -> None:
    """`page_pieces` fills the template's two halves around the data block: the same bytes as filling it whole."""
    _, page = hostile
    values = {"title": "t <&>", "header": "<h1>h</h1>", "main": "<p>m $data</p>", "footer": "f", "script": "s()"}
    whole = Template(asset("page.html")).substitute(
        values,
        title=escape(values["title"]),
        csp=escape(content_security_policy([plotly_js(), "s()"]), quote=False),
        style=asset("report.css"),
        data_id="report-data",
        data=script_json(page).decode("utf-8"),
        plotly=plotly_js(),
    )
    pieces = list(page_pieces(**values, data=("report-data", page)))
    assert len(pieces) == 3
    assert b"".join(pieces) == whole.encode("utf-8")
    assert render_page(**values, data=("report-data", page)) == whole


def test_the_page_data_is_let_go_once_encoded() -> None:
    class Data(dict[str, object]):  # a dict msgspec encodes, that a weak reference can follow
        pass

    data = Data(rows=list(range(1_000)))
    gone = weakref.ref(data)
    pieces = page_pieces(title="t", header="", main="", footer="", data=("d", data), script="")
    del data
    head, block, _ = next(pieces), next(pieces), next(pieces)
    assert gone() is None  # the JSON is out, the data no longer held
    assert head.endswith(b'id="d">') and block == msgspec.json.encode({"rows": list(range(1_000))})
