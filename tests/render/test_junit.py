"""`check --junit`: valid against the JUnit XML layout CI reporters read, one case per rule and capture."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from analyzer.gate.check import CheckResult, check_subject
from analyzer.gate.policy import load_policy
from analyzer.render.junit import render_junit
from tests.gate.support import REPO, sample_subject

SCHEMA = Path(__file__).with_name("junit.xsd")
SAMPLES = ["detail-watch-then-poll", "list-watch-healthy", "poll-list"]


@pytest.fixture(scope="module")
def result() -> CheckResult:
    policy = load_policy(REPO / "docs" / "policy.example.toml")
    return CheckResult(policy, tuple(check_subject(sample_subject(name), policy) for name in SAMPLES))


def test_junit_is_valid_against_the_schema(result: CheckResult) -> None:
    xmlschema = pytest.importorskip("xmlschema", reason="the test extra installs xmlschema")
    xmlschema.XMLSchema(SCHEMA).validate(render_junit(result).decode("utf-8"))


def test_junit_counts_cases_and_failures(result: CheckResult) -> None:
    root = ET.fromstring(render_junit(result))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [c.source for c in result.captures]
    for suite, capture in zip(suites, result.captures, strict=True):
        cases = suite.findall("testcase")
        assert [c.get("name") for c in cases] == [r.rule.name for r in capture.results]
        assert suite.get("tests") == str(len(cases))
        # an inconclusive rule counts as a failure under the default on_inconclusive = "fail"
        failing = capture.count("fail") + capture.count("inconclusive")
        assert suite.get("failures") == str(len(suite.findall("testcase/failure"))) == str(failing)
        assert suite.get("skipped") == str(len(suite.findall("testcase/skipped"))) == str(capture.count("skip"))
        assert suite.find("properties/property[@name='policy']") is not None
    assert root.get("tests") == str(sum(len(c.results) for c in result.captures))
    assert root.get("failures") == str(len(root.findall("testsuite/testcase/failure")))


def test_a_failure_carries_its_evidence(result: CheckResult) -> None:
    root = ET.fromstring(render_junit(result))
    suite = root.find(f"testsuite[@name='{result.captures[0].source}']")
    assert suite is not None
    failure = suite.find("testcase[@name='detail-page-watches-its-object']/failure")
    assert failure is not None and failure.get("type") == "modes"
    assert "asm-cal3: polled every" in (failure.get("message") or "")
    text = failure.text or ""
    assert text.splitlines()[1] == f"capture: {result.captures[0].source}"
    assert "- modes: load 1 (reload) " in text and "; requests #" in text
    case = suite.find("testcase[@name='detail-page-watches-its-object']")
    assert case is not None and case.get("classname") == "har-analyzer.detail-watch-then-poll"


def test_control_characters_cannot_break_the_xml(result: CheckResult) -> None:
    from dataclasses import replace

    capture = replace(result.captures[0], source="weird\x01name.har")
    root = ET.fromstring(render_junit(replace(result, captures=(capture,))))
    assert root.find("testsuite").get("name") == "weird\ufffdname.har"  # type: ignore[union-attr]
