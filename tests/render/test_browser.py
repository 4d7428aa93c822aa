"""The HTML report in a real browser: Debian's Chromium driven by Playwright opens index.html from disk.

Skipped with a reason where Chromium or Playwright is missing; under CI=true that is a failure instead.
"""

from __future__ import annotations

import importlib.util
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec
import pytest

from analyzer.render.page_data import PageData, Sampling
from analyzer.summary import Summary, decode_summary
from tests.cli.conftest import invoke
from tests.hostile import NAME_PAYLOAD, PAYLOAD, SAMPLES

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"]  # fmt: skip


def _require_browser() -> None:
    missing = []
    if not CHROMIUM.is_file():
        missing.append(f"{CHROMIUM} (apt-get install chromium)")
    if importlib.util.find_spec("playwright") is None:
        missing.append("the Python package playwright (pip install -e '.[test]')")
    if missing:
        reason = "the browser test needs " + " and ".join(missing)
        if os.environ.get("CI") == "true":
            pytest.fail(f"{reason}: .ci/run must install it")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    _require_browser()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


class Page:
    """A report opened from disk, with every console message, page error, dialog and non-file request kept."""

    def __init__(self, browser: Any, folder: Path) -> None:
        self.page = browser.new_page(viewport={"width": 1400, "height": 1000})
        self.problems: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.problems.append(f"console {m.type}: {m.text}") if m.type in (
            "error", "warning") else None)  # fmt: skip
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on("dialog", self._dismiss)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto((folder / "index.html").as_uri())
        self.page.wait_for_selector("#timeline .barlayer", timeout=20_000)
        self.analysis: Summary = decode_summary((folder / "analysis.json").read_bytes())

    def _dismiss(self, dialog: Any) -> None:
        self.problems.append(f"dialog: {dialog.message}")
        dialog.dismiss()

    def bars(self) -> int:
        return int(self.page.locator("#timeline .barlayer .point").count())

    def rows(self) -> list[int]:
        return [int(i) for i in self.page.locator("#request-table tr.row").evaluate_all(
            "rows => rows.map(r => r.dataset.index)")]  # fmt: skip


@pytest.fixture(scope="module")
def sample_page(browser: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Page]:
    folder = tmp_path_factory.mktemp("report") / "detail-watch-then-poll"
    assert invoke([str(SAMPLES / "detail-watch-then-poll.har"), "-o", str(folder), "--format", "none"]).exit_code == 0
    page = Page(browser, folder)
    yield page
    page.page.close()


def test_renders_from_disk_without_errors_or_network(sample_page: Page) -> None:
    assert sample_page.problems == []
    assert [u for u in sample_page.requests if not u.startswith("file:")] == []
    assert sample_page.page.locator("#verdicts tbody tr").count() == 4
    assert sample_page.page.locator(".finding .badge.error").count() == 1


def test_timeline_holds_one_bar_per_request_in_both_lane_views(sample_page: Page) -> None:
    requests = sample_page.analysis.summary.requests
    assert sample_page.bars() == requests == 13
    sample_page.page.check('input[name="lanes"][value="resource"]')
    sample_page.page.wait_for_function("document.querySelectorAll('#timeline .barlayer .point').length === 13")
    lanes = sample_page.page.evaluate("document.getElementById('timeline').layout.yaxis.categoryarray")
    assert "calico3/asm.alauda.io/v1beta3/testhl/microservices/asm-cal3" in lanes
    sample_page.page.check('input[name="lanes"][value="connection"]')
    assert sample_page.problems == []


def test_hover_shows_url_status_timings_and_connection(sample_page: Page) -> None:
    bar = sample_page.page.locator("#timeline .barlayer .point path").last
    bar.scroll_into_view_if_needed()
    box = bar.bounding_box()
    sample_page.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=3)
    hover = sample_page.page.locator("#timeline .hoverlayer").text_content(timeout=5_000) or ""
    assert "http://127.0.0.1:18080/" in hover  # the URL of whichever request the last bar draws
    assert " 200 " in hover and "timings (ms): blocked" in hover and "conn " in hover


def test_a_finding_links_to_its_requests(sample_page: Page) -> None:
    finding = sample_page.analysis.findings[0]
    assert finding.id == "watch-replaced-by-polling"
    sample_page.page.click('a.show-evidence[data-finding="0"]')
    assert sample_page.rows() == sorted(finding.evidence)
    opacity = sample_page.page.evaluate(
        "[].concat(...document.getElementById('timeline').data.filter(t => t.type === 'bar')"
        ".map(t => t.customdata.map((c, i) => [c, t.marker.opacity[i]])))"
    )
    assert {int(c) for c, o in opacity if o == 1} == set(finding.evidence)
    sample_page.page.click("#f-only button")
    assert len(sample_page.rows()) == 13
    evidence = finding.evidence[-1]
    sample_page.page.click(f'#findings a[data-request="{evidence}"]')
    assert sample_page.rows() == [evidence]
    assert "request headers" in sample_page.page.locator("tr.detail").text_content()
    sample_page.page.click("#f-reset")


def test_table_filters_and_sorts(sample_page: Page) -> None:
    page = sample_page.page
    page.check("#f-k8s")
    assert len(sample_page.rows()) == sample_page.analysis.summary.kubernetes_requests
    page.select_option("#f-verb", "watch")
    watches = [r.index for r in sample_page.analysis.requests if r.verb == "watch"]
    assert sample_page.rows() == watches
    page.click("#f-reset")
    page.fill("#f-from", "12")
    page.dispatch_event("#f-from", "input")
    assert all(r.index in sample_page.rows() for r in sample_page.analysis.requests if r.navigation == 1)
    assert 0 not in sample_page.rows()
    page.click("#f-reset")
    page.click('#request-table th[data-key="ms"]')
    page.click('#request-table th[data-key="ms"]')  # descending
    longest = max(sample_page.analysis.requests, key=lambda r: r.duration_ms or 0)
    assert sample_page.rows()[0] == longest.index
    assert sample_page.problems == []


def test_hostile_capture_runs_no_script(browser: Any, hostile_capture: Path, tmp_path: Path) -> None:
    assert invoke([str(hostile_capture), "-o", str(tmp_path / "out"), "--format", "none"]).exit_code == 0
    page = Page(browser, tmp_path / "out")
    page.page.wait_for_timeout(300)
    assert page.page.evaluate("window.__pwned") is None
    assert page.page.locator("#facts").text_content().count(PAYLOAD) == 1  # the page title, as text
    page.page.click("#request-table tr.row >> nth=0")  # the document: its X-Evil header, as text
    assert PAYLOAD in page.page.locator("tr.detail").text_content()
    bar = page.page.locator("#timeline .barlayer .point path").first  # the get of the object named NAME_PAYLOAD
    box = bar.bounding_box()
    page.page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2, steps=3)
    assert NAME_PAYLOAD in (page.page.locator("#timeline .hoverlayer").text_content(timeout=5_000) or "")
    assert page.page.evaluate("window.__pwned") is None
    assert page.problems == [] and [u for u in page.requests if not u.startswith("file:")] == []
    page.page.close()


def test_big_capture_is_sampled_and_says_so(browser: Any, tmp_path: Path) -> None:
    from analyzer.analysis.analyze import analyze
    from analyzer.cli.report import write_folder
    from analyzer.har.loader import load_capture
    from analyzer.render.folder import build_report
    from analyzer.render.page import Limits
    from tests.render.test_page import busy_har

    capture = tmp_path / "busy.har"
    capture.write_text(json.dumps(busy_har(600)), encoding="utf-8")
    built = build_report(analyze(load_capture(capture)), limits=Limits(bars=120, rows=300, details=50))
    write_folder(tmp_path / "out", built.files)
    page = Page(browser, tmp_path / "out")
    assert page.bars() == 120
    data = msgspec.json.decode(page.page.evaluate("document.getElementById('report-data').textContent"), type=PageData)
    assert data.sampling == Sampling(total=600, rows=300, drawn=120, notes=data.sampling.notes)
    assert page.rows()[:5] == data.requests.index[:5]
    assert page.page.locator("#overview .scatterlayer .trace").count() == 5
    assert "120 of 600 requests drawn" in page.page.locator("#timeline-note").text_content()
    assert "The timeline draws 120 of 600 requests" in page.page.locator("#notes").text_content()
    assert "300 of 300 requests match (the page holds 300 of 600)" in page.page.locator("#table-count").text_content()
    assert page.problems == []
    page.page.close()
