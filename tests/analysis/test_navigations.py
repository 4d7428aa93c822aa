"""Page loads: main-frame documents, iframes, redirects, pages[] fallback, triggers, request assignment."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.analysis.pipeline import derive
from analyzer.har import load_bytes, load_capture
from tests.factories import GET_URL, LIST_URL, document, har_bytes, request

PAGE = "https://console.example.com/console/microservices/asm-cal3"


def navigations(entries: list[dict[str, object]], **log: object):  # type: ignore[no-untyped-def]
    return derive(load_bytes(har_bytes(entries, **log), "t.har"))


def test_chrome_reload_opens_a_new_page_and_is_a_reload() -> None:
    traffic = navigations([
        request(GET_URL, 0.5, pageref="page_1"),
        document(PAGE, 0.0, pageref="page_1"),
        document(PAGE + "#tab=yaml", 30.0, pageref="page_2"),
        request(GET_URL, 30.4, pageref="page_2"),
        document("https://console.example.com/console/other", 60.0, pageref="page_3"),
    ])  # fmt: skip
    assert [(n.index, n.trigger, n.requests, n.document) for n in traffic.navigations] == [
        (0, "initial", 2, 1), (1, "reload", 2, 2), (2, "navigate", 1, 4)
    ]  # fmt: skip
    assert list(traffic.frame.sort_values("index")["navigation"]) == [0, 0, 1, 1, 2]
    assert not any("single page load" in note for note in traffic.notes)


def test_requests_before_the_first_document_belong_to_load_0() -> None:
    traffic = navigations([request(GET_URL, 0.0), document(PAGE, 5.0), request(GET_URL, 6.0)])
    assert [n.requests for n in traffic.navigations] == [3]
    assert any("Preserve log" in note for note in traffic.notes)


def test_iframe_documents_start_no_navigation() -> None:
    chrome = navigations([
        document(PAGE, 0.0, pageref="page_1"),
        document("https://ads.example/frame", 1.0, pageref="page_1", _initiator={"type": "parser"}),
    ])  # fmt: skip
    assert len(chrome.navigations) == 1
    playwright = navigations(
        [document(PAGE, 0.0, _frameref="frame@1"), document("https://ads.example/f", 1.0, _frameref="frame@7"),
         document(PAGE, 20.0, _frameref="frame@1")],
        creator={"name": "Playwright", "version": "1.65"},
    )  # fmt: skip
    assert [n.trigger for n in playwright.navigations] == ["initial", "reload"]


def test_a_redirect_chain_is_one_navigation_named_by_where_it_ended() -> None:
    traffic = navigations([
        document("http://console.example.com/", 0.0, **{"response.status": 302}),
        document(PAGE, 0.2),
        document(PAGE, 40.0),
    ])  # fmt: skip
    assert [(n.url, n.trigger) for n in traffic.navigations] == [(PAGE, "initial"), (PAGE, "reload")]


def test_pages_are_the_fallback_without_documents() -> None:
    pages = [{"id": "p1", "title": "Login", "startedDateTime": "2026-11-01T10:00:00Z"},
             {"id": "p2", "title": "Browse", "startedDateTime": "2026-11-01T10:00:10Z"}]  # fmt: skip
    traffic = navigations([request(GET_URL, 1.0, pageref="p1"), request(GET_URL, 11.0, pageref="p2")], pages=pages)
    assert [(n.url, n.requests, n.document) for n in traffic.navigations] == [("Login", 1, None), ("Browse", 1, None)]


def test_push_state_route_changes_are_not_navigations() -> None:
    traffic = navigations([document(PAGE, 0.0), request(GET_URL, 1.0), request(GET_URL + "-b", 9.0)])
    assert len(traffic.navigations) == 1 and traffic.navigations[0].requests == 3


def test_304_document_is_a_load_not_a_redirect() -> None:
    traffic = navigations([document(PAGE, 0.0, **{"response.status": 304}), document(PAGE, 1.0)])
    assert [n.trigger for n in traffic.navigations] == ["initial", "reload"]


def _dest(value: str) -> dict[str, object]:
    return {"request.headers": [{"name": "Sec-Fetch-Dest", "value": value}, {"name": "Accept", "value": "*/*"}]}


def test_one_page_across_a_reload_firefox_style_by_sec_fetch_dest() -> None:
    """Firefox (and chrome-har) keep one page across reloads: the browser's Sec-Fetch-Dest tells the main frame's
    documents from an iframe's (Firefox writes no initiator)."""
    firefox = navigations(
        [document(PAGE, 0.0, pageref="page_1", **_dest("document")),
         document("https://ads.example/frame", 1.0, pageref="page_1", **_dest("iframe")),
         document(PAGE, 20.0, pageref="page_1", **_dest("document"))],
        creator={"name": "Firefox", "version": "153.8.0"},
    )  # fmt: skip
    assert [(n.trigger, n.document) for n in firefox.navigations] == [("initial", 0), ("reload", 2)]


def test_without_sec_fetch_dest_a_page_s_later_documents_stay_in_its_load() -> None:
    """Old captures (no Sec-Fetch-Dest, no initiator): a later document of the same page is taken for an
    iframe, as before; a document that opens a new page is a load."""
    old = navigations([document(PAGE, 0.0, pageref="page_1"), document("https://ads.example/f", 1.0, pageref="page_1"),
                       document(PAGE, 20.0, pageref="page_2")])  # fmt: skip
    assert [n.document for n in old.navigations] == [0, 2]


def test_webpagetest_runs_are_split_per_run_by_page() -> None:
    """A multi-run WebPageTest file: runs overlap in time (each ran on its own agent), so each page is a load
    holding the requests written under it; a run's first view is `initial`, its repeat view a `reload`."""
    corpus = Path(__file__).resolve().parents[2].parent / "shared" / "corpus"
    capture_path = corpus / "sitespeedio__pagexray__test__files__en.wikipedia.org.spdy-wpt.har"
    if not capture_path.is_file():
        pytest.skip(f"needs the shared corpus ({corpus})")
    traffic = derive(load_capture(capture_path))
    loads = [(n.run, n.trigger, n.page_ref) for n in traffic.navigations]
    assert loads == [(1, "initial", "page_1_0"), (1, "reload", "page_1_1"), (2, "initial", "page_2_0"),
                     (2, "reload", "page_2_1"), (3, "initial", "page_3_0"), (3, "reload", "page_3_1")]  # fmt: skip
    frame = traffic.frame
    pages = dict(zip(frame["index"], frame["page_ref"], strict=True))
    assert all(
        pages[i] == traffic.navigations[n].page_ref for i, n in zip(frame["index"], frame["navigation"], strict=True)
    )


def test_pages_of_one_run_stay_cut_by_their_documents() -> None:
    entries = [document(PAGE, 0.0, pageref="page_1_0"), request(LIST_URL, 0.5, pageref="page_1_0"),
               document(PAGE, 5.0, pageref="page_1_1"), request(LIST_URL, 5.5, pageref="page_1_1")]  # fmt: skip
    pages = [{"id": "page_1_0", "_run": 1, "_cached": 0, "startedDateTime": "2026-11-01T10:00:00Z"},
             {"id": "page_1_1", "_run": 1, "_cached": 1, "startedDateTime": "2026-11-01T10:00:05Z"}]  # fmt: skip
    navigations = derive(load_bytes(har_bytes(entries, pages=pages), "t.har")).navigations
    assert [(n.trigger, n.run, n.requests) for n in navigations] == [("initial", None, 2), ("reload", None, 2)]
