"""The error promise on any input: whatever bytes a capture holds, every command exits 0, 1 or 2; a 2 is one line
with no "internal error" and no traceback; a 0 with JSON output is JSON. Inputs are HAR-shaped documents with odd
values in every field, and mutations of real captures (`strategies`). Profiles: `conftest.py`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from analyzer.analysis.analyze import analyze
from analyzer.cli import cli
from analyzer.errors import AnalyzerError
from analyzer.har import load_bytes, load_capture
from tests.fuzz.strategies import documents, mutated_files

# Each view of a capture, as a command line after the capture's path; `{out}` is a path in a fresh folder.
VIEWS: dict[str, list[str]] = {
    "analyze-table": ["analyze", "{har}"],
    "analyze-json": ["analyze", "{har}", "--format", "json"],
    "analyze-markdown": ["analyze", "{har}", "--format", "markdown", "--fail-on", "warning"],
    "report-html": ["report", "{har}", "-o", "{out}"],
    "check-junit": ["check", "{har}", "--format", "junit"],
    "requests-csv": ["requests", "{har}", "--format", "csv"],
    "streams-json": ["streams", "{har}", "--format", "json"],
    "strict": ["--strict", "analyze", "{har}", "--format", "json"],
    "sanitize": ["sanitize", "{har}", "-o", "{out}.har"],
}


def assert_promise_kept(result: Result, args: list[str]) -> None:
    """Exit 0, 1 or 2; a 2 says one line, never "internal error" nor a traceback; JSON output parses."""
    where = f"har-analyzer {' '.join(args)}"
    assert result.exit_code in (0, 1, 2), f"{where}: exit {result.exit_code}: {result.exception!r}\n{result.stderr}"
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"{where}: raised {result.exception!r}") from result.exception
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr, f"{where}: {result.stderr}"
    if result.exit_code == 2:
        assert result.stderr.count("\n") == 1 and result.stderr.startswith("Error: "), f"{where}: {result.stderr}"
    if result.exit_code == 0 and "json" in args:
        json.loads(result.stdout)


def run_view(data: bytes, view: str, folder: Path) -> None:
    """Write `data` as a capture in `folder` and run one view of it, asserting the promise."""
    har = folder / "capture.har"
    har.write_bytes(data)
    args = [part.format(har=har, out=folder / "out") for part in VIEWS[view]]
    result = CliRunner().invoke(cli, args, catch_exceptions=True)
    assert_promise_kept(result, args)
    if view == "sanitize" and result.exit_code == 0:
        load_capture(folder / "out.har")  # what sanitize writes must load


def load_and_analyze(data: bytes) -> None:
    """The library API: loading raises only AnalyzerError (one line); what loads, analyses."""
    try:
        capture = load_bytes(data, "fuzz.har")
    except AnalyzerError as exc:
        assert "\n" not in str(exc)
        return
    analyze(capture)


@given(data=documents())
def test_documents_load_and_analyze(data: bytes) -> None:
    load_and_analyze(data)


@given(file=mutated_files())
def test_mutated_captures_load_and_analyze(file: tuple[str, bytes]) -> None:
    load_and_analyze(file[1])


@pytest.mark.parametrize("view", list(VIEWS))
@given(data=st.data())
def test_every_view_keeps_the_error_promise(
    tmp_path_factory: pytest.TempPathFactory, view: str, data: st.DataObject
) -> None:
    # Half built documents, half mutated real captures; a fresh folder each example (report writes a folder).
    if data.draw(st.booleans(), label="real capture"):
        capture = data.draw(mutated_files(), label="capture")[1]
    else:
        capture = data.draw(documents(), label="document")
    run_view(capture, view, tmp_path_factory.mktemp(view))
