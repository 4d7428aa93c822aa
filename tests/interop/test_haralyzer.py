"""The haralyzer adapter, and a cross-check of our loader against haralyzer on every shared corpus file."""

from __future__ import annotations

import csv
import json
import sys
from functools import cache
from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest
from haralyzer import HarParser

from analyzer.errors import InputError
from analyzer.har import Capture, load_bytes, load_capture
from analyzer.interop import capture_from_haralyzer
from analyzer.interop.haralyzer import INSTALL_HINT
from tests.conftest import CORPUS, require_shared

UNKNOWN = "unknown"  # the page haralyzer invents for entries that have no `pageref` key


def _entry(url: str, started: str, **overrides: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "startedDateTime": started,
        "time": 12.5,
        "request": {
            "method": "GET",
            "url": url,
            "httpVersion": "HTTP/1.1",
            "headers": [],
            "cookies": [],
            "queryString": [],
            "headersSize": -1,
            "bodySize": 0,
        },
        "response": {
            "status": 200,
            "statusText": "OK",
            "httpVersion": "HTTP/1.1",
            "headers": [],
            "cookies": [],
            "content": {"size": 2, "mimeType": "application/json", "text": "{}"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": 2,
        },
        "cache": {},
        "timings": {"send": 1, "wait": 10, "receive": 1.5},
    }
    entry.update(overrides)
    return entry


def _page(page_id: str, started: str) -> dict[str, Any]:
    return {"id": page_id, "title": f"https://console/{page_id}", "startedDateTime": started,
            "pageTimings": {"onContentLoad": 100, "onLoad": 200}}  # fmt: skip


def _two_page_har() -> dict[str, Any]:
    api = "https://console/api-gateway/kubernetes/global/api/v1/namespaces/demo/pods"
    return {"log": {
        "version": "1.2",
        "creator": {"name": "WebInspector", "version": "537.36"},
        "pages": [_page("page_1", "2024-05-01T10:00:00.000Z"), _page("page_2", "2024-05-01T10:01:00.000Z")],
        "entries": [
            _entry(api, "2024-05-01T10:00:00.100Z", pageref="page_1"),
            _entry(f"{api}?watch=1", "2024-05-01T10:00:00.300Z", pageref="page_1"),
            _entry(f"{api}/web-0", "2024-05-01T10:00:00.200Z", pageref="page_1"),
            _entry(api, "2024-05-01T10:01:00.100Z", pageref="page_2", response={"status": 404}),
            _entry("https://console/static/app.js", "2024-05-01T10:01:00.050Z"),
        ],
    }}  # fmt: skip


def _table(capture: Capture) -> pa.Table:
    table: pa.Table = capture.entries  # typed `object` in Capture to keep pyarrow out of the import
    return table


def _column(capture: Capture, name: str) -> list[Any]:
    return list(_table(capture).column(name).to_pylist())


def test_adapter_gives_the_entries_load_bytes_gives() -> None:
    har = _two_page_har()
    expected = load_bytes(json.dumps(har).encode(), "two-pages.har")

    capture = capture_from_haralyzer(HarParser(har), "two-pages.har")

    assert len(capture) == len(expected) == 5
    assert _table(capture).equals(_table(expected))
    assert capture.pages == expected.pages
    assert [p.id for p in capture.pages] == ["page_1", "page_2"]
    assert capture.creator == "WebInspector"
    assert capture.name == "two-pages.har"
    # Sorted by start time; `index` is the position as written.
    assert _column(capture, "index") == [0, 2, 1, 4, 3]
    assert _column(capture, "page_ref") == ["page_1", "page_1", "page_1", None, "page_2"]
    assert _column(capture, "status")[-1] == 404


def test_adapter_default_name() -> None:
    assert capture_from_haralyzer(HarParser(_two_page_har())).name == "<haralyzer>"


def test_adapter_without_haralyzer_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    parser = HarParser(_two_page_har())
    monkeypatch.setitem(sys.modules, "haralyzer", None)  # makes `import haralyzer` raise ImportError

    with pytest.raises(InputError, match="haralyzer is not installed") as raised:
        capture_from_haralyzer(parser, "x.har")

    assert INSTALL_HINT in str(raised.value)
    assert "\n" not in str(raised.value)


def test_adapter_rejects_what_is_not_a_parser() -> None:
    with pytest.raises(TypeError, match="HarParser"):
        capture_from_haralyzer(_two_page_har())


def test_adapter_reports_a_log_without_entries() -> None:
    with pytest.raises(InputError, match=r"^odd\.har: not a HAR file: no log\.entries"):
        capture_from_haralyzer(HarParser({"log": {"version": "1.2"}}), "odd.har")


# --- Cross-check against haralyzer on the shared corpus ---------------------------------------------------
#
# How haralyzer 2.4 assigns entries to pages (`HarParser.pages`, `HarPage.entries`):
#   * one HarPage per element of `log.pages`, in order; it holds the entries whose `pageref` equals its id;
#   * first, a page with id "unknown" when some entry has no `pageref` key; it holds exactly those entries;
#   * an entry whose `pageref` names no page (a dangling ref), or is `null`, is in no HarPage at all.
# Our loader keeps `page_ref` as written, dangling ids included, and reads both a missing key and `null` as
# null. So like is compared with like: a haralyzer page's count against our rows with that `page_ref` (plus,
# for "unknown", our null rows whose entry has no `pageref` key); our dangling and explicit-null rows have no
# haralyzer page to be compared with, and the total is compared with haralyzer's `log.entries` instead.
#
# Where per-page counts legitimately differ:
#   * dangling pagerefs: Firebug 1.12 (haralyzer's own multi_test_4.har), Charles Proxy 4.2.7 (wiretrail
#     someapi13.har) and Chrome/WebInspector 537.36 (mitmproxy's har_files/chrome.har) write pagerefs to pages
#     the log does not list. haralyzer drops those entries from every page; we keep them with their page_ref.
#   * grafana/har-to-k6 writes `pages` without `startedDateTime`/`pageTimings`: haralyzer raises KeyError
#     building the page, so those files count as "haralyzer cannot open"; we read them.
# Files haralyzer cannot open at all (it reads the file as UTF-8 text and calls json.load): JSONP (.harp, and
# harviewer's .har files that are JSONP), a UTF-8 BOM, zlib (.zhar), and documents without `log`. For those the
# entry count is checked against the corpus MANIFEST instead, which was written when the corpus was collected.


def _corpus_params() -> list[Any]:
    if not CORPUS.is_dir():
        return [pytest.param(None, id="corpus-absent")]
    files = sorted(p for p in CORPUS.iterdir() if p.is_file() and p.name != "MANIFEST.tsv")
    return [pytest.param(p, id=p.name) for p in files]


@cache
def _manifest_entries() -> dict[str, str]:
    """File name -> entry count recorded at collection ('' when the file has no readable entries)."""
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8", newline="") as handle:
        return {row["file"]: row["entries"] for row in csv.DictReader(handle, delimiter="\t")}


def _haralyzer_pages(path: Path) -> tuple[list[tuple[str, int]], list[Any]]:
    """haralyzer's pages as (id, entry count), and its raw entries; raises whatever haralyzer raises."""
    parser = HarParser.from_file(str(path))
    pages = [(page.page_id, len(page.entries)) for page in parser.pages]
    return pages, parser.har_data["entries"]


def _expected_pages(capture: Capture, raw_entries: list[Any]) -> list[tuple[str | None, int]]:
    """The pages haralyzer should list, as (id, entry count), worked out from our capture."""
    refs: list[str | None] = _column(capture, "page_ref")
    positions: list[int] = _column(capture, "index")
    keyless = sum(1 for ref, i in zip(refs, positions, strict=True) if ref is None and "pageref" not in raw_entries[i])
    ids: list[str | None] = [page.id for page in capture.pages]
    if keyless:
        ids.insert(0, UNKNOWN)  # haralyzer lists its invented page first
    return [(pid, refs.count(pid) + (keyless if pid == UNKNOWN else 0)) for pid in ids]


@pytest.mark.parametrize("path", _corpus_params())
def test_entry_counts_per_page_agree_with_haralyzer(path: Path | None) -> None:
    require_shared(CORPUS)
    assert path is not None
    recorded = _manifest_entries()[path.name]
    try:
        capture: Capture | None = load_capture(path)
    except InputError:
        capture = None
    try:
        hz_pages, raw_entries = _haralyzer_pages(path)
    except Exception:  # haralyzer cannot open it: check our count against the manifest instead
        if capture is None:
            assert recorded in ("", "0"), f"we reject a file the manifest says has {recorded} entries"
        else:
            assert str(len(capture)) == recorded
        return
    if capture is None:  # e.g. `log.entries` is an object: haralyzer iterates it as nothing, we reject it
        assert sum(count for _, count in hz_pages) == 0
        assert recorded in ("", "0")
        return
    assert len(capture) == len(raw_entries) == int(recorded)
    assert hz_pages == _expected_pages(capture, raw_entries)
