"""Write a large Chrome-DevTools-style HAR of a Kubernetes console, streaming, for the loader benchmarks.

The capture imitates "Export HAR (with content)" from Chrome on an ASM console: get, list and watch requests of
`/api-gateway/kubernetes/calico3/apis/asm.alauda.io/v1beta3/namespaces/testhl/microservices[/asm-cal3]` mixed
with the console's static assets, grouped in pages (a navigation every ~1,000 entries), over a few HTTP/2
connections (`_connectionId`), with Chrome's timings (`_blocked_queueing`) and response bodies of varied size.
The default, 200,000 entries, is about 700 MB. Entries are encoded and written one at a time, so the generator
runs in constant memory whatever N is. The output is deterministic for a given `--seed`.

    python benchmarks/gen_devtools_har.py benchmarks/out/devtools-200000.har --entries 200000
"""

from __future__ import annotations

import argparse
import base64
import random
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import msgspec

HOST = "https://console.example.com"
API = "/api-gateway/kubernetes/calico3/apis/asm.alauda.io/v1beta3/namespaces/testhl/microservices"
NAME = "asm-cal3"
START_MS = datetime(2024, 5, 1, 10, 0, tzinfo=UTC).timestamp() * 1000
ENTRIES_PER_PAGE = 1000
SERVER_IP = "10.0.12.34"
# kind -> share of the entries (static assets are the rest)
MIX = {"list": 0.30, "get": 0.30, "watch": 0.10}
STATIC = (
    ("js", "application/javascript", "script"),
    ("css", "text/css", "stylesheet"),
    ("svg", "image/svg+xml", "image"),
    ("png", "image/png", "image"),
    ("woff2", "font/woff2", "font"),
)


def microservice(rng: random.Random, index: int) -> dict[str, Any]:
    """One asm.alauda.io/v1beta3 MicroService object, padded to a realistic, varied size."""
    name = NAME if index == 0 else f"svc-{index:04d}"
    return {
        "apiVersion": "asm.alauda.io/v1beta3",
        "kind": "MicroService",
        "metadata": {
            "name": name,
            "namespace": "testhl",
            "uid": f"{rng.getrandbits(128):032x}",
            "resourceVersion": str(rng.randint(10**6, 10**8)),
            "generation": rng.randint(1, 40),
            "creationTimestamp": "2024-04-28T08:15:02Z",
            "labels": {"app": name, "asm.cpaas.io/msname": name, "project.cpaas.io/name": "testhl"},
            "annotations": {
                "asm.cpaas.io/display-name": name,
                "kubectl.kubernetes.io/last-applied": "x" * rng.randint(50, 600),
            },
        },
        "spec": {
            "deployments": [{"name": f"{name}-v{v}", "version": f"v{v}"} for v in range(rng.randint(1, 4))],
            "services": [{"name": name, "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}],
            "sidecar": {"inject": True, "resources": {"limits": {"cpu": "500m", "memory": "512Mi"}}},
        },
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}] * rng.randint(1, 6)},
    }


class Bodies:
    """Pools of pre-encoded response bodies, so that per-entry work is a pick, not a JSON build."""

    def __init__(self, rng: random.Random) -> None:
        items = [microservice(rng, i) for i in range(64)]
        self.get = [msgspec.json.encode(item).decode() for item in items]
        self.list = [self._list(rng, items, min(int(rng.expovariate(1 / 2.4)), 40)) for _ in range(32)]
        self.watch = [self._watch(rng, items, k) for k in (0, 1, 2, 4)]
        self.static = {ext: self._static(rng, ext) for ext, _, _ in STATIC}

    @staticmethod
    def _list(rng: random.Random, items: list[dict[str, Any]], k: int) -> str:
        chosen = rng.sample(items, k)
        meta = {"resourceVersion": str(rng.randint(10**6, 10**8)), "continue": ""}
        return msgspec.json.encode({"apiVersion": "asm.alauda.io/v1beta3", "kind": "MicroServiceList",
                                    "metadata": meta, "items": chosen}).decode()  # fmt: skip

    @staticmethod
    def _watch(rng: random.Random, items: list[dict[str, Any]], k: int) -> str:
        events = [{"type": rng.choice(["ADDED", "MODIFIED", "BOOKMARK"]), "object": o} for o in rng.sample(items, k)]
        return "".join(msgspec.json.encode(e).decode() + "\n" for e in events)

    @staticmethod
    def _static(rng: random.Random, ext: str) -> str:
        if ext in ("png", "woff2"):  # binary: Chrome stores it base64-encoded
            return base64.b64encode(rng.randbytes(rng.randint(200, 2000))).decode()
        line = "function n(e){return e&&e.__esModule?e.default:e}" if ext == "js" else ".asm-card{margin:0 8px}"
        return "\n".join([line] * rng.randint(10, 60))


def headers(kind: str, url: str, size: int) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    request = [
        {"name": ":authority", "value": "console.example.com"},
        {"name": ":method", "value": "GET"},
        {"name": ":path", "value": url.removeprefix(HOST)},
        {"name": ":scheme", "value": "https"},
        {"name": "accept", "value": "application/json, text/plain, */*"},
        {"name": "authorization", "value": "Bearer eyJhbGciOiJSUzI1NiJ9.benchmark.signature"},
        {"name": "referer", "value": f"{HOST}/console-asm/workspace/testhl/microservices"},
        {"name": "user-agent", "value": "Mozilla/5.0 (X11; Linux x86_64) Chrome/124.0.0.0 Safari/537.36"},
    ]
    response = [
        {"name": "content-type", "value": "application/json" if kind != "static" else "application/octet-stream"},
        {"name": "content-length", "value": str(size)},
        {"name": "date", "value": "Wed, 01 May 2024 10:00:00 GMT"},
        {"name": "audit-id", "value": "5d6e0f3c-8a52-4c4b-9e8f-1d2e3f4a5b6c"},
    ]
    return request, response


def timings(rng: random.Random, kind: str, is_new_connection: bool) -> tuple[float, dict[str, float]]:
    queueing = round(rng.uniform(0.2, 8.0), 3)
    connect = round(rng.uniform(5, 40), 3) if is_new_connection else -1
    wait = round(rng.uniform(60_000, 300_000) if kind == "watch" else rng.lognormvariate(3.5, 0.8), 3)
    parts = {
        "blocked": round(queueing + rng.uniform(0, 1), 3),
        "dns": round(rng.uniform(1, 10), 3) if is_new_connection else -1,
        "ssl": round(connect * 0.6, 3) if is_new_connection else -1,
        "connect": connect,
        "send": round(rng.uniform(0.05, 0.5), 3),
        "wait": wait,
        "receive": round(rng.uniform(0.1, 30), 3),
        "_blocked_queueing": queueing,
    }
    total = sum(v for k, v in parts.items() if v > 0 and k not in ("ssl", "_blocked_queueing"))
    return round(total, 3), parts


def request_of(rng: random.Random, kind: str, bodies: Bodies) -> tuple[str, str, str, str, str | None]:
    """(url, body text, mime type, Chrome resource type, content encoding) for one request of `kind`."""
    if kind == "get":
        return f"{HOST}{API}/{NAME}", rng.choice(bodies.get), "application/json", "fetch", None
    if kind == "list":
        query = rng.choice(["", "?limit=20", "?limit=500&labelSelector=app%3Dasm-cal3"])
        return f"{HOST}{API}{query}", rng.choice(bodies.list), "application/json", "fetch", None
    if kind == "watch":
        query = rng.choice(["?watch=true&allowWatchBookmarks=true", "?watch=1&resourceVersion=51234001"])
        return f"{HOST}{API}{query}", rng.choice(bodies.watch), "application/json", "fetch", None
    ext, mime, resource_type = rng.choice(STATIC)
    url = f"{HOST}/console-asm/static/{resource_type}/chunk-{rng.getrandbits(32):08x}.{ext}"
    encoding = "base64" if ext in ("png", "woff2") else None
    return url, bodies.static[ext], mime, resource_type, encoding


def pick_kind(rng: random.Random) -> str:
    roll = rng.random()
    for kind, share in MIX.items():
        if roll < share:
            return kind
        roll -= share
    return "static"


def make_entry(rng: random.Random, position: int, clock_ms: float, bodies: Bodies) -> dict[str, Any]:
    kind = pick_kind(rng)
    url, text, mime, resource_type, encoding = request_of(rng, kind, bodies)
    size = len(text) * 3 // 4 if encoding else len(text)
    connection = 7000 + position // 5000 * 4 + rng.randrange(4)  # four HTTP/2 connections per 5,000 entries
    time_ms, parts = timings(rng, kind, position % 5000 < 4)
    request_headers, response_headers = headers(kind, url, size)
    content = {"size": size, "mimeType": mime, "text": text} | ({"encoding": encoding} if encoding else {})
    return {
        "_connectionId": str(connection),
        "_initiator": {"type": "script"} if kind != "static" else {"type": "parser", "url": f"{HOST}/console-asm/"},
        "_priority": "High",
        "_resourceType": resource_type,
        "cache": {},
        "connection": "443",
        "pageref": f"page_{position // ENTRIES_PER_PAGE + 1}",
        "request": {"method": "GET", "url": url, "httpVersion": "http/2.0", "headers": request_headers,
                    "queryString": [], "cookies": [], "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "", "httpVersion": "http/2.0", "headers": response_headers,
                     "cookies": [], "content": content, "redirectURL": "", "headersSize": -1,
                     "bodySize": size, "_transferSize": size + 180, "_error": None},
        "serverIPAddress": SERVER_IP,
        "startedDateTime": _iso(clock_ms),
        "time": time_ms,
        "timings": parts,
    }  # fmt: skip


def write_har(path: Path, entries: int, seed: int = 0) -> int:
    """Write the capture to `path`, one entry at a time; returns its size in bytes."""
    rng = random.Random(seed)
    bodies = Bodies(rng)
    pages = [
        {"startedDateTime": _iso(START_MS + p * ENTRIES_PER_PAGE * 50), "id": f"page_{p + 1}",
         "title": f"{HOST}/console-asm/workspace/testhl/microservices/{NAME}",
         "pageTimings": {"onContentLoad": 812.5, "onLoad": 1403.2}}
        for p in range(max(1, -(-entries // ENTRIES_PER_PAGE)))
    ]  # fmt: skip
    head = {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"}, "pages": pages}
    encoder = msgspec.json.Encoder()
    clock = START_MS
    with path.open("wb", buffering=1 << 20) as out:
        out.write(b'{"log":' + encoder.encode(head)[:-1] + b',"entries":[\n')
        for position in range(entries):
            clock += rng.expovariate(1 / 50)  # ~20 requests a second
            out.write((b",\n" if position else b"") + encoder.encode(make_entry(rng, position, clock, bodies)))
        out.write(b"\n]}}\n")
    return path.stat().st_size


def _iso(ms: float) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", type=Path, help="where to write the HAR")
    parser.add_argument("--entries", type=int, default=200_000, help="number of entries (default 200000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    args = parser.parse_args(argv)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    size = write_har(args.output, args.entries, args.seed)
    print(f"{args.output}: {args.entries} entries, {size / 1e6:.1f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
