"""JUnit XML for `check --junit`: one test suite per capture, one test case per rule, failures with evidence.

The layout CI test reporters read (Jenkins' junit-10 schema, GitLab, the GitHub test-report actions):
`testsuites > testsuite(name, tests, failures, errors, skipped, time) > testcase(name, classname, time)` with a
`failure(message, type)` holding the evidence as text, or `skipped(message)`. Built with ElementTree. URLs in
messages are shown with their secrets redacted unless `show_secrets`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import PurePath

from analyzer.gate.check import FAIL, INCONCLUSIVE, SKIP, CaptureResult, CheckResult, RuleResult
from analyzer.render.gate_text import evidence_text, violation_text
from analyzer.render.text_safety import cut_text

# XML 1.0 cannot carry most control characters, not even as references; a URL in a message could hold one.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def render_junit(result: CheckResult, *, show_secrets: bool = False) -> bytes:
    root = ET.Element("testsuites", _counts(result.captures, "har-analyzer check"))
    del root.attrib["skipped"]  # Jenkins' junit-10 schema allows `skipped` on a testsuite, not on testsuites
    for capture in result.captures:
        suite = ET.SubElement(root, "testsuite", _counts((capture,), capture.source))
        properties = ET.SubElement(suite, "properties")
        ET.SubElement(properties, "property", {"name": "policy", "value": _clean(result.policy.source)})
        for rule_result in capture.results:
            _testcase(suite, capture, rule_result, show_secrets)
    ET.indent(root)
    text: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return text + b"\n"


def _counts(captures: tuple[CaptureResult, ...], name: str) -> dict[str, str]:
    results = [r for c in captures for r in c.results]
    return {
        "name": _clean(name),
        "tests": str(len(results)),
        "failures": str(sum(r.counts_as_failure(c.on_inconclusive) for c in captures for r in c.results)),
        "errors": "0",
        "skipped": str(
            sum(
                r.status in (SKIP, INCONCLUSIVE) and not r.counts_as_failure(c.on_inconclusive)
                for c in captures
                for r in c.results
            )
        ),
        "time": "0",
    }


def _testcase(suite: ET.Element, capture: CaptureResult, result: RuleResult, show_secrets: bool) -> None:
    name = PurePath(capture.source).name.split(".")[0] or capture.source
    case = ET.SubElement(
        suite, "testcase", {"name": _clean(result.rule.name), "classname": _clean(f"har-analyzer.{name}"), "time": "0"}
    )
    if result.status == SKIP:
        ET.SubElement(case, "skipped", {"message": "the rule selected nothing to judge in this capture"})
        return
    if result.status == INCONCLUSIVE:
        # per the policy's on_inconclusive: a failure, or skipped with the reason
        reasons = "; ".join(violation_text(d, show_secrets) for d in result.doubts)
        message = _clean(f"INCONCLUSIVE: {reasons}")
        if result.counts_as_failure(capture.on_inconclusive):
            failure = ET.SubElement(case, "failure", {"message": message, "type": "inconclusive"})
            failure.text = message
        else:
            ET.SubElement(case, "skipped", {"message": message})
        return
    if result.status != FAIL:
        return
    first = violation_text(result.violations[0], show_secrets)
    more = f" (and {len(result.violations) - 1} more)" if len(result.violations) > 1 else ""
    kinds = sorted({v.expectation for v in result.violations})
    failure = ET.SubElement(case, "failure", {"message": _clean(first + more), "type": ",".join(kinds)})
    lines = [f"{result.rule.name}: {result.rule.description}".rstrip(": "), f"capture: {capture.source}"]
    for violation in result.violations:
        evidence = evidence_text(violation.evidence, limit=50)
        message = violation_text(violation, show_secrets)
        lines.append(f"- {violation.expectation}: {message}" + (f"; {evidence}" if evidence else ""))
    failure.text = _clean("\n".join(lines))


def _clean(text: str) -> str:
    """Text for an attribute or an element: each line cut (`cut_text`, after the redaction of the violation's
    text), then what XML cannot carry replaced."""
    if "\n" in text:
        text = "\n".join(cut_text(line) for line in text.split("\n"))
    return _NOT_XML.sub("\N{REPLACEMENT CHARACTER}", cut_text(text))
