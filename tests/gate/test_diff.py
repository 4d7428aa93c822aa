"""`diff` between pairs of samples, and from a saved analysis.json: page loads matched, modes compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.gate.diff import diff_subjects, pair_loads
from analyzer.gate.reading import read_subject
from analyzer.render.json import render_analysis_json
from analyzer.summary import Navigation, Trigger
from tests.gate.support import expected_modes, sample_subject

MICROSERVICES = "calico3/asm.alauda.io/v1beta3/testhl/microservices"
ASM_CAL3 = f"{MICROSERVICES}/asm-cal3"


def test_healthy_vs_polling_is_watch_to_poll() -> None:
    changes = diff_subjects(sample_subject("list-watch-healthy"), sample_subject("poll-list"))
    assert expected_modes("list-watch-healthy")[(0, MICROSERVICES)] == "watch"
    assert expected_modes("poll-list")[(0, MICROSERVICES)] == "poll"
    (change,) = changes.mode_changes
    assert (change.pair.label, change.key, change.mode_before, change.mode_after) == (
        "load 0→0",
        MICROSERVICES,
        "watch",
        "poll",
    )
    assert change.is_regression
    assert [f.id for f in changes.new_findings] == ["polling-instead-of-watch"]
    verbs = {c.name: (c.before, c.after) for c in changes.verbs}
    watches_before, watches_after = verbs["watch"]
    assert watches_after == 0 and watches_before is not None and watches_before > 0  # the watches are gone
    assert {c.name: c.after for c in changes.http1_peaks} == {"127.0.0.1": 0}


def test_the_regressed_detail_page_loses_its_watch_after_the_reload() -> None:
    changes = diff_subjects(sample_subject("detail-reload-mid-watch"), sample_subject("detail-watch-then-poll"))
    truth = {
        (n, key): (before, expected_modes("detail-watch-then-poll")[(n, key)])
        for (n, key), before in expected_modes("detail-reload-mid-watch").items()
        if before != expected_modes("detail-watch-then-poll").get((n, key))
    }
    assert truth == {(1, ASM_CAL3): ("watch", "poll")}
    assert [(r.pair.before and r.pair.before.index, r.key, r.mode_before, r.mode_after)
            for r in changes.mode_changes] == [(1, ASM_CAL3, "watch", "poll")]  # fmt: skip
    assert [f.id for f in changes.new_findings] == ["watch-replaced-by-polling"]
    # Both pages are /console/detail with another ?timeout: matched by path, in order.
    assert [p.label for p in changes.pairs] == ["load 0→0", "load 1→1"]


def test_a_capture_against_itself_changes_nothing() -> None:
    subject = sample_subject("http1-saturation")
    changes = diff_subjects(subject, subject)
    assert not changes.mode_changes and not changes.new_findings and not changes.gone_findings
    assert all(c.before == c.after for c in (*changes.verbs, *changes.latency_p95, *changes.http1_peaks))
    assert all(r.before == r.after and not r.is_changed for r in changes.resources)


def test_http2_to_http1_shows_the_long_lived_connections() -> None:
    changes = diff_subjects(sample_subject("http2-multiplexed"), sample_subject("http1-saturation"))
    assert {c.name: (c.before, c.after) for c in changes.http1_peaks} == {"127.0.0.1": (0, 6)}
    assert "http1-connection-saturation" in {f.id for f in changes.new_findings}
    assert not changes.mode_changes


def test_a_saved_analysis_json_diffs_like_its_har(tmp_path: Path) -> None:
    saved = tmp_path / "analysis.json"
    har = sample_subject("list-watch-healthy")
    saved.write_bytes(render_analysis_json(har.summary))
    from_json = read_subject(str(saved))
    assert from_json.source == str(saved)
    assert from_json.summary.navigations == har.summary.navigations
    assert from_json.summary.findings == har.summary.findings and from_json.summary.streams == har.summary.streams
    assert from_json.summary.summary.latency == har.summary.summary.latency
    changes = diff_subjects(from_json, sample_subject("poll-list"))
    assert [(r.mode_before, r.mode_after) for r in changes.mode_changes] == [("watch", "poll")]


def load(index: int, url: str) -> Navigation:
    trigger: Trigger = "initial" if index == 0 else "reload"
    return Navigation(index=index, started=None, url=url, trigger=trigger, document=None, page_ref=None, requests=0)


PAIRS = [
    pytest.param(["http://a/x?p=1", "http://a/x?p=1"], ["http://b:8/x?p=1", "http://b:8/x?p=1"],
                 ["0→0", "1→1"], id="same-url-other-host-in-order"),
    pytest.param(["http://a/list", "http://a/detail"], ["http://a/detail", "http://a/list"],
                 ["1→0", "0→1"], id="by-url-not-position"),
    pytest.param(["http://a/x?t=5"], ["http://a/x?t=8", "http://a/x?t=8"], ["0→0", "-→1"], id="by-path-then-new"),
    pytest.param(["http://a/x", "http://a/y"], ["http://a/x"], ["0→0", "1→-"], id="gone"),
    pytest.param(["http://a/x?q", "http://a/x"], ["http://a/x", "http://a/x?q"], ["1→0", "0→1"],
                 id="exact-url-before-path"),
    pytest.param(["http://a/x?access_token=one", "http://a/y?token=two"],
                 ["http://a/y?token=three", "http://a/x?access_token=four"], ["1→0", "0→1"],
                 id="secrets-redacted-on-both-sides"),
]  # fmt: skip


@pytest.mark.parametrize(("before", "after", "labels"), PAIRS)
def test_page_loads_pair_by_url_then_path_in_order(before: list[str], after: list[str], labels: list[str]) -> None:
    pairs = pair_loads([load(i, u) for i, u in enumerate(before)], [load(i, u) for i, u in enumerate(after)])
    assert [p.label.removeprefix("load ") for p in pairs] == labels
