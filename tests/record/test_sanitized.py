"""`record` writes a sanitized capture (the cookies it was given, tokens in the page's URL), unless --keep-secrets;
one recording each, of the simulator's detail page over HTTP/1.1."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from analyzer.cli.record import record
from analyzer.har.loader import load_capture

SECRETS = ("fake-record-cookie-1", "fake-record-token-2")


@pytest.mark.parametrize("keep_secrets", [False, True], ids=["sanitized", "keep-secrets"])
def test_record_sanitizes_unless_asked_not_to(
    tmp_path: Path, browser: Path, simulator: Any, keep_secrets: bool
) -> None:
    out = tmp_path / "capture.har"
    url = f"{simulator.http_url}/console/detail?timeout=2&interval=2&access_token={SECRETS[1]}"
    args = [url, "-o", str(out), "--browser-path", str(browser), "--duration", "2.5", "--cookie", f"sid={SECRETS[0]}"]
    result = CliRunner().invoke(record, [*args, *(["--keep-secrets"] if keep_secrets else [])])
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert [s for s in SECRETS if s in text] == (list(SECRETS) if keep_secrets else [])
    if keep_secrets:
        assert result.output.endswith("; secrets kept (--keep-secrets)\n")
    else:
        assert "; sanitized: " in result.output and " cookie" in result.output and "URL token" in result.output
    capture = load_capture(out)
    assert capture.creator == "Playwright" and len(capture) >= 3 and not capture.warnings
