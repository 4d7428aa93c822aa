"""Watch chains: the successive watches of one key in one page load, and how each handed over to the next.

For each watch: the `resourceVersion` it asked for, what it delivered (events, last version seen), the gap
since the previous watch ended (events can be missed there), whether it resumed from the last version the
previous one saw, and whether it expired (HTTP 410, or an in-stream ERROR event with code 410) — and then
whether a re-list followed. The first watch is checked against the version of the preceding get or list.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

import numpy as np
import pandas as pd

from analyzer.analysis.accesses import AccessColumns
from analyzer.analysis.resources import READ_VERBS, all_namespaces_of, collection_of
from analyzer.analysis.values import as_moment, datetimes, ints, is_missing, texts
from analyzer.analysis.watch_events import (
    NO_EVENTS,
    WATCH_BODIES,
    WatchEvents,
    body_events,
    digested_events,
    read_resource_version,
    socket_events,
)
from analyzer.har.loader import Capture
from analyzer.settings import Settings
from analyzer.summary import ENDED_BY, Stream, WatchChain, WatchLink, one_of


def find_chains(
    capture: Capture, accesses: pd.DataFrame, table: AccessColumns, streams: Sequence[Stream], settings: Settings
) -> list[WatchChain]:
    """Every watch chain, by page load and key (each watch's end as its stream tells it)."""
    chains = []
    ends = {s.index: s.ended for s in streams}
    watches = accesses.loc[accesses["verb"] == "watch", list(_LINK_COLUMNS)]
    websocket = watches["websocket"].fillna(False).astype(bool).tolist()
    multiplexed = watches["multiplexed"].fillna(False).astype(bool).tolist()
    index = watches["index"].astype("int64").tolist()
    # the events of the HTTP watches: counted where the loader decoded them, or their bodies read in one pass,
    # each let go once counted (a websocket's events are its frames)
    http_watches = [i for i, socket, many in zip(index, websocket, multiplexed, strict=True) if not socket and not many]
    digested = capture.digests(http_watches, WATCH_BODIES.name)
    read = {d: digested_events(d) for d in set(digested.values())}  # a page's watches often deliver alike
    events = {i: read[d] for i, d in digested.items()}
    unread = [i for i in http_watches if i not in events]  # the loader made no digest of these
    events.update((i, body_events(body)) for i, body in capture.each_body(unread))
    # Each watch's values, converted once; the access table is in start order (then index), and so is each
    # chain's share of it, taken by position.
    links = list(zip(index, datetimes(watches["started"]), watches["ended_by"].tolist(),
                     texts(watches["resource_version"]), ints(watches["timeout_seconds"]), ints(watches["status"]),
                     websocket, multiplexed, strict=True))  # fmt: skip
    groups: dict[tuple[int, str], list[int]] = {}
    for position, (navigation, key) in enumerate(zip(watches["navigation"].tolist(), watches["key"].tolist(),
                                                     strict=True)):  # fmt: skip
        if not is_missing(navigation) and not is_missing(key):
            groups.setdefault((int(navigation), str(key)), []).append(position)
    for (navigation, key), positions in sorted(groups.items()):
        chain = WatchChain(navigation=navigation, key=key)
        chain.watches.extend(_link(capture, events, ends, *links[position]) for position in positions)
        _check_start(capture, chain, table)
        _check_handovers(chain)
        _find_relists(chain, table, settings)
        chains.append(chain)
    return chains


# What a link reads of each watch.
_LINK_COLUMNS = ("navigation", "key", "index", "started", "ended_by", "resource_version", "timeout_seconds", "status",
                 "websocket", "multiplexed")  # fmt: skip


def _link(capture: Capture, http_events: Mapping[int, WatchEvents], ends: dict[int, datetime | None], index: int,
          started: datetime | None,
          ended_by: object, resource_version: str | None, timeout_seconds: int | None, status: int | None,
          websocket: bool, multiplexed: bool) -> WatchLink:  # fmt: skip
    if multiplexed:
        events = NO_EVENTS
    else:
        events = socket_events(capture, index) if websocket else http_events.get(index, NO_EVENTS)
    return WatchLink(
        index=index,
        started=started,
        ended=ends.get(index),  # None where the end is not known (still open, or its writer kept no end)
        ended_by=one_of(ended_by if isinstance(ended_by, str) and ended_by else "complete", ENDED_BY),
        resource_version=resource_version,
        timeout_seconds=timeout_seconds,
        events=dict(events.counts) if events.has_body else None,
        last_resource_version=events.last_resource_version,
        first_event=events.first_event,
        expired=status == 410 or events.expired,
    )


def _watched_keys(chain: WatchChain) -> set[str]:
    """The chain's key and its collection's, in its namespace and across all namespaces."""
    return {chain.key, collection_of(chain.key), all_namespaces_of(collection_of(chain.key))}


def _check_start(capture: Capture, chain: WatchChain, table: AccessColumns) -> None:
    first = chain.watches[0]
    reads = table.rows(chain.navigation, _watched_keys(chain), READ_VERBS)
    if first.started is not None:
        reads = reads[table.started[reads] <= as_moment(first.started)]
    if not len(reads):
        return
    chain.preceding_read = int(table.index[reads[-1]])
    chain.read_resource_version = read_resource_version(capture, chain.preceding_read)
    if chain.read_resource_version is not None:
        chain.started_from_read = first.resource_version == chain.read_resource_version


def _check_handovers(chain: WatchChain) -> None:
    for previous, link in itertools.pairwise(chain.watches):
        if previous.ended is not None and link.started is not None:
            link.gap_s = round((link.started - previous.ended).total_seconds(), 3)
        seen = previous.last_resource_version if previous.events is not None else None
        expected = seen or previous.resource_version
        if expected is not None and not previous.expired:
            link.resumed = link.resource_version == expected


def _find_relists(chain: WatchChain, table: AccessColumns, settings: Settings) -> None:
    """The re-list that followed each failed or expired watch. Where the writer kept no body (chrome-har), a
    410 Gone is not visible: a watch that ended early and was answered by a re-list before the next watch
    is the client meeting one (`expiry_inferred`), not a server closing it early."""
    lists = table.rows(chain.navigation, _watched_keys(chain), ("list",))
    starts = table.started[lists]
    after = np.timedelta64(timedelta(seconds=settings.relist_after_s))
    following_watch = [link.started for link in chain.watches[1:]] + [None]
    for link, next_watch in zip(chain.watches, following_watch, strict=True):
        failed = link.expired or link.ended_by == "error"
        unexplained = not failed and _ended_early_without_body(link, settings)
        moment = link.ended or link.started
        if not (failed or unexplained) or moment is None or link.started is None:
            continue
        # after the watch began (an expired watch may end in the same millisecond the re-list starts)
        window = (starts > as_moment(link.started)) & (starts <= as_moment(moment) + after)
        if unexplained and next_watch is not None:
            window &= starts <= as_moment(next_watch)
        following = lists[window]
        if len(following):
            link.relist = int(table.index[following[0]])
            link.expiry_inferred = unexplained


def _ended_early_without_body(link: WatchLink, settings: Settings) -> bool:
    if link.events is not None or link.ended_by != "complete" or link.ended is None or link.started is None:
        return False
    lived = (link.ended - link.started).total_seconds()
    return bool(link.timeout_seconds) and lived < settings.ended_early_fraction * (link.timeout_seconds or 0)
