"""Whole-buffer searches: never a false no, for any string array layout."""

from __future__ import annotations

import pyarrow as pa
import pytest

from analyzer.buffers import may_match, whole_text

VALUES = ["abc", "x#y", None, "", "\u00e4#"]


@pytest.mark.parametrize(
    "strings",
    [
        pytest.param(pa.array(VALUES, pa.string()), id="string"),
        pytest.param(pa.array(VALUES, pa.large_string()), id="large-string"),
        pytest.param(pa.array([v and v.encode() for v in VALUES], pa.binary()), id="binary"),
        pytest.param(pa.array(VALUES, pa.string()).slice(1, 2), id="slice"),
    ],
)
def test_whole_text_holds_every_value(strings: pa.Array) -> None:
    whole = whole_text(strings)
    assert whole is not None and len(whole) == 1
    text = whole.cast(pa.large_binary())[0].as_py()
    for value in strings.to_pylist():
        if value is not None:
            assert (value if isinstance(value, bytes) else value.encode()) in text


@pytest.mark.parametrize(
    ("strings", "pattern", "expected"),
    [
        pytest.param(pa.array(VALUES, pa.string()), "#", True, id="found"),
        pytest.param(pa.array(VALUES, pa.string()), "@", False, id="absent"),
        pytest.param(pa.array(VALUES, pa.string()).slice(0, 1), "#", True, id="slice-sees-other-rows"),
        pytest.param(pa.array([], pa.string()), "#", False, id="empty"),
        pytest.param(pa.nulls(3, pa.string()), "#", False, id="nulls"),
        pytest.param(pa.array(["ab#"], pa.string_view()), "#", True, id="string-view-is-maybe"),
        pytest.param(pa.array(["ab#"]).dictionary_encode(), "#", True, id="dictionary-is-maybe"),
    ],
)
def test_may_match(strings: pa.Array, pattern: str, expected: bool) -> None:
    assert may_match(strings, pattern) is expected


def test_other_types_have_no_whole_text() -> None:
    assert whole_text(pa.array(["a"], pa.string_view())) is None
