"""`har-analyzer check` and `har-analyzer diff` through click's CliRunner: outputs, files, exit codes, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import cli
from tests.gate.support import SAMPLES, run

HEALTHY = str(SAMPLES / "list-watch-healthy.har")
REGRESSED = str(SAMPLES / "detail-watch-then-poll.har")
POLLING = str(SAMPLES / "poll-list.har")
MICROSERVICES = "calico3/asm.alauda.io/v1beta3/testhl/microservices"


@pytest.mark.parametrize("command", ["check", "diff"])
def test_help_has_examples(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0 and "Examples:" in out and f"har-analyzer {command} " in out


def test_check_a_healthy_capture_exits_0_with_the_rule_list() -> None:
    code, out, err = run("check", HEALTHY)
    assert (code, err) == (0, "")
    assert out == (
        f"{HEALTHY}: passed (built-in default policy)\n"
        "  PASS  no-error-findings  No error-level finding (see `har-analyzer analyze`)\n"
        "  PASS  watch-not-replaced-by-polling  No resource watched in one load of a page and polled after a reload\n"
        "1 capture, 2 rule checks: 2 passed, 0 failed, 0 inconclusive, 0 skipped\n"
    )


def test_check_a_regressed_capture_exits_1_with_evidence() -> None:
    code, out, _ = run("check", HEALTHY, REGRESSED)
    assert code == 1
    assert f"{REGRESSED}: FAILED, 2 of 2 rules failed (built-in default policy)" in out.splitlines()
    assert (
        "  FAIL  watch-not-replaced-by-polling  No resource watched in one load of a page and polled after a reload"
        in out
    )
    evidence = (
        "        forbid_findings: load 1 (reload) calico3/asm.alauda.io/v1beta3/testhl/microservices/asm-cal3: "
        "error watch-replaced-by-polling: watched in load 0, polled every 5"
    )
    assert evidence in out
    assert out.splitlines()[-1] == "2 captures, 4 rule checks: 2 passed, 2 failed, 0 inconclusive, 0 skipped"


def test_check_writes_junit_and_appends_markdown_and_prints_json(tmp_path: Path) -> None:
    junit, summary = tmp_path / "check.xml", tmp_path / "summary.md"
    summary.write_text("# earlier step\n", encoding="utf-8")
    code, out, _ = run("check", REGRESSED, "--policy", str(SAMPLES.parent / "docs" / "policy.example.toml"),
                       "--junit", str(junit), "--markdown", str(summary), "--format", "json")  # fmt: skip
    assert code == 1
    payload = json.loads(out)
    assert payload["schema"] == "har-analyzer/check/v1" and payload["passed"] is False
    rules = {r["rule"]: r for r in payload["captures"][0]["rules"]}
    failure = rules["detail-page-watches-its-object"]["failures"][0]
    assert failure["expectation"] == "modes" and failure["navigation"] == 1
    assert failure["resource"].endswith("/microservices/asm-cal3") and failure["page"].endswith(
        "/console/detail?timeout=8"
    )
    assert failure["evidence"] and all(isinstance(i, int) for i in failure["evidence"])
    assert junit.read_bytes().startswith(b"<?xml") and b"<failure" in junit.read_bytes()
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n### har-analyzer check: ")


@pytest.mark.parametrize("fmt", ["markdown", "junit"])
def test_check_other_formats_to_a_file(fmt: str, tmp_path: Path) -> None:
    target = tmp_path / f"out.{fmt}"
    code, out, _ = run("check", HEALTHY, "--format", fmt, "-o", str(target))
    assert (code, out) == (0, "")
    assert target.read_text(encoding="utf-8").startswith("### har-analyzer check" if fmt == "markdown" else "<?xml")


BAD = [
    pytest.param("[[rule]]\nname = 'watch'\nexpect = {modes = ['wach']}",
                 "Error: {policy}: rule 'watch': expect.modes: unknown mode 'wach' (known: watch, poll, watch+poll, "
                 "once)", id="invalid-policy"),
    pytest.param(None, "Error: {policy}: no such policy file", id="missing-policy"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "message"), BAD)
def test_an_invalid_policy_is_one_line_and_exit_2(text: str | None, message: str, tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    if text is not None:
        policy.write_text(text, encoding="utf-8")
    code, out, err = run("check", HEALTHY, "--policy", str(policy))
    assert (code, out, err) == (2, "", message.format(policy=policy) + "\n")


def test_an_unreadable_capture_exits_2(tmp_path: Path) -> None:
    broken = tmp_path / "broken.har"
    broken.write_text("{}", encoding="utf-8")
    code, out, err = run("check", HEALTHY, str(broken))
    assert code == 2 and out == "" and err.startswith(f"Error: {broken}: ") and err.count("\n") == 1


def test_check_and_diff_read_captures_as_every_command_does(tmp_path: Path) -> None:
    # a value out of range is kept as unknown with a warning; --strict refuses the capture (docs/security.md)
    damaged = tmp_path / "damaged.har"
    text = (SAMPLES / "detail-watch-then-poll.har").read_text(encoding="utf-8")
    damaged.write_text(text.replace('"bodySize": -1', '"bodySize": 1e999', 1), encoding="utf-8")
    code, _, err = run("check", str(damaged))
    assert code in (0, 1) and "1e999 is out of range; kept as unknown" in err
    for command in (["check", str(damaged)], ["diff", str(damaged), str(damaged)]):
        code, out, err = run(*command, "--strict")
        assert (code, out) == (2, "") and err.count("\n") == 1 and err.endswith("(--strict)\n"), err


def test_diff_shows_watch_to_poll_first_and_exits_0_without_fail_on() -> None:
    code, out, _ = run("diff", HEALTHY, POLLING)
    lines = out.splitlines()
    assert code == 0 and lines[0] == f"{HEALTHY} -> {POLLING}"
    assert lines[1] == "mode changes (1):"
    assert lines[2].startswith("  watch -> poll (every 5") and lines[2].endswith(f"  {MICROSERVICES}")
    assert "findings: 1 new, 1 gone" in lines and "fail-on:" not in lines


def test_diff_fail_on_exits_1_and_lists_the_conditions() -> None:
    code, out, _ = run("diff", HEALTHY, POLLING, "--fail-on", "mode-regression", "--fail-on", "new-finding=error")
    assert code == 1
    tail = out.splitlines()[-6:]
    unmatched = "load 1→- (http://127.0.0.1:18080/console/list?timeout=5&limit=2) has no match in the current capture"
    assert tail == ["fail-on:", "  HOLDS  mode-regression", f"         load 0→0 {MICROSERVICES}: watch -> poll",
                    f"         could not judge: {unmatched}: not judged", "  INCONCLUSIVE  new-finding=error",
                    f"         could not judge: {unmatched}: not judged"]  # fmt: skip
    # the reload of the current capture has no match in the baseline: not judged there, which fails by default
    assert run("diff", POLLING, HEALTHY, "--fail-on", "mode-regression")[0] == 1
    assert run("diff", POLLING, HEALTHY, "--fail-on", "mode-regression", "--on-inconclusive", "pass")[0] == 0


def test_diff_json_mode_changes_are_objects() -> None:
    code, out, _ = run("diff", HEALTHY, POLLING, "--format", "json", "--fail-on", "mode-regression")
    payload = json.loads(out)
    assert code == 1 and payload["schema"] == "har-analyzer/diff/v1" and payload["failed"] is True
    assert payload["mode_changes"] == [{"page": "http://127.0.0.1:18080/console/list?interval=5",
                                        "navigation_before": 0, "navigation_after": 0, "resource": MICROSERVICES,
                                        "before": "watch", "after": "poll", "regression": True}]  # fmt: skip
    unmatched = "load 1→- (http://127.0.0.1:18080/console/list?timeout=5&limit=2) has no match in the current capture"
    assert payload["fail_on"] == [{"condition": "mode-regression", "holds": True,
                                   "details": [f"load 0→0 {MICROSERVICES}: watch -> poll"],
                                   "inconclusive": [f"{unmatched}: not judged"]}]  # fmt: skip
    assert set(payload["latency_ms"]) == {"p50", "p95"} and "watch" in payload["requests_per_verb"]


def test_diff_from_a_saved_analysis_json(tmp_path: Path) -> None:
    baseline = tmp_path / "analysis.json"
    result = CliRunner().invoke(cli, ["analyze", HEALTHY, "--format", "json", "-o", str(baseline)])
    assert result.exit_code == 0
    code, out, _ = run("diff", str(baseline), POLLING, "--format", "markdown", "--fail-on", "mode-regression")
    assert code == 1 and out.startswith("### har-analyzer diff: ❌ fail-on condition holds\n")
    assert f"| `{MICROSERVICES}` | watch | **poll** |" in out


@pytest.mark.parametrize(("spec", "message"), [
    ("latency-p95", "needs a threshold, like latency-p95=25%,100ms"),
    ("mode-regresion", "unknown condition 'mode-regresion'"),
])  # fmt: skip
def test_diff_bad_fail_on_is_a_usage_error(spec: str, message: str) -> None:
    code, out, err = run("diff", HEALTHY, POLLING, "--fail-on", spec)
    assert code == 2 and out == ""
    assert err.splitlines()[-1].startswith(f"Error: Invalid value for --fail-on: {spec}: {message}")


def test_commands_accept_the_shared_options() -> None:
    code, _, _ = run("check", HEALTHY, "--prefix", "/my-proxy/{cluster}/", "--no-color", "--show-secrets")
    assert code == 0
    code, _, _ = run("diff", HEALTHY, HEALTHY, "--prefix", "/my-proxy/{cluster}/", "--no-color", "--show-secrets")
    assert code == 0


def with_token(tmp_path: Path, sample: str, url: str, token: str) -> str:
    """The sample with a token in its page's URL (a console that passes an OIDC token in the query)."""
    text = (SAMPLES / f"{sample}.har").read_text(encoding="utf-8")
    path = tmp_path / f"{sample}.har"
    path.write_text(text.replace(url, f"/console/detail?timeout=8&access_token={token}"), encoding="utf-8")
    return str(path)


@pytest.fixture
def tokened(tmp_path: Path) -> tuple[str, str]:
    return (
        with_token(tmp_path, "detail-reload-mid-watch", "/console/detail?timeout=30", "tok-one"),
        with_token(tmp_path, "detail-watch-then-poll", "/console/detail?timeout=8", "tok-two"),
    )


@pytest.mark.parametrize("fmt", ["table", "json", "markdown"])
def test_diff_pairs_and_judges_alike_with_or_without_secrets(fmt: str, tokened: tuple[str, str]) -> None:
    args = ("diff", *tokened, "--format", fmt, "--fail-on", "mode-regression")
    code, out, _ = run(*args)
    shown_code, shown, _ = run(*args, "--show-secrets")
    assert code == shown_code == 1 and "tok-" not in out and "access_token=REDACTED" in out
    assert "tok-two" in shown  # the page of a mode change is the current load's
    assert shown.replace("tok-one", "REDACTED").replace("tok-two", "REDACTED") == out
    if fmt == "json":
        loads = json.loads(shown)["loads"]
        assert [(p["navigation_before"], p["navigation_after"]) for p in loads] == [(0, 0), (1, 1)]
        assert loads[0]["url_before"].endswith("access_token=tok-one")


def test_check_outputs_redact_the_page_url_unless_asked(tokened: tuple[str, str], tmp_path: Path) -> None:
    policy = tmp_path / "policy.toml"
    policy.write_text("[[rule]]\nname = 'budget'\nexpect = { max_requests_per_min = 1 }\n", encoding="utf-8")
    for fmt in ("table", "json", "markdown", "junit"):
        args = ("check", tokened[1], "--policy", str(policy), "--format", fmt)
        code, out, _ = run(*args)
        shown_code, shown, _ = run(*args, "--show-secrets")
        assert code == shown_code == 1 and "tok-two" not in out and "access_token=REDACTED" in out, fmt
        assert "tok-two" in shown and shown.replace("tok-two", "REDACTED") == out, fmt


DEVTOOLS_CUT = str(SAMPLES / "devtools" / "detail-reload-mid-watch.har")  # DevTools left the open watch out
EXAMPLE_POLICY = str(Path(__file__).resolve().parents[2] / "docs" / "policy.example.toml")


def test_a_writers_gap_is_inconclusive_not_a_failure(tmp_path: Path) -> None:
    """DevTools drops unfinished requests: the detail page's watch is not in the export, so the rule that wants
    the watch cannot judge; by default that fails the gate (a misconfigured run is not green), labelled as such."""
    code, out, _ = run("check", DEVTOOLS_CUT, "--policy", EXAMPLE_POLICY, "--format", "json")
    document = json.loads(out)
    rules = {r["rule"]: r for r in document["captures"][0]["rules"]}
    watches = rules["detail-page-watches-its-object"]
    assert watches["status"] == "inconclusive" and watches["failures"] == []
    assert any("leaves unfinished requests out" in reason for reason in watches["reasons"])
    assert code == 1 and document["totals"]["fail"] == 0 and document["totals"]["inconclusive"] >= 1
    code, out, _ = run("check", DEVTOOLS_CUT, "--policy", EXAMPLE_POLICY, "--on-inconclusive", "pass")
    assert code == 0 and "INCONCLUSIVE  detail-page-watches-its-object" in out
    junit = tmp_path / "junit.xml"
    run("check", DEVTOOLS_CUT, "--policy", EXAMPLE_POLICY, "--junit", str(junit))
    assert '<failure message="INCONCLUSIVE: ' in junit.read_text(encoding="utf-8")
    run("check", DEVTOOLS_CUT, "--policy", EXAMPLE_POLICY, "--junit", str(junit), "--on-inconclusive", "pass")
    assert '<skipped message="INCONCLUSIVE: ' in junit.read_text(encoding="utf-8")


def test_a_policy_may_count_inconclusive_as_passing(tmp_path: Path) -> None:
    policy = tmp_path / "p.toml"
    policy.write_text('on_inconclusive = "pass"\n[[rule]]\nname = "r"\nexpect = { max_requests_per_min = 5 }\n')
    code, out, _ = run("check", HEALTHY, "--policy", str(policy))
    assert code == 0 and "INCONCLUSIVE  r" in out and "a rate needs a load of a minute or more" in out
    code, _, _ = run("check", HEALTHY, "--policy", str(policy), "--on-inconclusive", "fail")
    assert code == 1


def test_diff_refuses_captures_with_nothing_in_common() -> None:
    code, _, err = run("diff", POLLING, REGRESSED, "--fail-on", "mode-regression")
    assert code == 2 and "no page load in common" in err and "--allow-unmatched" in err and len(err.splitlines()) == 1
    code, out, _ = run("diff", POLLING, REGRESSED, "--fail-on", "mode-regression", "--allow-unmatched")
    assert code == 1 and "INCONCLUSIVE" in out and "has no match" in out
    code, _, _ = run("diff", POLLING, REGRESSED, "--fail-on", "mode-regression", "--allow-unmatched",
                     "--on-inconclusive", "pass")  # fmt: skip
    assert code == 0
