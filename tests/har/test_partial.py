"""Partial captures kept: one bad value makes that field (or entry) unknown with a warning naming the entry, never
a rejected capture or an internal error; `strict=True` (`--strict`) refuses it in one line. Each row is an input
that once crashed the loader or the analysis (issue 15, and what the fuzz harness in tests/fuzz found)."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
import zlib
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from analyzer.analysis.analyze import analyze
from analyzer.cli import cli
from analyzer.errors import InputError
from analyzer.har import load_bytes, load_capture
from tests.factories import DELETE, GET_URL, document, har_bytes, make_entry, request

BAD = "__BAD__"  # replaced, in the encoded JSON, by a literal no encoder writes (1e999, invalid UTF-8)


def _capture(bad: dict[str, Any], literal: bytes = b"") -> bytes:
    """Three good entries around one made bad by `bad` (make_entry overrides); BAD becomes `literal`."""
    entries = [document("https://c.example.com/", 0), make_entry(**bad), request(GET_URL, 2)]
    return har_bytes(entries).replace(json.dumps(BAD).encode(), literal)


@pytest.mark.parametrize(
    ("bad", "literal", "warning"),
    [
        pytest.param({"time": 1e308}, b"", "entry 1: time 1e+308 is out of range; kept as unknown", id="time-1e308"),
        pytest.param({"response.bodySize": BAD}, b"1e999",
                     "entry 1: response.bodySize 1e999 is out of range; kept as unknown", id="literal-1e999"),
        pytest.param({"timings.wait": BAD}, b"-1e999",
                     "entry 1: timings.wait -1e999 is out of range; kept as unknown", id="literal-minus-1e999"),
        pytest.param({"response.content.size": 2**63}, b"",
                     "entry 1: response.content.size 9.223372036854776e+18 is out of range; kept as unknown",
                     id="size-2^63"),
        pytest.param({"response.status": 2**63}, b"",
                     "entry 1: response.status 9.223372036854776e+18 is out of range; kept as unknown",
                     id="status-2^63"),
        pytest.param({"_serverPort": 1e300}, b"", "entry 1: _serverPort 1e+300 is out of range; kept as unknown",
                     id="port-1e300"),
        pytest.param({"time": "NaN"}, b"", "entry 1: time NaN is not a number; kept as unknown", id="nan-string"),
        pytest.param({"response.status": "Infinity"}, b"",
                     "entry 1: response.status inf is out of range; kept as unknown", id="infinity-string"),
        pytest.param({"startedDateTime": "9999-12-31T23:59:59.999Z"}, b"",
                     "entry 1: startedDateTime '9999-12-31T23:59:59.999Z' is out of range; kept as unknown",
                     id="year-9999"),
        pytest.param({"startedDateTime": "0000-01-01T00:00:00Z"}, b"",
                     "entry 1: startedDateTime '0000-01-01T00:00:00Z' is no date; kept as unknown", id="year-0"),
        pytest.param({"startedDateTime": "0001-01-01T00:00:00+04:00"}, b"",
                     "entry 1: startedDateTime '0001-01-01T00:00:00+04:00' is no date; kept as unknown",
                     id="year-1-east-of-utc"),
        pytest.param({"startedDateTime": "2026-13-45T99:99:99Z"}, b"",
                     "entry 1: startedDateTime '2026-13-45T99:99:99Z' is no date; kept as unknown", id="bad-date"),
        pytest.param({"request.url": BAD}, b'"https://c.example.com/a\xff\xfeb"',
                     "entry 1: a string holds bytes that are not UTF-8; replaced by U+FFFD", id="invalid-utf8"),
        pytest.param({"request.url": 12}, b"", "entry 1: request.url is an integer, not a string; kept as unknown",
                     id="url-not-a-string"),
        pytest.param({"_webSocketMessages": [5]}, b"",
                     "entry 1: _webSocketMessages[0] is an integer, not an object; kept as unknown",
                     id="frame-not-an-object"),
    ],
)  # fmt: skip
def test_a_bad_value_is_unknown_with_a_warning(bad: dict[str, Any], literal: bytes, warning: str) -> None:
    data = _capture(bad, literal)
    capture = load_bytes(data, "t.har")
    assert len(capture) == 3
    assert capture.warnings == [f"t.har: {warning}"] == capture.damage
    analyze(capture)  # and the analysis reads what is left
    refused = warning.rsplit("; ", 1)[0]
    with pytest.raises(InputError, match=r"^t\.har: ") as info:
        load_bytes(data, "t.har", strict=True)
    assert str(info.value) == f"t.har: {refused} (--strict)"


@pytest.mark.parametrize(
    "entries",
    [
        pytest.param([make_entry(**{"request.url": "ws://[::1/x", "_resourceType": "websocket"})],
                     id="unclosed-ipv6-host"),
        pytest.param([document("https://c.example.com/", 0, startedDateTime=DELETE),
                      request(GET_URL, 1, startedDateTime="2026-11-01T06:00:01.000-04:00")],
                     id="document-without-start-beside-offset"),
        pytest.param([make_entry(**{"request.headers": {"a": "b"}, "response.headers": "x"})],
                     id="headers-not-lists"),
    ],
)  # fmt: skip
def test_odd_values_the_analysis_survives(entries: list[dict[str, Any]]) -> None:
    capture = load_bytes(har_bytes(entries), "t.har")
    analyze(capture)
    assert len(capture) == len(entries) and capture.response_headers(0) in ([], [("Content-Type", "application/json")])


def test_headers_holding_huge_numbers_read_as_none() -> None:
    data = _capture({"request.headers": BAD}, b'[{"name": "a", "value": 1e999}]')
    capture = load_bytes(data, "t.har")
    assert capture.request_headers(1) == [] and not capture.warnings


def _zip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("har.har", data)
    return buffer.getvalue()


def _bad_crc(archive: bytes) -> bytes:
    info = zipfile.ZipFile(io.BytesIO(archive)).infolist()[0]
    crc = info.CRC.to_bytes(4, "little")
    return archive.replace(crc, bytes(b ^ 0xFF for b in crc))


BIG = har_bytes([request(GET_URL, i) for i in range(40)])


@pytest.mark.parametrize(
    ("data", "warnings"),
    [
        pytest.param(gzip.compress(BIG)[: len(gzip.compress(BIG)) * 2 // 3],
                     ["c: the gzip data is damaged (Compressed data ended before the end-of-stream marker was "
                      "reached)", "c: the file is cut off; read the {n} entries complete before the cut"],
                     id="gzip-cut"),
        pytest.param(zlib.compress(BIG)[: len(zlib.compress(BIG)) * 2 // 3],
                     ["c: the zlib data is damaged (Compressed data ended before the end-of-stream marker was "
                      "reached)", "c: the file is cut off; read the {n} entries complete before the cut"],
                     id="zlib-cut"),
        pytest.param(gzip.compress(BIG)[:-8], ["c: the gzip data is damaged (Compressed file ended before the "
                                               "end-of-stream marker was reached)"], id="gzip-without-trailer"),
        pytest.param(_bad_crc(_zip(BIG)), ["c: the zip data is damaged (Bad CRC-32 for file 'har.har')"],
                     id="zip-bad-crc"),
    ],
)  # fmt: skip
def test_damaged_compressed_captures_are_salvaged(data: bytes, warnings: list[str]) -> None:
    capture = load_bytes(data, "c")
    assert 0 < len(capture) <= 40
    assert capture.warnings == [w.format(n=len(capture)) for w in warnings]
    with pytest.raises(InputError, match=r"^c: the .* data is damaged .*\(--strict\)$"):
        load_bytes(data, "c", strict=True)


def test_the_cli_keeps_a_partial_capture_and_strict_refuses_it(tmp_path: Path) -> None:
    path = tmp_path / "capture.har"
    path.write_bytes(_capture({"time": 1e308}))
    kept = CliRunner().invoke(cli, ["analyze", str(path), "--format", "json"])
    assert kept.exit_code == 0, kept.output
    assert f"warning: {path}: entry 1: time 1e+308 is out of range; kept as unknown\n" in kept.stderr
    refused = CliRunner().invoke(cli, ["--strict", "analyze", str(path)])
    assert (refused.exit_code, refused.stderr) == (
        2,
        f"Error: {path}: entry 1: time 1e+308 is out of range (--strict)\n",
    )
    after = CliRunner().invoke(cli, ["analyze", "--strict", str(path)])  # after the command name too
    assert after.exit_code == 2


def test_many_bad_values_are_counted_after_the_first_ten() -> None:
    capture = load_bytes(har_bytes([make_entry(time=1e308) for _ in range(25)]), "t.har")
    assert len(capture.warnings) == 11
    assert capture.warnings[-1] == "t.har: 15 more values kept as unknown, in 15 more entries"


def test_a_page_with_a_bad_field_is_left_out_and_said() -> None:
    pages = [{"id": 3, "title": "x"}, {"id": "p", "title": "ok", "startedDateTime": "9999-01-01T00:00:00Z"}]
    capture = load_bytes(har_bytes([make_entry()], pages=pages), "t.har")
    assert [p.id for p in capture.pages] == ["p"] and capture.pages[0].started is None
    assert capture.warnings == [
        "t.har: page 0: unreadable (Expected `str | null`, got `int` - at `$.id`); left out",
        "t.har: page 1: startedDateTime '9999-01-01T00:00:00Z' is no date in range; kept as unknown",
    ]


def test_the_portable_and_fast_paths_agree_on_a_damaged_capture(tmp_path: Path) -> None:
    path = tmp_path / "capture.har"
    path.write_bytes(_capture({"response.bodySize": BAD}, b"1e999"))
    fast, portable = load_capture(path, portable=False), load_capture(path, portable=True)
    assert fast.warnings == portable.warnings and len(fast) == len(portable) == 3


def _tiny_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("har.har", b'{"log": {"entries": []}}')
    return buffer.getvalue()


def _flip(data: bytes, at: int, bit: int) -> bytes:
    flipped = bytearray(data)
    flipped[at] ^= 1 << bit
    return bytes(flipped)


# Found by the fuzz harness: damaged zip archives made zipfile raise what is no BadZipFile.
@pytest.mark.parametrize(
    ("data", "message"),
    [
        pytest.param(_flip(_tiny_zip(), len(_tiny_zip()) - 6, 1), "z: corrupt zip data: negative seek value",
                     id="directory-offset-before-0"),  # ValueError
        pytest.param(_flip(_tiny_zip(), len(_tiny_zip()) - 69, 6), "z: corrupt zip archive: zip file version 8.4",
                     id="unknown-zip-version"),  # NotImplementedError
        pytest.param(_flip(_tiny_zip(), len(_tiny_zip()) - 67, 0), "z: corrupt zip data: File .* is encrypted",
                     id="encrypted-member"),  # RuntimeError
    ],
)  # fmt: skip
def test_damaged_zip_archives_are_one_line(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=f"^{message}"):
        load_bytes(data, "z")


def test_a_key_that_is_not_utf8_in_a_document_without_entries_is_one_line() -> None:
    with pytest.raises(InputError, match=r"^t\.har: not a HAR file: no log\.entries \(log keys: en\ufffdries\)$"):
        load_bytes(b'{"log": {"en\xf4ries": []}}', "t.har")


def test_a_body_that_is_not_utf8_is_read_with_replacement_characters() -> None:
    data = _capture({"response.content.text": BAD}, b'"{\\"kind\\": \\"Pod\xff\\"}"')
    capture = load_bytes(data, "t.har")
    body = capture.body(1)
    assert body is not None and body.text == '{"kind": "Pod\ufffd"}'
    analyze(capture)
