"""The events of one watch: initial ADDED events, changes from the history and live, bookmarks, a 410, a deadline."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from samples.simulator.log import ApiRecord
from samples.simulator.store import KINDS, Selector, Store

BOOKMARK_LEAD = 2.0  # kube-apiserver sends a bookmark ~2 s before a watch's deadline (cache_watcher.go)


async def stream_events(store: Store, selector: Selector, resource_version: str | None, *, timeout: float,
                        bookmarks: bool, bookmark_interval: float, stop: asyncio.Event,
                        record: ApiRecord) -> AsyncIterator[dict[str, Any]]:  # fmt: skip
    """Yield watch events until the deadline (`record.end_reason` "timeout"), a 410 ("expired") or `stop`.

    `resource_version` unset or "0" starts with synthetic ADDED events for the current objects; any other
    value starts after it, or yields one ERROR event with a 410 Status when the history no longer holds it.
    """
    start = time.monotonic()
    deadline = start + timeout
    if resource_version in (None, "", "0"):
        cursor = store.version
        for obj in store.select(selector):
            yield _sent(record, {"type": "ADDED", "object": obj})
    else:
        cursor = int(resource_version) if resource_version.isdigit() else -1
        if cursor < 0 or store.is_too_old(cursor):
            record.end_reason = "expired"
            yield _sent(record, {"type": "ERROR", "object": _expired(resource_version, store)})
            return
    bookmark_times = _bookmark_times(start, deadline, bookmark_interval) if bookmarks else []
    while not stop.is_set():
        for event in store.events_after(cursor, selector):
            yield _sent(record, {"type": event.type, "object": event.object})
        cursor = store.version  # every change up to here was seen (and matched or not)
        now = time.monotonic()
        if bookmark_times and now >= bookmark_times[0]:
            bookmark_times.pop(0)
            yield _sent(record, _bookmark(selector, cursor))
        if now >= deadline:
            record.end_reason = "timeout"
            return
        wake = min([deadline, *bookmark_times[:1]])
        await _wait(store, cursor, wake - now, stop)


def _bookmark_times(start: float, deadline: float, interval: float) -> list[float]:
    times = []
    at = start + interval
    while at < deadline - BOOKMARK_LEAD:
        times.append(at)
        at += interval
    if deadline - BOOKMARK_LEAD > start:
        times.append(deadline - BOOKMARK_LEAD)
    return times


async def _wait(store: Store, cursor: int, seconds: float, stop: asyncio.Event) -> None:
    change = asyncio.create_task(store.wait_for_change(cursor, seconds))
    stopped = asyncio.create_task(stop.wait())
    await asyncio.wait({change, stopped}, return_when=asyncio.FIRST_COMPLETED)
    for task in (change, stopped):
        task.cancel()


def _sent(record: ApiRecord, event: dict[str, Any]) -> dict[str, Any]:
    record.events[event["type"]] += 1
    version = (event["object"].get("metadata") or {}).get("resourceVersion")
    if version:
        record.last_event_version = version
    return event


def _bookmark(selector: Selector, version: int) -> dict[str, Any]:
    api_version = f"{selector.group}/{selector.version}" if selector.group else selector.version
    kind = KINDS.get(selector.resource, selector.resource.title())
    return {"type": "BOOKMARK", "object": {"kind": kind, "apiVersion": api_version,
                                           "metadata": {"resourceVersion": str(version)}}}  # fmt: skip


def _expired(requested: str, store: Store) -> dict[str, Any]:
    oldest = store.compacted_version + 1
    message = f"too old resource version: {requested} ({oldest})"
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message,
            "reason": "Expired", "code": 410}  # fmt: skip
