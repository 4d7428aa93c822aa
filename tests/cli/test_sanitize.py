"""`har-analyzer sanitize`: what it writes, what it says on stderr, and the errors (one line, exit 2)."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from analyzer.sanitize import DROPPED_BODY
from tests.factories import make_entry, make_har

SECRET_LIST = json.dumps({"kind": "SecretList", "items": [{"data": {"k": "ZmFrZS1saXN0"}}]})


def _capture(tmp_path: Path, name: str = "capture.har") -> Path:
    entries = [
        make_entry(**{"request.headers": [{"name": "Authorization", "value": "Bearer fake-token-1"},
                                          {"name": "X-Request-Id", "value": "fake-id-2"}],
                      "request.cookies": [{"name": "sid", "value": "fake-cookie-3"}],
                      "request.url": "https://h/api/v1/secrets?access_token=fake-url-4",
                      "response.content.text": SECRET_LIST}),
    ]  # fmt: skip
    path = tmp_path / name
    path.write_text(json.dumps(make_har(entries)), encoding="utf-8")
    return path


def _run(*args: str | Path) -> Result:
    from analyzer.cli import cli

    return CliRunner().invoke(cli, ["sanitize", *map(str, args)])


def test_writes_a_sanitized_copy_and_says_what_it_replaced(tmp_path: Path) -> None:
    capture, safe = _capture(tmp_path), tmp_path / "safe.har"
    result = _run(capture, "-o", safe)
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr == (f"sanitized {capture} -> {safe}: 1 authorization header, 1 cookie, 1 URL token, "
                             "1 Secret data value\n")  # fmt: skip
    text = safe.read_text(encoding="utf-8")
    assert not [s for s in ("fake-token-1", "fake-cookie-3", "fake-url-4", "ZmFrZS1saXN0") if s in text]
    assert (
        "fake-id-2" in text and json.loads(text)["log"]["entries"][0]["request"]["headers"][1]["name"] == "X-Request-Id"
    )


def test_sanitizing_twice_changes_nothing(tmp_path: Path) -> None:
    first, second = tmp_path / "first.har", tmp_path / "second.har"
    assert _run(_capture(tmp_path), "-o", first).exit_code == 0
    result = _run(first, "-o", second)
    assert (result.exit_code, result.stderr) == (0, f"sanitized {first} -> {second}: nothing to replace\n")
    assert first.read_bytes() == second.read_bytes()


def test_keep_header(tmp_path: Path) -> None:
    safe = tmp_path / "safe.har"
    result = _run(_capture(tmp_path), "-o", safe, "--keep-header", "authorization", "--keep-header", "COOKIE")
    assert result.exit_code == 0 and "authorization" not in result.stderr and "cookie" not in result.stderr
    request = json.loads(safe.read_text(encoding="utf-8"))["log"]["entries"][0]["request"]
    assert request["headers"][0]["value"] == "Bearer fake-token-1"
    assert request["cookies"] == [{"name": "sid", "value": "fake-cookie-3"}]


def test_drop_bodies(tmp_path: Path) -> None:
    safe = tmp_path / "safe.har"
    result = _run(_capture(tmp_path), "-o", safe, "--drop-bodies")
    assert result.exit_code == 0 and "Secret" not in result.stderr
    content = json.loads(safe.read_text(encoding="utf-8"))["log"]["entries"][0]["response"]["content"]
    assert content == {"size": 2, "mimeType": "application/json", "comment": DROPPED_BODY}


def test_gzip_input_and_stdout(tmp_path: Path) -> None:
    capture = _capture(tmp_path)
    packed = tmp_path / "capture.har.gz"
    packed.write_bytes(gzip.compress(capture.read_bytes()))
    result = _run(packed, "-o", "-")
    assert result.exit_code == 0 and result.stderr.startswith(f"sanitized {packed} -> -: 1 authorization header")
    assert "fake-token-1" not in result.stdout and json.loads(result.stdout)["log"]["entries"]


def test_non_ascii_is_kept_as_it_is(tmp_path: Path) -> None:
    capture, safe = tmp_path / "capture.har", tmp_path / "safe.har"
    capture.write_text(json.dumps(make_har([make_entry(comment="ünïcödé ✓")]), ensure_ascii=False), encoding="utf-8")
    assert _run(capture, "-o", safe).exit_code == 0
    assert "ünïcödé ✓" in safe.read_text(encoding="utf-8")


def test_the_capture_itself_is_refused(tmp_path: Path) -> None:
    capture = _capture(tmp_path)
    before = capture.read_bytes()
    result = _run(capture, "-o", capture)
    assert (result.exit_code, result.output) == (
        2, f"Error: {capture}: is the capture itself: write the sanitized copy to another file\n")  # fmt: skip
    assert capture.read_bytes() == before


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(None, "no such file", id="missing"),
        pytest.param(
            json.dumps(make_har([make_entry(), make_entry()]))[:-200], "cut off before its end", id="truncated"
        ),
        pytest.param("[1, 2]", "not a HAR file", id="not-a-har"),
    ],
)
def test_unreadable_input_is_one_line_exit_2(tmp_path: Path, content: str | None, message: str) -> None:
    capture, safe = tmp_path / "bad.har", tmp_path / "safe.har"
    if content is not None:
        capture.write_text(content, encoding="utf-8")
    result = _run(capture, "-o", safe)
    assert result.exit_code == 2 and result.output.count("\n") == 1 and message in result.output
    assert not safe.exists()


def test_a_damaged_gzip_is_refused(tmp_path: Path) -> None:
    # the JSON is whole, but a checksum says the bytes are not what the writer wrote: nothing is sanitized
    data = bytearray(gzip.compress(_capture(tmp_path).read_bytes()))
    data[-8] ^= 0xFF  # the gzip trailer's CRC-32
    capture, safe = tmp_path / "damaged.har.gz", tmp_path / "safe.har"
    capture.write_bytes(bytes(data))
    result = _run(capture, "-o", safe)
    assert result.exit_code == 2 and result.output.count("\n") == 1, result.output
    assert "damaged" in result.output and "only an intact capture" in result.output
    assert not safe.exists()


def test_output_is_required(tmp_path: Path) -> None:
    result = _run(_capture(tmp_path))
    assert result.exit_code == 2 and "Missing option '-o'" in result.output


def test_haralyzer_reads_the_sanitized_copy(tmp_path: Path) -> None:
    haralyzer = pytest.importorskip("haralyzer")
    safe = tmp_path / "safe.har"
    assert _run(_capture(tmp_path), "-o", safe).exit_code == 0
    parser = haralyzer.HarParser(json.loads(safe.read_text(encoding="utf-8")))
    assert len(parser.har_data["entries"]) == 1
