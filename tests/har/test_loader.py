"""The loader on hand-made inputs: containers, envelopes, bad input, times, sorting and per-writer fields."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest

from analyzer.errors import InputError
from analyzer.har import load_bytes, load_capture
from analyzer.har.loader import open_capture
from tests.factories import DELETE, GET_URL, LIST_URL, WATCH_URL, har_bytes, make_entry, make_har

THREE = [make_entry(**{"request.url": u}) for u in (GET_URL, LIST_URL, WATCH_URL)]


def rows(data: bytes) -> list[dict[str, Any]]:
    # Capture.entries is a pyarrow.Table, typed `object` (pyarrow has no type stubs); its rows are plain dicts
    return load_bytes(data, "t.har").entries.to_pylist()  # type: ignore[attr-defined, no-any-return]


def _zip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("har.har", data)
        archive.writestr("resources/abc.txt", b"sidecar body")
    return buffer.getvalue()


CONTAINERS = [
    pytest.param(lambda d: d, id="plain"),
    pytest.param(gzip.compress, id="gzip"),
    pytest.param(zlib.compress, id="zlib-zhar"),
    pytest.param(_zip, id="zip-with-sidecars"),
    pytest.param(lambda d: b"\xef\xbb\xbf" + d, id="utf8-bom"),
    pytest.param(lambda d: d.decode().encode("utf-16"), id="utf16-bom"),
    pytest.param(lambda d: b"onInputData(" + d + b");\n", id="jsonp"),
    pytest.param(lambda d: b"  callback_x(\n" + d + b"\n)", id="jsonp-spaces"),
]


@pytest.mark.parametrize("wrap", CONTAINERS)
def test_containers_are_detected_by_content(wrap, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "capture.bin"  # the extension says nothing
    path.write_bytes(wrap(har_bytes(THREE)))
    capture = load_capture(path)
    assert [r["url"] for r in capture.entries.to_pylist()] == [GET_URL, LIST_URL, WATCH_URL]  # type: ignore[attr-defined]


@pytest.mark.parametrize("wrap", CONTAINERS)
def test_the_digest_is_the_json_text_s_in_any_container(wrap, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import hashlib

    data = har_bytes(THREE)
    path = tmp_path / "capture.bin"
    path.write_bytes(wrap(b" \n" + data + b"\n"))  # white space around the JSON text is no part of it
    opened = open_capture(path)
    assert opened.digest() == hashlib.sha256(data).hexdigest()
    assert open_capture("memory.har", data=wrap(data)).digest() == opened.digest()
    assert [r["url"] for r in opened.load().entries.to_pylist()] == [GET_URL, LIST_URL, WATCH_URL]  # type: ignore[attr-defined]


def test_a_capture_opened_reads_in_blocks_and_loads_as_load_capture_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import hashlib

    from analyzer.har import loader

    monkeypatch.setattr(loader, "DIGEST_BLOCK", 1000)  # many blocks, the last one short
    data = har_bytes(THREE * 20)
    path = tmp_path / "capture.har"
    path.write_bytes(data)
    opened = open_capture(path)
    assert opened.digest() == hashlib.sha256(data).hexdigest()
    assert opened.load().entries.equals(load_capture(path).entries)  # type: ignore[attr-defined]
    with pytest.raises(InputError, match="no such file"):
        open_capture(tmp_path / "missing.har")


def test_stdin_is_read_with_dash() -> None:
    capture = load_capture("-", stdin=io.BytesIO(gzip.compress(har_bytes(THREE))))
    assert capture.name == "<stdin>" and len(capture) == 3


def test_zip_sidecar_bodies_are_read_lazily() -> None:
    entry = make_entry(**{"response.content": {"size": 12, "mimeType": "text/plain", "_file": "resources/abc.txt"}})
    capture = load_bytes(_zip(har_bytes([entry])), "t.zip")
    body = capture.body(0)
    assert body is not None and body.text == "sidecar body"


@pytest.mark.parametrize(
    ("document", "message"),
    [
        pytest.param(b"{not json", "t.har: not valid JSON: ", id="not-json"),
        pytest.param(b'{"creator": {}, "version": "1.2"}',
                     "t.har: not a HAR file: no log.entries (top-level keys: creator, version)", id="no-log"),
        pytest.param(b'{"log": {"version": "1.2", "pages": []}}',
                     "t.har: not a HAR file: no log.entries (log keys: pages, version)", id="no-entries"),
        pytest.param(b'{"log": {"entries": {}}}', "t.har: not a HAR file: log.entries is an object, not a list",
                     id="entries-not-list"),
        pytest.param(b'{"log": []}', "t.har: not a HAR file: log is an array, not an object", id="log-not-object"),
        pytest.param(b"[1, 2]", "t.har: not a HAR file: the document is an array, not an object", id="array"),
        pytest.param(json.dumps(make_entry()).encode(), "t.har: not a HAR file: no log.entries (top-level keys: cache,",
                     id="bare-entry"),
        pytest.param(json.dumps({"har": make_har([])}).encode(),
                     "t.har: not a HAR file: no log.entries (top-level keys: har)", id="nested-har"),
        pytest.param(b"", "t.har: not valid JSON", id="empty-bytes"),
    ],
)  # fmt: skip
def test_bad_input_is_one_clear_line(document: bytes, message: str) -> None:
    with pytest.raises(InputError) as info:
        load_bytes(document, "t.har")
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


def test_missing_file_and_directory(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        load_capture(tmp_path / "nope.har")
    with pytest.raises(InputError, match="is a directory"):
        load_capture(tmp_path)
    (tmp_path / "empty.har").write_bytes(b"")
    with pytest.raises(InputError, match="empty file"):
        load_capture(tmp_path / "empty.har")


def test_empty_entries_is_a_valid_empty_capture() -> None:
    capture = load_bytes(har_bytes([]), "t.har")
    assert len(capture) == 0 and capture.entries.num_rows == 0 and not capture.warnings  # type: ignore[attr-defined]


def test_truncated_file_keeps_entries_before_the_cut() -> None:
    whole = har_bytes(THREE, pages=[{"id": "page_1", "title": "t", "startedDateTime": "2026-11-01T10:00:00Z"}])
    cut = whole[: whole.index(b"resourceVersion=5937358") + 5]
    capture = load_bytes(cut, "t.har")
    assert capture.truncated
    assert [r["url"] for r in capture.entries.to_pylist()] == [GET_URL, LIST_URL]  # type: ignore[attr-defined]
    assert capture.pages[0].id == "page_1" and capture.creator == "WebInspector"
    assert any("cut off" in w for w in capture.warnings)


def test_entries_are_sorted_by_start_and_keep_their_index() -> None:
    entries = [
        make_entry(startedDateTime="2026-11-01T10:00:02Z"),
        make_entry(startedDateTime="2026-11-01T11:00:00.5+01:00"),  # 10:00:00.5 UTC
        make_entry(startedDateTime="2026-11-01T10:00:01.1234567Z"),
    ]
    table = rows(har_bytes(entries))
    assert [r["index"] for r in table] == [1, 2, 0]
    assert table[1]["started"].isoformat() == "2026-11-01T10:00:01.123456+00:00"


def test_naive_dates_are_utc_with_a_warning() -> None:
    capture = load_bytes(har_bytes([make_entry(startedDateTime="2026-11-01T10:00:00.123")]), "t.har")
    assert capture.entries.to_pylist()[0]["started"].isoformat() == "2026-11-01T10:00:00.123000+00:00"  # type: ignore[attr-defined]
    assert capture.warnings == ["t.har: 1 startedDateTime values have no time zone (first: entry 0); read as UTC"]


def test_not_applicable_values_become_null() -> None:
    playwright_unfinished = make_entry(
        time=-1, **{"response.status": -1, "timings": {"send": -1, "wait": -1, "receive": -1},
                    "response.content": {"size": -1, "mimeType": "x-unknown"}}
    )  # fmt: skip
    row = rows(har_bytes([playwright_unfinished]))[0]
    assert row["status"] is None and row["time_ms"] is None and row["ended"] is None
    assert row["wait"] is None and row["content_size"] is None and row["dns"] is None


@pytest.mark.parametrize(
    ("raw", "normalized"),
    [("HTTP/1.1", "HTTP/1.1"), ("http/1.1", "HTTP/1.1"), ("http/2.0", "HTTP/2"), ("HTTP/2", "HTTP/2"),
     ("h2", "HTTP/2"), ("h3", "HTTP/3"), ("h3-q050", "HTTP/3"), ("HTTP/3", "HTTP/3"), ("1.1", "HTTP/1.1"),
     ("HTTP/1.0", "HTTP/1.0"), ("", None), ("unknown", None), ("2 2", None), ("K", None)],
)  # fmt: skip
def test_http_versions_are_normalized(raw: str, normalized: str | None) -> None:
    row = rows(har_bytes([make_entry(**{"response.httpVersion": raw, "request.httpVersion": ""})]))[0]
    assert row["http_version"] == normalized and row["http_version_raw"] == (raw or None)


@pytest.mark.parametrize(
    ("creator", "fields", "connection_id"),
    [
        pytest.param("WebInspector", {"connection": "324419"}, "324419", id="old-chrome-socket-id"),
        pytest.param("WebInspector", {"connection": "18080", "_connectionId": "93"}, "93", id="new-chrome"),
        pytest.param("Firefox", {"connection": "443"}, None, id="firefox-port"),
        pytest.param("Fiddler", {"connection": "ClientPort:19719;EgressPort:19742"}, "19719", id="fiddler"),
        pytest.param("WebKit Web Inspector", {"connection": "1"}, "1", id="safari-index"),
        pytest.param("Playwright", {}, None, id="none"),
    ],
)
def test_connection_ids_per_writer(creator: str, fields: dict[str, str], connection_id: str | None) -> None:
    data = har_bytes([make_entry(**fields)], creator={"name": creator, "version": "1"})
    assert rows(data)[0]["connection_id"] == connection_id


def test_new_chrome_port_is_not_an_id_even_on_entries_without_connection_id() -> None:
    websocket = make_entry(connection="18080", _resourceType="websocket", **{"response.status": 101})
    data = har_bytes([make_entry(connection="18080", _connectionId="93"), websocket])
    assert [r["connection_id"] for r in rows(data)] == ["93", None]


def test_url_parts_and_websocket_flags() -> None:
    entries = [
        make_entry(**{"request.url": "wss://[::1]:8443/api/v1/pods?watch=1&access_token=x"}),
        make_entry(**{"request.url": "/api/v1/pods"}),
        make_entry(_resourceType="websocket", **{"request.url": "http://h/socket", "response.status": 101}),
    ]
    first, second, third = rows(har_bytes(entries))
    assert (first["scheme"], first["host"], first["port"], first["path"]) == ("wss", "[::1]", 8443, "/api/v1/pods")
    assert first["query"] == "watch=1&access_token=x" and first["websocket"] is True
    assert (second["scheme"], second["host"], second["port"]) == (None, None, None)
    assert third["websocket"] is True and third["resource_type"] == "websocket" and third["port"] == 80


def test_resource_type_is_inferred_from_mime_when_not_declared() -> None:
    entries = [
        make_entry(**{"response.content.mimeType": "text/html; charset=utf-8"}),
        make_entry(**{"response.content.mimeType": "application/json"}),
        make_entry(_resourceType="XHR"),
    ]
    assert [r["resource_type"] for r in rows(har_bytes(entries))] == ["document", "fetch", "xhr"]


def test_wrong_types_lose_only_the_bad_field() -> None:
    odd = make_entry(connection=12, **{"response.status": "200", "response.content.mimeType": 7})
    capture = load_bytes(har_bytes([odd, "not an entry"]), "t.har")  # type: ignore[list-item]
    first, second = capture.entries.to_pylist()  # type: ignore[attr-defined]
    assert first["status"] == 200 and first["url"] == GET_URL and first["mime_type"] is None
    assert second["url"] is None
    assert sorted(capture.warnings) == [
        "t.har: entry 0: connection is an integer, not a string; kept as unknown",
        "t.har: entry 0: response.content.mimeType is an integer, not a string; kept as unknown",
        "t.har: entry 1: not an object (a string); kept as an empty row",
    ]


def test_headers_in_both_shapes_and_bodies_are_lazy() -> None:
    slack = make_entry(**{"request.headers": [["Accept", "text/plain"]], "response.content.text": "aGk=",
                          "response.content.encoding": "base64"})  # fmt: skip
    no_body = make_entry(**{"response.content.text": DELETE})
    capture = load_bytes(har_bytes([slack, no_body]), "t.har")
    assert capture.request_headers(0) == [("Accept", "text/plain")]
    assert capture.response_headers(1) == [("Content-Type", "application/json")]
    body = capture.body(0)
    assert body is not None and body.decoded() == b"hi"
    assert capture.body(1) is None


def test_websocket_frames_in_seconds_and_milliseconds() -> None:
    frames = [{"type": "receive", "time": 1793527200.5, "opcode": 1, "data": "{}"},
              {"type": "send", "time": 1793527201000, "opcode": 1, "data": "x"}]  # fmt: skip
    capture = load_bytes(har_bytes([make_entry(_webSocketMessages=frames)]), "t.har")
    parsed = capture.websocket_frames(0)
    assert [f.time.isoformat() for f in parsed if f.time] == [
        "2026-11-01T10:00:00.500000+00:00",
        "2026-11-01T10:00:01+00:00",
    ]
    assert capture.entries.to_pylist()[0]["websocket_messages"] == 2  # type: ignore[attr-defined]


def test_pages_are_optional_and_parsed() -> None:
    pages = [{"id": "page_1", "title": "https://c/", "startedDateTime": "2026-11-01T10:00:00+08:00"}]
    capture = load_bytes(har_bytes(THREE, pages=pages), "t.har")
    assert capture.pages[0].started is not None and capture.pages[0].started.hour == 2
    assert load_bytes(har_bytes(THREE), "t.har").pages == ()


@pytest.mark.parametrize("spans", [False, True], ids=["scanned-when-read", "told-by-workers"])
def test_lazy_reads_hand_pages_back_and_read_them_again(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, spans: bool
) -> None:
    """Many lazy reads decode each span where it lies and hand a mapped file's pages back as they go
    (`RELEASE_BYTES`); a later read of the same entries faults them in again, unchanged. The same whether the
    spans are found when first read or told by the decode (`spans=True`, as `report` loads)."""
    from analyzer.har import loader

    bodies = [f'{{"type":"ADDED","object":{{"metadata":{{"resourceVersion":"{i}"}}}}}}\n' for i in range(40)]
    entries = [make_entry(**{"request.url": WATCH_URL, "response.content.text": body}) for body in bodies]
    path = tmp_path / "capture.har"
    path.write_text(json.dumps(make_har(entries), indent=1), encoding="utf-8")
    capture = load_capture(path, spans=spans)
    assert capture._spans is not None  # the fast path told which chunk holds each entry
    assert (capture._spans._known is not None) == spans
    released: list[tuple[int, int]] = []
    source = capture._source
    assert source is not None
    release = source.release
    monkeypatch.setattr(loader, "RELEASE_BYTES", 1)

    def counted(start: int, end: int) -> None:
        released.append((start, end))
        release(start, end)

    monkeypatch.setattr(source, "release", counted)
    every = list(range(len(capture)))
    first = capture.bodies(every)
    assert [first[i].text for i in every] == bodies
    assert len(released) == len(every)  # one span at a time, here
    assert capture.bodies(every) == first
