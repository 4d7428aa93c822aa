"""The sample recorded behind a gateway path the analyzer does not know (`/proxy/clusters/{cluster}/k8s/`): found
and suggested without `--prefix auto`, read with it exactly as the same scenario behind a known prefix."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.analysis.analyze import Analysis, analyze
from analyzer.cli import cli
from analyzer.config import settings_from_table, with_prefixes
from analyzer.har import load_capture
from analyzer.settings import Settings
from analyzer.summary import UnknownPrefix

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
UNKNOWN = SAMPLES / "unknown-gateway" / "detail-watch-then-poll.har"
KNOWN = SAMPLES / "detail-watch-then-poll.har"
PATTERN = "/proxy/clusters/{cluster}/k8s/"
EXAMPLE = "/proxy/clusters/calico3/k8s/apis/asm.alauda.io/v1beta3/namespaces/testhl/microservices/asm-cal3"
SUGGESTION = (
    f"9 requests look like the Kubernetes API under /proxy/clusters/calico3/k8s/: rerun with --prefix '{PATTERN}' "
    "(or --prefix auto)"
)


@cache
def analysed(path: Path, auto: bool = False) -> Analysis:
    return analyze(load_capture(path), Settings(discover_prefixes=auto))


def test_without_auto_nothing_is_kubernetes_and_the_prefix_is_suggested() -> None:
    summary = analysed(UNKNOWN).summary
    assert summary.summary.kubernetes_requests == 0
    assert summary.verdicts == [] and summary.findings == ()
    assert summary.unknown_prefixes == (UnknownPrefix(prefix=PATTERN, requests=9, example=EXAMPLE),)
    assert SUGGESTION in summary.notes


def test_the_known_prefix_sample_has_nothing_unknown() -> None:
    summary = analysed(KNOWN).summary
    assert summary.unknown_prefixes == ()
    assert not [n for n in summary.notes if "--prefix" in n]


@pytest.mark.parametrize(
    "settings",
    [
        pytest.param(Settings(discover_prefixes=True), id="settings"),
        pytest.param(with_prefixes(Settings(), ["auto"]), id="command-line"),
        pytest.param(settings_from_table({"prefixes": ["auto"]}, "har-analyzer.toml"), id="config-file"),
    ],
)
def test_auto_reads_it_as_the_known_prefix_sample(settings: Settings) -> None:
    auto, known = analyze(load_capture(UNKNOWN), settings), analysed(KNOWN)
    assert auto.summary.summary.kubernetes_requests == known.summary.summary.kubernetes_requests == 9
    assert [(v.navigation, v.key, v.mode, v.counts) for v in auto.verdicts] == [
        (v.navigation, v.key, v.mode, v.counts) for v in known.verdicts
    ]
    for ours, theirs in zip(auto.verdicts, known.verdicts, strict=True):
        assert ours.poll_interval_s == (theirs.poll_interval_s and pytest.approx(theirs.poll_interval_s, rel=0.05))
    assert [(f.id, f.navigation, f.resource) for f in auto.findings] == [
        (f.id, f.navigation, f.resource) for f in known.findings
    ]
    assert "watch-replaced-by-polling" in {f.id for f in auto.findings}
    assert auto.summary.unknown_prefixes == ()
    assert f"9 requests were read as the Kubernetes API under /proxy/clusters/calico3/k8s/ with the prefix " \
        f"'{PATTERN}' that --prefix auto found" in auto.summary.notes  # fmt: skip


def test_auto_keeps_explicit_prefixes_first() -> None:
    settings = with_prefixes(Settings(), ["/mine/{cluster}/", "auto"])
    assert settings.discover_prefixes and [p.pattern for p in settings.prefixes] == ["/mine/{cluster}/"]
    assert with_prefixes(settings_from_table({"prefixes": ["auto"]}, "f"), []).discover_prefixes


def test_the_command_line_suggests_then_reads() -> None:
    plain = CliRunner().invoke(cli, ["analyze", str(UNKNOWN), "--format", "json"])
    assert plain.exit_code == 0
    assert json.loads(plain.stdout)["unknown_prefixes"] == [{"prefix": PATTERN, "requests": 9, "example": EXAMPLE}]
    auto = CliRunner().invoke(cli, ["analyze", str(UNKNOWN), "--prefix", "auto", "--format", "json"])
    assert auto.exit_code == 0
    known = CliRunner().invoke(cli, ["analyze", str(KNOWN), "--format", "json"])
    assert _modes(auto.stdout) == _modes(known.stdout)
    assert (1, "calico3/asm.alauda.io/v1beta3/testhl/microservices/asm-cal3", "poll") in _modes(auto.stdout)


def _modes(output: str) -> list[tuple[int, str, str]]:
    return [(n["index"], r["key"], r["mode"]) for n in json.loads(output)["navigations"] for r in n["resources"]]


def test_a_bad_prefix_beside_auto_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('prefixes = ["auto", "proxy/{cluster}/"]\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["--config", str(config), "analyze", str(UNKNOWN)])
    assert result.exit_code == 2
    assert result.stderr.strip().splitlines() == [
        f"Error: {config}: prefixes: invalid prefix 'proxy/{{cluster}}/': must start with '/'"
    ]


def test_the_default_gate_is_inconclusive_behind_an_unknown_path_and_fails_with_auto() -> None:
    """Behind the unknown gateway the default `check` cannot judge, says which --prefix reads it, and fails
    (a misconfigured run is not green); with --prefix auto it finds the regression the known-prefix sample has."""
    runner = CliRunner()
    unsure = runner.invoke(cli, ["check", str(UNKNOWN), "--format", "json"])
    rules = json.loads(unsure.stdout)["captures"][0]["rules"]
    assert unsure.exit_code == 1 and {r["status"] for r in rules} == {"inconclusive"}
    assert all(f"--prefix '{PATTERN}'" in r["reasons"][0] for r in rules)
    found = runner.invoke(cli, ["check", str(UNKNOWN), "--prefix", "auto", "--format", "json"])
    rules = json.loads(found.stdout)["captures"][0]["rules"]
    assert found.exit_code == 1 and {r["status"] for r in rules} == {"fail"}
    assert any("watch-replaced-by-polling" in f["message"] for r in rules for f in r["failures"])
    analyzed = runner.invoke(cli, ["analyze", str(UNKNOWN), "--fail-on", "error"])
    assert analyzed.exit_code == 1 and "inconclusive: 9 requests under an unknown path" in analyzed.stderr
    passed = runner.invoke(cli, ["analyze", str(UNKNOWN), "--fail-on", "error", "--on-inconclusive", "pass"])
    assert passed.exit_code == 0


def test_the_requests_table_reads_auto_prefixes_too() -> None:
    runner = CliRunner()
    without = runner.invoke(cli, ["requests", str(UNKNOWN), "--k8s-only", "--format", "json"])
    found = runner.invoke(cli, ["requests", str(UNKNOWN), "--k8s-only", "--format", "json", "--prefix", "auto"])
    assert without.exit_code == found.exit_code == 0
    rows = json.loads(found.stdout)
    assert json.loads(without.stdout) == [] and len(rows) == 9
    assert {row["cluster"] for row in rows} == {"calico3"} and "watch" in {row["verb"] for row in rows}
