"""Each writer's initiator fields read into one `Initiator` (table-driven: what each writer writes)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import msgspec
import pytest

from analyzer.errors import AnalyzerError
from analyzer.har import load_bytes, load_capture
from analyzer.har.initiators import InitiatorFields, read_initiator
from analyzer.har.loader import Capture
from analyzer.summary import Initiator
from tests.conftest import CORPUS, REPO, require_shared
from tests.factories import make_entry, make_har

SCRIPT = "https://console.example.com/static/main.js?v=3"
FRAME = {"functionName": "request", "scriptId": "7", "url": SCRIPT, "lineNumber": 63, "columnNumber": 25}
POLL = {"functionName": "poll", "scriptId": "7", "url": SCRIPT, "lineNumber": 159, "columnNumber": 2}
CALLER = {"functionName": "watchResource", "scriptId": "7", "url": SCRIPT, "lineNumber": 182, "columnNumber": 6}
DEVTOOLS = {"type": "script", "stack": {"callFrames": [FRAME, {**FRAME, "functionName": ""}],
            "parent": {"description": "setInterval", "callFrames": [POLL, CALLER]}}}  # fmt: skip


def fields(**entry: object) -> InitiatorFields:
    return msgspec.json.decode(json.dumps(entry).encode(), type=InitiatorFields)


CASES = [
    pytest.param(
        {"_initiator": DEVTOOLS},
        Initiator(
            type="script",
            url=SCRIPT,
            line=64,
            frames=(
                "request (main.js:64)",
                "(anonymous) (main.js:64)",
                "(async setInterval)",
                "poll (main.js:160)",
                "watchResource (main.js:183)",
            ),
        ),
        id="DevTools and record: CDP's object, async parents after their description",
    ),
    pytest.param(
        {"_initiator": {"type": "parser", "url": "https://console.example.com/", "lineNumber": 11}},
        Initiator(type="parser", url="https://console.example.com/", line=12, frames=()),
        id="a parser initiator: its document and 1-based line",
    ),
    pytest.param(
        {
            "_initiator": SCRIPT,
            "_initiator_type": "script",
            "_initiator_line": 64,
            "_initiator_column": 26,
            "_initiator_function_name": "request",
            "_initiator_detail": json.dumps({"type": "script", "stack": {"callFrames": [FRAME, POLL]}}),
        },
        Initiator(type="script", url=SCRIPT, line=64, frames=("request (main.js:64)", "poll (main.js:160)")),
        id="chrome-har: _initiator_detail, CDP's object as a JSON string",
    ),
    pytest.param(
        {"_initiator": SCRIPT, "_initiator_type": "script", "_initiator_line": 64, "_initiator_function_name": "f"},
        Initiator(type="script", url=SCRIPT, line=64, frames=("f (main.js:64)",)),
        id="chrome-har without the detail: one frame from its own fields",
    ),
    pytest.param(
        {"_initiator_type": "other"},
        Initiator(type="other", url=None, line=None, frames=()),
        id="chrome-har: only a type",
    ),
    pytest.param({}, None, id="Firefox, Playwright, Safari: none"),
    pytest.param(
        {"_initiator": {"type": 3, "stack": {"callFrames": ["x", {"lineNumber": "?"}]}}},
        Initiator(type=None, url=None, line=None, frames=("(anonymous) (?:)",)),
        id="junk is skipped",
    ),
    pytest.param({"_initiator_detail": "{not json"}, None, id="an unreadable detail and nothing else"),
]


@pytest.mark.parametrize(("entry", "expected"), CASES)
def test_each_writers_initiator(entry: dict[str, object], expected: Initiator | None) -> None:
    assert read_initiator(fields(**entry)) == expected


def test_a_cyclic_or_deep_parent_chain_ends() -> None:
    deep: dict[str, object] = {"callFrames": [FRAME]}
    for _ in range(100):
        deep = {"description": "await", "callFrames": [FRAME], "parent": deep}
    found = read_initiator(fields(_initiator={"type": "script", "stack": deep}))
    assert found is not None and len(found.frames) == 16  # MAX_FRAMES


def _own_initiators(capture: Capture) -> dict[int, Initiator]:
    """Every entry's initiator read from the entry itself (no key shared)."""
    return {i: found for i in range(len(capture)) if (found := capture.initiator(i)) is not None}


SAMPLE_FILES = sorted((REPO / "samples").glob("**/*.har"))


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=[str(p.relative_to(REPO / "samples")) for p in SAMPLE_FILES])
def test_entries_that_share_a_key_share_their_initiator(path: Path) -> None:
    """`Capture.initiators` reads one entry per initiator key (`columns.initiator_key`): what it gives is what
    reading every entry on its own gives, on every writer's samples."""
    capture = load_capture(path)
    assert capture.initiators(range(len(capture))) == _own_initiators(capture)


def test_keys_hold_on_every_corpus_file() -> None:
    manifest = require_shared(CORPUS / "MANIFEST.tsv")
    with open(manifest, newline="") as handle:
        names = [row["file"] for row in csv.DictReader(handle, delimiter="\t")]
    checked = 0
    for name in names:
        try:
            capture = load_capture(CORPUS / name)
        except AnalyzerError:
            continue
        assert capture.initiators(range(len(capture))) == _own_initiators(capture), name
        checked += 1
    assert checked > 200


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        pytest.param({"type": "script", "requestId": "1"}, {"type": "script", "requestId": "2"}, True,
                     id="request-ids-differ"),
        pytest.param(DEVTOOLS, {**DEVTOOLS, "stack": {"callFrames": [POLL]}}, False, id="stacks-differ"),
        pytest.param({"type": "other"}, {"type": "other", "lineNumber": 3}, False, id="line-differs"),
        pytest.param(SCRIPT, SCRIPT, True, id="same-url"),
    ],
)  # fmt: skip
def test_what_the_key_tells_apart(first: object, second: object, same: bool) -> None:
    capture = load_bytes(json.dumps(make_har([make_entry(_initiator=first), make_entry(_initiator=second)])).encode())
    keys = capture._initiator_keys.to_pylist()
    assert (keys[0] == keys[1]) is same
    assert capture.initiators([0, 1]) == _own_initiators(capture)


def test_initiators_of_some_entries_in_the_order_asked() -> None:
    """A subset, asked for out of order, with a repaired entry (no key: read on its own) and entries without an
    initiator: what reading each entry gives, in the order asked."""
    entries = [
        make_entry(_initiator=DEVTOOLS),
        make_entry(_initiator={"type": "other"}),
        make_entry(_initiator=DEVTOOLS, time="slow"),  # a string where a number goes: repaired, so unkeyed
        make_entry(),
        make_entry(_initiator=DEVTOOLS),
        make_entry(_initiator=SCRIPT, _initiator_type="script"),
    ]
    capture = load_bytes(json.dumps(make_har(entries)).encode())
    assert capture._initiator_keys.to_pylist()[2] == bytes(16)  # columns.UNKEYED
    asked = [4, 2, 5, 3, 0, 1]
    own = _own_initiators(capture)
    found = capture.initiators(asked)
    assert list(found) == [i for i in asked if i in own]
    assert found == {i: own[i] for i in asked if i in own}
    assert found[4] is found[0]  # one key, one read, one Initiator
    assert capture.initiators([]) == {}
