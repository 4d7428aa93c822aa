"""Write `detail-page-refresh.har`: a hand-made, Chrome-DevTools-style capture of the detail page of
`microservices/asm-cal3` (namespace testhl, cluster calico3, behind the Alauda gateway).

Load 1 watches (get, then a watch from the get's resourceVersion, closed by the server after ~60 s; the
re-watch from the last version seen was still open at the reload, so DevTools, which exports no unfinished
request, left it out); the user switches polling on and reloads; load 2 polls the object with a GET every 5 s
and never watches: the situation the project started from. Hand-made (no browser wrote
it): real-browser samples recorded from the console simulator replace it later.

Usage: python samples/make_detail_page_sample.py [OUT]   (default: samples/detail-page-refresh.har)
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ORIGIN = "http://console.example.test"
API = f"{ORIGIN}/api-gateway/kubernetes/calico3/apis/asm.alauda.io/v1beta3/namespaces/testhl/microservices"
GET = f"{API}/asm-cal3"
LIST = f"{API}?fieldSelector=metadata.name=asm-cal3"
T0 = datetime(2026, 11, 20, 9, 30, 0, tzinfo=UTC)


def obj(version: int) -> dict[str, Any]:
    return {"apiVersion": "asm.alauda.io/v1beta3", "kind": "MicroService",
            "metadata": {"name": "asm-cal3", "namespace": "testhl", "resourceVersion": str(version)},
            "spec": {"replicas": 2}}  # fmt: skip


def watch_url(version: int) -> str:
    return f"{LIST}&watch=true&allowWatchBookmarks=true&timeoutSeconds=59&resourceVersion={version}"


def entry(page: str, at: float, url: str, *, wait: float, receive: float = 1.0, body: str = "",
          kind: str = "fetch", mime: str = "application/json", connection: int = 101,
          connect: float = -1) -> dict[str, Any]:  # fmt: skip
    blocked, send = 0.8, 0.1
    total = blocked + max(connect, 0) + send + wait + receive
    return {
        "_connectionId": str(connection), "_initiator": {"type": "script" if kind != "document" else "other"},
        "_priority": "High", "_resourceType": kind, "cache": {}, "connection": "80", "pageref": page,
        "request": {"method": "GET", "url": url, "httpVersion": "HTTP/1.1", "headersSize": -1, "bodySize": 0,
                    "headers": [{"name": "Accept", "value": mime}], "queryString": [], "cookies": []},
        "response": {"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1", "cookies": [],
                     "headers": [{"name": "Content-Type", "value": mime},
                                 {"name": "Connection", "value": "keep-alive"}],
                     "content": {"size": len(body), "mimeType": mime, "text": body}, "redirectURL": "",
                     "headersSize": -1, "bodySize": -1, "_transferSize": len(body) + 180, "_error": None},
        "serverIPAddress": "10.0.0.8",
        "startedDateTime": (T0 + timedelta(seconds=at)).isoformat().replace("+00:00", "Z"),
        "time": round(total, 3),
        "timings": {"blocked": blocked, "dns": -1, "ssl": -1, "connect": connect, "send": send, "wait": wait,
                    "receive": receive, "_blocked_queueing": 0.5},
    }  # fmt: skip


def events(*items: tuple[str, int]) -> str:
    return "".join(json.dumps({"type": kind, "object": obj(version)}) + "\n" for kind, version in items)


def build() -> dict[str, Any]:
    html = "<!doctype html><title>asm-cal3</title><script src=/static/app.js></script>"
    entries = [
        entry("page_1", 0.0, f"{ORIGIN}/console/microservices/asm-cal3", wait=20, body=html, kind="document",
              mime="text/html", connect=3.0),
        entry("page_1", 0.05, f"{ORIGIN}/static/app.js", wait=15, body="/* app */", kind="script",
              mime="application/javascript", connection=102, connect=2.5),
        entry("page_1", 0.4, GET, wait=40, body=json.dumps(obj(5937358))),
        entry("page_1", 0.5, watch_url(5937358), wait=35, receive=59_400,
              body=events(("MODIFIED", 5937401), ("BOOKMARK", 5937460)), connection=103, connect=2.0),
    ]  # fmt: skip
    reload_at = 86.5
    entries.append(entry("page_2", reload_at, f"{ORIGIN}/console/microservices/asm-cal3", wait=18, body=html,
                         kind="document", mime="text/html", connection=104, connect=2.8))  # fmt: skip
    entries.append(entry("page_2", reload_at + 0.05, f"{ORIGIN}/static/app.js", wait=1, body="/* app */",
                         kind="script", mime="application/javascript", connection=102))  # fmt: skip
    for tick in range(7):  # downgradePolling: getResource every 5 s instead of a watch
        entries.append(entry("page_2", reload_at + 0.4 + 5 * tick, GET, wait=38 + tick % 3,
                             body=json.dumps(obj(5937502 + 11 * tick)), connection=104 + tick % 2))  # fmt: skip
    pages = [
        {"startedDateTime": (T0 + timedelta(seconds=at)).isoformat().replace("+00:00", "Z"), "id": page,
         "title": f"{ORIGIN}/console/microservices/asm-cal3", "pageTimings": {"onContentLoad": 310, "onLoad": 420}}
        for page, at in (("page_1", 0.0), ("page_2", reload_at))
    ]  # fmt: skip
    return {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                    "pages": pages, "entries": entries}}  # fmt: skip


def main() -> None:
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).with_name("detail-page-refresh.har")
    out.write_text(json.dumps(build(), indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
