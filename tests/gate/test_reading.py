"""Where the gate gets a summary: a HAR analysed unredacted, or a saved analysis.json read back (v2 only)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.errors import InputError
from analyzer.gate.reading import read_subject
from tests.gate.support import SAMPLES

SECRET_PAGE = "/console/list?interval=5&access_token=tok-secret"


def test_a_har_is_judged_unredacted(tmp_path: Path) -> None:
    har = tmp_path / "poll-list.har"
    text = (SAMPLES / "poll-list.har").read_text(encoding="utf-8")
    har.write_text(text.replace("/console/list?interval=5", SECRET_PAGE), encoding="utf-8")
    subject = read_subject(str(har))
    assert subject.source == str(har)
    assert subject.summary.navigations[0].url == f"http://127.0.0.1:18080{SECRET_PAGE}"


REFUSED = [
    pytest.param(b'{"schema": "har-analyzer/analysis/v1", "capture": {}}',
                 r"unsupported report schema 'har-analyzer/analysis/v1' \(this version reads har-analyzer/analysis/v2;",
                 id="v1"),
    pytest.param(b'{"schema": "har-analyzer/analysis/v2"}', r"not a valid analysis report: .*generator", id="no-key"),
    pytest.param(b'{"schema": "har-analyzer/analysis/v2", ', r"invalid JSON: ", id="cut-off"),
]  # fmt: skip


@pytest.mark.parametrize(("data", "reason"), REFUSED)
def test_reports_that_are_not_v2_are_one_line_input_errors(data: bytes, reason: str, tmp_path: Path) -> None:
    saved = tmp_path / "x.json"
    saved.write_bytes(data)
    with pytest.raises(InputError, match=f"^{saved}: {reason}") as caught:
        read_subject(str(saved))
    assert "\n" not in str(caught.value)
