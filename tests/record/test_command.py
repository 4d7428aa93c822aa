"""`har-analyzer record` errors: one line, exit code 2, with the install hint when there is no browser."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli.record import record


def test_missing_browser_is_one_line_with_the_install_hint(tmp_path: Path) -> None:
    missing = tmp_path / "no-chromium"
    result = CliRunner().invoke(record, ["http://127.0.0.1:9/", "-o", str(tmp_path / "x.har"),
                                         "--browser-path", str(missing)])  # fmt: skip
    assert result.exit_code == 2
    assert (
        result.output
        == f"Error: no browser at {missing}: install Chromium (apt-get install chromium) or pass --browser-path\n"
    )


def test_url_that_does_not_answer(tmp_path: Path, browser: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    out = tmp_path / "x.har"
    result = CliRunner().invoke(record, [f"http://127.0.0.1:{port}/", "-o", str(out), "--browser-path", str(browser)])
    assert result.exit_code == 2
    assert (
        result.output
        == f"Error: http://127.0.0.1:{port}/: does not answer: net::ERR_CONNECTION_REFUSED at http://127.0.0.1:{port}/\n"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        pytest.param(["--set-local-storage", "novalue"], "expected NAME=VALUE, got 'novalue'", id="bad-pair"),
        pytest.param(["--duration", "2", "--reload-after", "3"], "--reload-after must be less than --duration",
                     id="reload-after-end"),
    ],
)  # fmt: skip
def test_bad_options(tmp_path: Path, browser: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(record, ["http://127.0.0.1:9/", "-o", str(tmp_path / "x.har"), *args])
    assert result.exit_code == 2
    assert message in result.output
