"""Output made for pipes and logs: the width a command draws at, and a reader that leaves early."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from analyzer.cli import cli
from analyzer.cli.options import console_width
from analyzer.render.timeline import FULL_WIDTH

REPO = Path(__file__).resolve().parents[2]
SAMPLE = "samples/detail-watch-then-poll.har"
WHOLE_KEY = "calico3/asm.alauda.io/v1beta3/testhl/microservices/asm-cal3"


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    ("width", "columns", "stream", "expected"),
    [
        pytest.param(None, None, io.StringIO(), FULL_WIDTH, id="a-pipe-cuts-nothing"),
        pytest.param(None, None, None, FULL_WIDTH, id="a-file-cuts-nothing"),
        pytest.param(None, None, _Terminal(), None, id="a-terminal-keeps-its-own-width"),
        pytest.param(90, None, io.StringIO(), 90, id="width-in-a-pipe"),
        pytest.param(90, "130", _Terminal(), 90, id="width-before-columns"),
        pytest.param(None, "130", io.StringIO(), 130, id="columns-the-user-set"),
        pytest.param(None, "", io.StringIO(), FULL_WIDTH, id="empty-columns-ignored"),
        pytest.param(None, "wide", io.StringIO(), FULL_WIDTH, id="bad-columns-ignored"),
    ],
)
def test_console_width(
    width: int | None, columns: str | None, stream: object, expected: int | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    ctx = click.Context(cli)
    if width is not None:
        ctx.meta["width"] = width
    assert console_width(ctx, stream) == expected


def _run(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), env={"COLUMNS": None})
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.mark.parametrize("command", ["analyze", "requests", "streams"])
def test_a_pipe_gets_whole_lines_and_width_fits_them(command: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    whole = _run(command, SAMPLE)
    assert max(len(line) for line in whole.splitlines()) > 100  # nothing cut at 80 columns
    assert "…" not in whole.replace("… (", "")
    narrow = _run(command, SAMPLE, "--width", "80")
    assert max(len(line.rstrip()) for line in narrow.splitlines()) <= 80


def test_a_terminal_keeps_cluster_resource_and_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    assert WHOLE_KEY in _run("analyze", SAMPLE)
    narrow = _run("analyze", SAMPLE, "--width", "90")
    assert "calico3/…/testhl/microservices/asm-cal3" in narrow or "calico3/…/microservices/asm-cal3" in narrow
    assert "…/v1beta3/testhl" not in narrow


# Every command that writes to standard output, the reader gone before the first byte (`| head -0`): exit 0, quietly
# (rich and click would exit 1), unless the command's own gate failed.
@pytest.mark.parametrize(
    ("args", "code"),
    [
        pytest.param(["analyze", SAMPLE], 0, id="analyze"),
        pytest.param(["analyze", SAMPLE, "--format", "json"], 0, id="analyze-json"),
        pytest.param(["analyze", SAMPLE, "--format", "markdown", "--users", "9"], 0, id="analyze-markdown"),
        pytest.param(["requests", SAMPLE], 0, id="requests"),
        pytest.param(["requests", SAMPLE, "--format", "csv"], 0, id="requests-csv"),
        pytest.param(["navigations", SAMPLE], 0, id="navigations"),
        pytest.param(["connections", SAMPLE], 0, id="connections"),
        pytest.param(["streams", SAMPLE, "--format", "json"], 0, id="streams-json"),
        pytest.param(["classify", "/api/v1/pods"], 0, id="classify"),
        pytest.param(["analyze", "samples/poll-list.har", "--fail-on", "warning"], 1, id="a-failed-gate-still-exits-1"),
    ],
)
def test_a_reader_leaving_early_is_no_failure(args: list[str], code: int) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader has left before anything is written
    try:
        done = subprocess.run([sys.executable, "-m", "analyzer", *args], stdout=write, stderr=subprocess.PIPE,
                              cwd=REPO, timeout=120)  # fmt: skip
    finally:
        os.close(write)
    assert (done.returncode, done.stderr.decode()) == (code, "")


def test_head_one_exits_0() -> None:
    """`har-analyzer analyze … | head -1`, as a shell runs it."""
    shell = f"{sys.executable} -m analyzer analyze {SAMPLE} | head -1; exit ${{PIPESTATUS[0]}}"
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith(SAMPLE) and done.stderr == ""


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("args", [["analyze"], ["analyze", "--format", "json"], ["requests", "--format", "csv"]])
def test_a_full_disk_under_standard_output_is_one_line(args: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        done = subprocess.run(
            [sys.executable, "-m", "analyzer", args[0], SAMPLE, *args[1:]],
            cwd=REPO, stdout=full, stderr=subprocess.PIPE, text=True, check=False,
        )  # fmt: skip
    assert (done.returncode, done.stderr) == (2, "Error: standard output: cannot write: No space left on device\n")
