"""Cut a capture into page loads (navigations) and assign every request to one.

Main-frame document requests are the signal; `pages[]` does not decide it, because writers disagree: Chrome
with "Preserve log" writes one page per load, Playwright, chrome-har and Firefox keep one page across reloads
(every main-frame document under it), mitmproxy writes none. Iframe documents start no navigation: Playwright
names the frame (`_frameref`), the browser's `Sec-Fetch-Dest` request header says `iframe` (Chrome and Firefox
send it to https and local origins), and Chrome's initiator says `parser`/`script`. A redirect
chain is one navigation, named by where it ended. Client-side route changes (`history.pushState`) send no
document request and are not navigations: a single-page app moving between views stays in one load.
WebPageTest's multi-run files (`pages[]._run`, `_cached`) are split per run: each page is a load, holding the
requests written under it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pandas as pd

from analyzer.analysis.values import Row, as_datetime, as_int, is_missing, rows_of
from analyzer.model import Page
from analyzer.settings import Settings
from analyzer.summary import Navigation, Trigger

FetchDest = Callable[[int], str | None]  # request index -> its Sec-Fetch-Dest header, lower-case

_IFRAME_INITIATORS = frozenset({"parser", "script"})
SINGLE_LOAD_HINT = (
    "the capture holds a single page load; to compare loads before and after a refresh, keep recording across "
    'a reload (DevTools: turn "Preserve log" on; har-analyzer record: --reload-after SECONDS)'
)


@dataclass(frozen=True)
class _Document:
    row: Row
    url: str | None  # final URL of its redirect chain


def find_navigations(
    frame: pd.DataFrame, pages: Sequence[Page], settings: Settings, fetch_dest: FetchDest = lambda _index: None
) -> list[Navigation]:
    """The page loads of a request table, in start order, each with how many requests it holds.

    Args:
        frame: the request table.
        pages: the writer's `pages[]`, used when no document request was captured.
        settings: the redirect window.
        fetch_dest: a request's `Sec-Fetch-Dest` header (lower-case), or None; asked for documents only.
    """
    documents = _main_frame_documents(frame, fetch_dest)
    chains = _merge_redirects(documents, settings)
    if len({p.run for p in pages if p.run is not None}) > 1:
        return _runs(frame, pages, chains)
    starts: list[tuple[datetime | None, str | None, int | None, str | None]]
    if chains:
        starts = [(d.row["started"], d.url, int(d.row["index"]), d.row["page_ref"]) for d in chains]
    elif pages:
        ordered = sorted(pages, key=lambda p: (p.started is None, p.started or datetime.min))
        starts = [(p.started, p.title, None, p.id) for p in ordered]
    else:
        first = frame.iloc[0] if len(frame) else None
        starts = [(_value(first, "started"), _value(first, "url"), None, None)]
    counts = assign_navigations(frame, [s[0] for s in starts]).value_counts()
    navigations = []
    for position, (started, url, document, page_ref) in enumerate(starts):
        navigations.append(
            Navigation(
                index=position,
                started=as_datetime(started),
                url=url,
                trigger=_trigger(position, url, starts),
                document=document,
                page_ref=None if is_missing(page_ref) else page_ref,  # NaN where the frame has no value
                requests=int(counts.get(position, 0)),
            )
        )
    return navigations


def _runs(frame: pd.DataFrame, pages: Sequence[Page], chains: list[_Document]) -> list[Navigation]:
    """A WebPageTest multi-run capture: one load per page, run by run (first view, then repeat view); each run
    is a fresh browser, so a run's first view is `initial`, never a reload of the run before."""
    ordered = sorted(pages, key=lambda p: (p.run is None, p.run or 0, p.repeat_view, p.started or datetime.min))
    documents: dict[str | None, _Document] = {}
    for chain in chains:
        documents.setdefault(chain.row["page_ref"], chain)
    page_refs = [p.id for p in ordered]
    counts = assign_navigations(frame, [p.started for p in ordered], page_refs).value_counts()
    navigations = []
    for position, page in enumerate(ordered):
        document = documents.get(page.id)
        navigations.append(Navigation(
            index=position, started=page.started, url=document.url if document else page.title,
            trigger="reload" if page.repeat_view else "initial",
            document=int(document.row["index"]) if document else None, page_ref=page.id,
            requests=int(counts.get(position, 0)), run=page.run,
        ))  # fmt: skip
    return navigations


def assign_navigations(
    frame: pd.DataFrame, starts: Sequence[datetime | None], page_refs: Sequence[str | None] | None = None
) -> pd.Series:
    """For each row, the navigation it belongs to: the last one started at or before it (0 before the first);
    with `page_refs` (WebPageTest's runs, which overlap in time), the navigation of the row's page first."""
    known = [s for s in starts if s is not None]
    if not known or frame.empty:
        result = pd.Series(0, index=frame.index, dtype="int64")
    else:
        bounds = pd.Series(pd.to_datetime(known, utc=True))
        started = pd.to_datetime(frame["started"], utc=True)
        positions = bounds.searchsorted(started, side="right") - 1
        result = pd.Series(positions, index=frame.index).clip(lower=0).where(started.notna(), 0).astype("int64")
    if page_refs:
        by_page = {ref: position for position, ref in enumerate(page_refs) if ref is not None}
        of_page = frame["page_ref"].map(by_page)
        result = of_page.where(of_page.notna(), result).astype("int64")
    return result


# What the page-load rules read of a document's row (not the whole table).
_DOCUMENT_COLUMNS = ("index", "started", "url", "status", "page_ref", "frame_ref", "initiator_type")


def _main_frame_documents(frame: pd.DataFrame, fetch_dest: FetchDest) -> list[Row]:
    is_document = (frame["resource_type"] == "document") & frame["method"].isin(["GET", "POST"])
    documents = frame.loc[is_document.fillna(False), list(_DOCUMENT_COLUMNS)].sort_values(["started", "index"])
    rows: list[Row] = rows_of(documents)
    if not rows:
        return rows
    frames = [r["frame_ref"] for r in rows if _present(r["frame_ref"])]
    if frames:  # Playwright names every frame: the main frame is the one the first document loaded in
        main = frames[0]
        return [r for r in rows if not _present(r["frame_ref"]) or r["frame_ref"] == main]
    kept: list[Row] = []
    pages: set[str] = set()
    for row in rows:
        page = row["page_ref"] if _present(row["page_ref"]) else None
        if row is rows[0] or _is_main_frame(row, fetch_dest, page, pages, kept):
            kept.append(row)
        if page is not None:
            pages.add(page)
    return kept


def _is_main_frame(row: Row, fetch_dest: FetchDest, page: str | None, pages: set[str], kept: list[Row]) -> bool:
    """Whether a document (not the first) loaded in the page's own frame, by the best evidence the writer kept:
    a new page in `pages[]` (Chrome keeps an iframe on its parent's page); else the browser's `Sec-Fetch-Dest`
    (a reload under the same page for Firefox), read only here, where nothing cheaper tells; else Chrome's
    initiator (`parser` or `script`: an iframe; `other` is no proof, Chrome writes it for an iframe's redirect
    target too); else whether it has no page at all or is the target of the previous document's redirect."""
    if page is not None and page not in pages:
        return True
    dest = fetch_dest(int(row["index"]))
    if dest is not None:
        return dest == "document"
    if row["initiator_type"] in _IFRAME_INITIATORS:
        return False
    return page is None or (bool(kept) and _is_redirect(kept[-1]))


def _merge_redirects(rows: list[Row], settings: Settings) -> list[_Document]:
    chains: list[_Document] = []
    for row in rows:
        if chains and _is_redirect(chains[-1].row) and _within(chains[-1].row, row, settings.redirect_window_ms):
            chains[-1] = _Document(row=chains[-1].row, url=row["url"])
            continue
        chains.append(_Document(row=row, url=row["url"]))
    return chains


_REDIRECTS = frozenset({301, 302, 303, 307, 308})  # not 304: a cached page is a load, not a hop


def _is_redirect(row: Row) -> bool:
    status = as_int(row.get("status"))
    return status is not None and status in _REDIRECTS


def _within(first: Row, second: Row, window_ms: float) -> bool:
    if not (_present(first["started"]) and _present(second["started"])):
        return False
    return bool((second["started"] - first["started"]).total_seconds() * 1000 <= window_ms)


def _trigger(position: int, url: str | None, starts: Sequence[tuple[Any, str | None, Any, Any]]) -> Trigger:
    if position == 0:
        return "initial"
    previous = starts[position - 1][1]
    return "reload" if url is not None and _without_fragment(url) == _without_fragment(previous) else "navigate"


def _without_fragment(url: str | None) -> str | None:
    return None if url is None else url.split("#", 1)[0]


def _present(value: Any) -> bool:
    return not is_missing(value)


def _value(row: Any, column: str) -> Any:
    if row is None:
        return None
    value = row[column]
    return value if _present(value) else None
