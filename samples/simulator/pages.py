"""The console's static files: `/console/{detail,list,dashboard,detail-sidebar}` (one HTML page) and
`/static/console.js`."""

from __future__ import annotations

from pathlib import Path

from samples.simulator.api import Scope, Send

STATIC = Path(__file__).parent / "static"
PAGES = ("detail", "list", "dashboard", "detail-sidebar")
_INDEX = "".join(f'<li><a href="/console/{p}">{p}</a></li>' for p in PAGES)


async def serve_page(scope: Scope, send: Send) -> bool:
    """Answer a request for the console's own files; False when the path is not one of them."""
    if scope["type"] != "http":
        return False
    path = scope["path"]
    if path == "/":
        body, kind = f"<!doctype html><title>Console simulator</title><ul>{_INDEX}</ul>".encode(), "text/html"
    elif path.startswith("/console/") and path.removeprefix("/console/") in PAGES:
        body, kind = (STATIC / "console.html").read_bytes(), "text/html"
    elif path == "/static/console.js":
        body, kind = (STATIC / "console.js").read_bytes(), "text/javascript"
    else:
        return False
    headers = [(b"content-type", f"{kind}; charset=utf-8".encode()), (b"content-length", str(len(body)).encode()),
               (b"cache-control", b"no-cache")]  # fmt: skip
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": body})
    return True
