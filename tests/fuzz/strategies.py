"""Hypothesis strategies for the fuzz harness: HAR-shaped documents with odd values in every field, and mutations
of real captures (the samples, and the shared corpus where it is present).

A document is built as Python values, then encoded; `LITERALS` marks values no JSON encoder writes (numbers past
a float's range, bytes that are not UTF-8), swapped into the encoded bytes afterwards.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from tests.conftest import CORPUS, REPO

# Sentinels, replaced in the encoded bytes by what no encoder writes.
LITERALS: dict[str, bytes] = {
    "@@1e999@@": b"1e999",
    "@@-1e999@@": b"-1e999",
    "@@2e308@@": b"2e308",
    "@@bad-utf8@@": b'"\xff\xfe\xc3("',
    "@@deep@@": b"[" * 5000 + b"]" * 5000,
}
MAX_FILE_BYTES = 120_000  # bigger real captures are left out: the fuzzer wants many small runs

_HOSTS = st.sampled_from(["console.example.com", "127.0.0.1:18080", "[::1]:8443", "k8s.example", "[::1", ""])
_PREFIXES = st.sampled_from(["", "/api-gateway/kubernetes/calico3", "/clusters/local", "/k8s/proxy", "/%2e%2e"])
_RESOURCES = st.sampled_from(["/api/v1/pods", "/api/v1/namespaces/default/pods/p1", "/apis/apps/v1/deployments",
                              "/api/v1/watch/namespaces/x/configmaps", "/apis", "/healthz", "/wsMultiplexer",
                              "/v1/subscribe", "/api/v1/namespaces/ns/pods/p/log"])  # fmt: skip
_QUERIES = st.sampled_from(["", "?watch=true", "?watch=1&resourceVersion=5", "?watch=0", "?watch=false",
                            "?limit=500&continue=abc", "?timeoutSeconds=59&watch=true&allowWatchBookmarks=true",
                            "?labelSelector=a%3Db", "?%zz", "?watch"])  # fmt: skip
_TIMINGS = ("blocked", "dns", "connect", "ssl", "send", "wait", "receive")
ODD_NUMBERS = st.sampled_from([0, -1, -0.0, 1.5, 2**31, 2**53 + 1, 2**63, 2**64, 1e308, -1e308, 1e-320,
                               "@@1e999@@", "@@-1e999@@", "@@2e308@@"])  # fmt: skip
ODD_STRINGS = st.sampled_from(["", "NaN", "Infinity", "-inf", "1e999", "null", "\x1b]52;c;aGk=\x07", "[bold]x[/]",
                               "9999-12-31T23:59:59.999Z", "0000-01-01T00:00:00Z", "2026-11-01T06:00:00-04:00",
                               "2026-11-01 10:00:00", "\u2028", "@@bad-utf8@@"])  # fmt: skip
ODD_VALUES = st.one_of(
    st.none(), st.booleans(), ODD_NUMBERS, ODD_STRINGS, st.integers(), st.floats(allow_nan=False),
    st.text(max_size=20), st.just("@@deep@@"),
    # Containers built anew each time: a mutation may later change what it was given.
    st.builds(list), st.builds(dict), st.builds(lambda: [1, "a", None]), st.builds(lambda: {"name": 1}),
)  # fmt: skip


def _maybe(value: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly the plausible value, sometimes an odd one of any type."""
    return st.one_of(value, value, value, ODD_VALUES)


@st.composite
def urls(draw: st.DrawFn) -> str:
    scheme = draw(st.sampled_from(["https", "http", "wss", "ws", "", "HTTPS"]))
    head = f"{scheme}://{draw(_HOSTS)}" if scheme else ""
    return head + draw(_PREFIXES) + draw(_RESOURCES) + draw(_QUERIES)


def _headers() -> st.SearchStrategy[Any]:
    pair = st.fixed_dictionaries({"name": _maybe(st.sampled_from(["Accept", "Authorization", "Upgrade", ":path"])),
                                  "value": _maybe(st.text(max_size=30))})  # fmt: skip
    as_list = st.lists(st.tuples(st.text(max_size=8), st.text(max_size=8)).map(list), max_size=2)
    return st.one_of(st.lists(pair, max_size=3), as_list, ODD_VALUES)


def _frames() -> st.SearchStrategy[Any]:
    frame = st.fixed_dictionaries(
        {"type": _maybe(st.sampled_from(["send", "receive", "error"])), "time": _maybe(st.floats(0, 2e12)),
         "opcode": _maybe(st.sampled_from([1, 2, 8])),
         "data": _maybe(st.sampled_from(['{"type":"ADDED","object":{"metadata":{"resourceVersion":"5"}}}',
                                         '{"type":"REQUEST","path":"/api/v1/pods","query":"watch=1"}',
                                         '{"resourceType":"apps.deployment","id":"ns/x"}', "not json"]))}
    )  # fmt: skip
    return st.one_of(st.none(), st.lists(_maybe(frame), max_size=3), ODD_VALUES)


@st.composite
def entries(draw: st.DrawFn) -> dict[str, Any]:
    """One HAR entry, each field usually plausible and sometimes of any type."""
    second = draw(st.integers(0, 600))
    entry: dict[str, Any] = {
        "startedDateTime": draw(_maybe(st.just(f"2026-11-01T10:{second // 60:02d}:{second % 60:02d}.000Z"))),
        "time": draw(_maybe(st.floats(0, 400_000))),
        "request": draw(_maybe(st.fixed_dictionaries({
            "method": _maybe(st.sampled_from(["GET", "POST", "PUT", "DELETE", "get", "WATCH"])),
            "url": _maybe(urls()), "httpVersion": _maybe(st.sampled_from(["HTTP/1.1", "h2", "http/2.0", "h3"])),
            "headers": _headers(), "bodySize": ODD_NUMBERS}))),
        "response": draw(_maybe(st.fixed_dictionaries({
            "status": _maybe(st.sampled_from([200, 101, 304, 410, 0, -1, 500])),
            "headers": _headers(), "_transferSize": _maybe(st.integers(-1, 10_000)),
            "content": _maybe(st.fixed_dictionaries({
                "size": _maybe(st.integers(-1, 5000)),
                "mimeType": _maybe(st.sampled_from(["application/json", "text/html", "application/json;stream=watch"])),
                "text": _maybe(st.sampled_from(['{"kind":"PodList","items":[]}', '{"type":"ADDED"}\n', ""]))})),
            "_error": _maybe(st.sampled_from([None, "net::ERR_ABORTED"]))}))),
        "timings": draw(_maybe(st.fixed_dictionaries({k: _maybe(st.floats(-1, 1000)) for k in _TIMINGS}))),
    }  # fmt: skip
    optional = {
        "_resourceType": _maybe(st.sampled_from(["document", "xhr", "fetch", "websocket", "Script"])),
        "_webSocketMessages": _frames(), "connection": _maybe(st.sampled_from(["443", "12", "ClientPort:5"])),
        "_connectionId": _maybe(st.sampled_from(["1", "2"])), "pageref": _maybe(st.sampled_from(["p1", "p2"])),
        "_initiator": _maybe(st.sampled_from([{"type": "script", "stack": {"callFrames": [{"url": "a.js"}]}},
                                              "https://x/a.js"])),
        "serverIPAddress": _maybe(st.sampled_from(["[::1]", "10.0.0.1"])), "_serverPort": ODD_NUMBERS,
    }  # fmt: skip
    for key, strategy in optional.items():
        if draw(st.booleans()):
            entry[key] = draw(strategy)
    return entry


@st.composite
def documents(draw: st.DrawFn) -> bytes:
    """A HAR document, encoded: entries, pages, a creator, sometimes something else where a log should be."""
    page = st.fixed_dictionaries({"id": _maybe(st.sampled_from(["p1", "p2"])), "title": _maybe(st.text(max_size=10)),
                                  "startedDateTime": _maybe(st.just("2026-11-01T10:00:00.000Z"))})  # fmt: skip
    log: dict[str, Any] = {
        "version": draw(_maybe(st.just("1.2"))),
        "creator": draw(_maybe(st.fixed_dictionaries({"name": _maybe(st.sampled_from(["WebInspector", "Firefox",
                                                                                      "Playwright"]))}))),
        "pages": draw(_maybe(st.lists(_maybe(page), max_size=2))),
        "entries": draw(st.lists(_maybe(entries()), max_size=6)),
    }  # fmt: skip
    document: Any = draw(st.sampled_from([{"log": log}] * 8 + [log, [log], {"log": None}]))
    return encode(document)


def encode(document: Any) -> bytes:
    data = json.dumps(document, ensure_ascii=False).encode("utf-8", "surrogatepass")
    for sentinel, literal in LITERALS.items():
        data = data.replace(json.dumps(sentinel).encode(), literal)
    return data


@functools.cache
def real_files() -> tuple[Path, ...]:
    """The samples and corpus captures small enough to fuzz often."""
    found = sorted((REPO / "samples").glob("*.har"))
    if CORPUS.is_dir():
        found += sorted(p for p in CORPUS.iterdir() if p.suffix in (".har", ".gz", ".zip", ".zhar"))
    return tuple(p for p in found if p.stat().st_size <= MAX_FILE_BYTES)


@functools.cache
def _parsed(path: Path) -> Any:
    try:
        return json.loads(path.read_bytes())
    except ValueError:  # compressed, or not JSON: only byte mutations apply
        return None


@st.composite
def json_mutations(draw: st.DrawFn, path: Path) -> bytes:
    """The capture with a few values somewhere in it swapped for odd ones (any type, huge numbers, deep nesting)."""
    document = _parsed(path)
    if document is None:
        return path.read_bytes()
    document = json.loads(json.dumps(document))  # a copy to change
    for _ in range(draw(st.integers(1, 4))):
        node, key = _pick(draw, document)
        if node is not None:
            node[key] = draw(ODD_VALUES)
    return encode(document)


def _pick(draw: st.DrawFn, document: Any) -> tuple[Any, Any]:
    """A container somewhere in `document` and one of its keys, entries more often than not."""
    node: Any = document
    parent: Any = None
    key: Any = None
    for _ in range(draw(st.integers(1, 6))):
        if isinstance(node, dict) and node:
            parent, key = node, draw(st.sampled_from(sorted(node, key=str)))
        elif isinstance(node, list) and node:
            parent, key = node, draw(st.integers(0, len(node) - 1))
        else:
            break
        node = parent[key]
    return parent, key


@st.composite
def byte_mutations(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` with bytes flipped, a run cut out, or cut off at the end."""
    kind = draw(st.sampled_from(["flip", "truncate", "delete", "insert"]))
    if not data:
        return data
    at = draw(st.integers(0, len(data) - 1))
    if kind == "truncate":
        return data[:at]
    if kind == "delete":
        return data[:at] + data[at + draw(st.integers(1, 64)) :]
    if kind == "insert":
        return data[:at] + draw(st.sampled_from([b"\xff", b"\x00", b"[", b"{", b'"', b"1e999", b"-", b","])) + data[at:]
    flipped = bytearray(data)
    for _ in range(draw(st.integers(1, 8))):
        spot = draw(st.integers(0, len(data) - 1))
        flipped[spot] ^= 1 << draw(st.integers(0, 7))
    return bytes(flipped)


@st.composite
def mutated_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """(name, bytes) of a real capture, mutated in its JSON, in its bytes, or both."""
    path = draw(st.sampled_from(real_files()))
    data = draw(json_mutations(path)) if draw(st.booleans()) else path.read_bytes()
    data = CONTAINERS[draw(st.sampled_from(sorted(CONTAINERS)))](data)
    if draw(st.booleans()):
        data = draw(byte_mutations(data))
    return path.name, data


def _zip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("har.har", data)
    return buffer.getvalue()


# How a capture is stored: the byte mutations then cut or damage the compressed stream itself.
CONTAINERS: dict[str, Callable[[bytes], bytes]] = {
    "plain": lambda data: data, "plain-2": lambda data: data, "gzip": gzip.compress, "zlib": zlib.compress, "zip": _zip,
}  # fmt: skip
