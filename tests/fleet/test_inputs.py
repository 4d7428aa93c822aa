"""`batch INPUT...`: files, folders, globs and URLs expanded into captures."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from analyzer.errors import ConfigError
from analyzer.fleet.inputs import Found, expand_inputs, is_capture_name, read_optional


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """runs/{main,dev}/ with captures, a sidecar, an expectation file and a gzip capture; cwd is tmp_path."""
    for name in ("runs/main/b.har", "runs/main/a.har", "runs/main/a.har.labels.json", "runs/main/a.expected.json",
                 "runs/dev/c.har.gz", "runs/dev/d.zip", "runs/dev/notes.txt", "single.json"):  # fmt: skip
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _paths(found: list[Found]) -> list[str]:
    return [f.path for f in found]


@pytest.mark.parametrize(
    ("inputs", "paths"),
    [
        pytest.param(["runs"], ["runs/dev/c.har.gz", "runs/dev/d.zip", "runs/main/a.har", "runs/main/b.har"],
                     id="a-folder-by-capture-names-sorted"),
        pytest.param(["runs/main/b.har", "runs/main/a.har"], ["runs/main/b.har", "runs/main/a.har"],
                     id="files-in-the-order-given"),
        pytest.param(["single.json"], ["single.json"], id="a-file-named-outright-whatever-its-name"),
        pytest.param(["runs/*/*.har"], ["runs/main/a.har", "runs/main/b.har"], id="a-glob"),
        pytest.param(["runs/**/*.json"], ["runs/main/a.expected.json"], id="a-glob-leaves-out-sidecars"),
        pytest.param(["runs/d*"], ["runs/dev/c.har.gz", "runs/dev/d.zip"], id="a-glob-matching-a-folder"),
        pytest.param(["runs/main", "runs/main/a.har", "runs"],
                     ["runs/main/a.har", "runs/main/b.har", "runs/dev/c.har.gz", "runs/dev/d.zip"],
                     id="each-capture-once"),
    ],
)  # fmt: skip
def test_inputs_expand_to_captures(tree: Path, inputs: list[str], paths: list[str]) -> None:
    found = expand_inputs(inputs)
    assert _paths(found) == [p.replace("/", os.sep) for p in paths]
    assert all(f.location == str(tree / f.path) for f in found)


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        pytest.param(["missing.har"], "missing.har: no capture matched", id="a-missing-file"),
        pytest.param(["runs/*.nothing"], r"runs/\*.nothing: no capture matched", id="a-glob-matching-nothing"),
        pytest.param(["empty"], "empty: no capture matched", id="a-folder-without-captures"),
        pytest.param(["runs/main/a.har.labels.json"], "no capture matched", id="a-sidecar"),
        pytest.param(["-"], "not standard input", id="stdin"),
        pytest.param(["runs", "missing.har"], "missing.har: no capture matched", id="one-of-several"),
    ],
)
def test_an_input_that_names_no_capture_is_an_error(tree: Path, inputs: list[str], message: str) -> None:
    (tree / "empty").mkdir()
    with pytest.raises(ConfigError, match=message):
        expand_inputs(inputs)


def test_file_urls_are_read_through_fsspec(tree: Path) -> None:
    pytest.importorskip("fsspec")
    found = expand_inputs([f"file://{tree}/runs/main/"])
    assert _paths(found) == [f"file://{tree}/runs/main/a.har", f"file://{tree}/runs/main/b.har"]
    assert found[0].location == found[0].path
    assert _paths(expand_inputs([f"file://{tree}/runs/*/*.zip"])) == [f"file://{tree}/runs/dev/d.zip"]
    assert read_optional(found[0].location) == b"{}"
    assert read_optional(f"file://{tree}/runs/main/none.labels.json") is None
    with pytest.raises(ConfigError, match="no capture matched"):
        expand_inputs([f"file://{tree}/nothing/"])


@pytest.mark.parametrize(
    ("name", "is_capture"),
    [("a.har", True), ("A.HAR", True), ("a.har.gz", True), ("a.zhar", True), ("a.harp", True), ("a.zip", True),
     ("a.json", False), ("a.gz", False), ("a.har.labels.json", False), ("a.txt", False)],
)  # fmt: skip
def test_what_a_folder_search_takes(name: str, is_capture: bool) -> None:
    assert is_capture_name(name) is is_capture
