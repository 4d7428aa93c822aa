"""The parts of HAR 1.2 (and the writers' `_` extensions) that we decode; private to `analyzer.har`.

Only the fields the analyzer uses are declared: msgspec skips everything else without building Python
objects. Bodies, headers, initiators and websocket frame payloads are kept as `msgspec.Raw` (a view into
the capture, no copy) and decoded later, only for the entries that need them.
"""

from __future__ import annotations

import msgspec

Number = float | None
NULL = msgspec.Raw(b"null")


class Content(msgspec.Struct, gc=False):
    size: Number = None
    mimeType: str | None = None
    text: msgspec.Raw = NULL
    encoding: str | None = None
    _file: str | None = None  # Playwright `attach` mode: a sidecar file in the zip


class Request(msgspec.Struct, gc=False):
    method: str | None = None
    url: str | None = None
    httpVersion: str | None = None
    headers: msgspec.Raw = NULL
    bodySize: Number = None


class Response(msgspec.Struct, gc=False):
    status: Number = None
    statusText: str | None = None
    httpVersion: str | None = None
    headers: msgspec.Raw = NULL
    content: Content = msgspec.field(default_factory=Content)
    bodySize: Number = None
    _transferSize: Number = None
    _error: str | None = None  # Chrome, mitmproxy
    _failureText: str | None = None  # Playwright


class Timings(msgspec.Struct, gc=False):
    blocked: Number = None
    dns: Number = None
    ssl: Number = None
    connect: Number = None
    send: Number = None
    wait: Number = None
    receive: Number = None
    _blocked_queueing: Number = None  # Chrome: the queueing part of `blocked`
    _queued: Number = None  # chrome-har


class Frame(msgspec.Struct, gc=False):
    type: str | None = None  # send, receive (Chrome also "error")
    time: Number = None  # epoch seconds (Chrome, mitmproxy) or milliseconds (Playwright)
    opcode: Number = None
    data: msgspec.Raw = NULL


class Initiator(msgspec.Struct, gc=False):
    type: str | None = None  # parser, script, preflight, other
    url: str | None = None
    # Not read here: with `type` and `url`, all that `initiators.read_initiator` reads of it (`columns.initiator_key`)
    lineNumber: msgspec.Raw = NULL
    stack: msgspec.Raw = NULL


class Entry(msgspec.Struct, gc=False):
    # In the order Chrome writes the keys (sorted): msgspec tries the field after the last one found first,
    # so the usual order decodes with one comparison a key.
    _connectionId: str | None = None  # new Chrome (with `connection` then the server port)
    _fromCache: str | None = None
    _frameref: str | None = None  # Playwright: which frame issued the request
    _initiator: Initiator | str | None = None  # Chrome: an object; chrome-har: the initiator URL
    # chrome-har's other initiator fields, not read here (`columns.initiator_key`)
    _initiator_detail: msgspec.Raw = NULL
    _initiator_function_name: msgspec.Raw = NULL
    _initiator_line: msgspec.Raw = NULL
    _initiator_type: str | None = None  # chrome-har
    _resourceType: str | None = None
    _serverPort: Number = None  # Playwright, Safari
    _webSocketMessages: list[Frame] | None = None
    connection: str | None = None
    pageref: str | None = None
    request: Request = msgspec.field(default_factory=Request)
    response: Response = msgspec.field(default_factory=Response)
    serverIPAddress: str | None = None
    startedDateTime: str | None = None
    time: Number = None
    timings: Timings = msgspec.field(default_factory=Timings)


class Page(msgspec.Struct, gc=False):
    _cached: Number = None  # WebPageTest: 0 for the first view, 1 for the repeat view
    _run: Number = None  # WebPageTest: which run of a multi-run test (each a fresh browser)
    id: str | None = None
    title: str | None = None
    startedDateTime: str | None = None


class Creator(msgspec.Struct, gc=False):
    name: str | None = None
    version: str | None = None


class Log(msgspec.Struct):
    entries: list[msgspec.Raw] | None = None
    pages: msgspec.Raw = NULL
    creator: msgspec.Raw = NULL
    browser: msgspec.Raw = NULL
    version: msgspec.Raw = NULL


class Har(msgspec.Struct):
    log: Log | None = None
