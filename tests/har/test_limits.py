"""Decompression bombs stop early with one line (exit 2); real captures within the limits still load."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import cli
from analyzer.errors import DecompressionBombError, InputError
from analyzer.har import load_bytes, load_capture
from analyzer.har.limits import Limits, MiB
from tests.factories import make_entry

ZEROS = bytes(MiB)
PREFIX = b'{"log": {"version": "1.2", "entries": [], "comment": "'


def _deflate_bomb(mebibytes: int, wbits: int) -> bytes:
    """`PREFIX` and `mebibytes` MiB of zeros, deflated fast: one block of a MiB of zeros, flushed so that it
    repeats byte for byte, written `mebibytes` times (the stream is rejected before its end)."""
    deflater = zlib.compressobj(9, zlib.DEFLATED, wbits)
    head = deflater.compress(PREFIX) + deflater.flush(zlib.Z_FULL_FLUSH)
    block = deflater.compress(ZEROS) + deflater.flush(zlib.Z_FULL_FLUSH)
    return head + block * mebibytes + deflater.compress(b'"}}') + deflater.flush()


def _gzip_bomb(mebibytes: int) -> bytes:
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    return header + _deflate_bomb(mebibytes, -zlib.MAX_WBITS) + b"\0" * 8  # never read: no CRC worth computing


def _capture(entries: int = 3) -> bytes:
    return json.dumps({"log": {"version": "1.2", "entries": [make_entry() for _ in range(entries)]}}).encode()


def _zip(data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("har.har", data)
    return buffer.getvalue()


def _run(path: Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["requests", str(path)], env=env)
    return result.exit_code, result.output


@pytest.mark.parametrize(
    "suffix, bomb",
    [
        pytest.param(".har.gz", _gzip_bomb(1024), id="gzip-1GiB"),
        pytest.param(".zhar", _deflate_bomb(1024, zlib.MAX_WBITS), id="zlib-1GiB"),
    ],
)
def test_a_bomb_exits_2_with_the_reason(tmp_path: Path, suffix: str, bomb: bytes) -> None:
    path = tmp_path / f"capture{suffix}"
    path.write_bytes(bomb)
    code, output = _run(path)
    assert code == 2
    assert output.startswith(f"Error: {path}: expands past 200x its compressed size (1.0 MiB -> more than 20")
    assert "HAR_ANALYZER_MAX_EXPANSION" in output and output.count("\n") == 1


def test_a_zip_bomb_is_refused_by_its_declared_size(tmp_path: Path) -> None:
    path = tmp_path / "capture.zip"
    path.write_bytes(_zip(PREFIX + bytes(64 * MiB) + b'"}}'))
    code, output = _run(path, env={"HAR_ANALYZER_MAX_EXPANSION": "100"})
    assert code == 2
    assert f"{path}: expands past 100x its compressed size" in output


def test_a_zip_capture_past_the_ratio_is_refused_through_the_library() -> None:
    limits = Limits(max_expansion=10, floor_bytes=MiB)
    data = _zip(PREFIX + bytes(8 * MiB) + b'"}}')
    with pytest.raises(DecompressionBombError, match="expands past 10x"):
        load_bytes(data, "capture.zip", limits=Limits(max_expansion=10, floor_bytes=MiB))
    assert limits.allowed(len(data)) == MiB  # the floor: a few KiB of zip may still expand to a MiB


def test_the_absolute_cap_holds_whatever_the_ratio() -> None:
    with pytest.raises(DecompressionBombError, match=r"expands past 4.0 MiB .*HAR_ANALYZER_MAX_DECOMPRESSED_BYTES"):
        load_bytes(_gzip_bomb(16), "capture.har.gz", limits=Limits(max_expansion=0, max_decompressed_bytes=4 * MiB))


def test_a_bomb_is_rejected_holding_little() -> None:
    """The output is kept while within the ratio of the input so far; a bomb is only counted after that."""
    limits = Limits()
    assert limits.looks_bombed(limits.floor_bytes + 1, 1000)
    assert not limits.looks_bombed(limits.floor_bytes, 1)


@pytest.mark.parametrize("wrap", [gzip.compress, zlib.compress, _zip], ids=["gzip", "zlib", "zip"])
def test_a_capture_just_under_the_ratio_loads(wrap: object) -> None:
    data = _capture(50)
    compressed = wrap(data)  # type: ignore[operator]
    ratio = len(data) / len(compressed)
    limits = Limits(max_expansion=ratio * 1.01, floor_bytes=0)
    assert len(load_bytes(compressed, "capture", limits=limits)) == 50
    with pytest.raises(DecompressionBombError):
        load_bytes(compressed, "capture", limits=Limits(max_expansion=ratio * 0.99, floor_bytes=0))


def test_a_compressible_start_is_decompressed_again_when_the_whole_is_within_the_limit() -> None:
    entries = [make_entry() for _ in range(3)]
    document = {"log": {"version": "1.2", "comment": "0" * (4 * MiB), "entries": entries}}
    data = gzip.compress(json.dumps(document).encode())
    limits = Limits(max_expansion=len(json.dumps(document)) / len(data) * 1.01, floor_bytes=0)
    assert limits.looks_bombed(4 * MiB, 4 * MiB // 1030)  # the start looks like a bomb; the whole is within
    assert len(load_bytes(data, "capture.har.gz", limits=limits)) == 3


def test_the_environment_raises_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "capture.har.gz"
    path.write_bytes(_gzip_bomb(64))  # 64 KiB -> 64 MiB: past the ratio and the 32 MiB floor
    assert _run(path)[0] == 2
    assert _run(path, env={"HAR_ANALYZER_MAX_EXPANSION": "0"})[0] == 2  # counted whole: the CRC is wrong
    assert _run(path, env={"HAR_ANALYZER_MAX_EXPANSION": "abc"}) == (
        2,
        "Error: HAR_ANALYZER_MAX_EXPANSION: must be a number, not 'abc'\n",
    )
    path.write_bytes(gzip.compress(_capture(3)))
    assert _run(path, env={"HAR_ANALYZER_MAX_EXPANSION": "0.5"})[0] == 0  # the floor: small captures always load


def test_a_wrong_gzip_checksum_keeps_the_data_with_a_warning() -> None:
    data = gzip.compress(_capture(3))
    capture = load_bytes(data[:-8] + b"\0" * 8, "capture.har.gz")
    assert len(capture) == 3
    assert capture.warnings == ["capture.har.gz: the gzip data is damaged (CRC or length check failed)"]
    with pytest.raises(InputError, match=r"^capture.har.gz: the gzip data is damaged \(CRC or length check failed\)"):
        load_bytes(data[:-8] + b"\0" * 8, "capture.har.gz", strict=True)


def test_gzip_corrupt_from_its_start_is_one_line() -> None:
    data = gzip.compress(_capture(3))
    with pytest.raises(InputError, match=r"^capture\.har\.gz: corrupt gzip data: "):
        load_bytes(data[:10] + bytes(b ^ 0x55 for b in data[10:]), "capture.har.gz")


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("[" * 100_000 + "]" * 100_000, id="top-level-arrays"),
        pytest.param('{"log": {"entries": [{"request": ' + "[" * 100_000 + "]" * 100_000 + "}]}}", id="in-an-entry"),
    ],
)
def test_deep_nesting_is_one_line(tmp_path: Path, text: str) -> None:
    path = tmp_path / "deep.har"
    path.write_text(text)
    with pytest.raises(InputError, match="nested too deeply") as info:
        load_capture(path)
    assert "\n" not in str(info.value)
