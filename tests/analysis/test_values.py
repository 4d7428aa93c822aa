"""Whole columns read as Python values (`analysis.values`, resource keys, the summary's requests): every storage pandas
gives them, the same values."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from analyzer.analysis.analyze import analyze
from analyzer.analysis.resources import resource_keys
from analyzer.analysis.values import moments, moments_of, take, texts
from analyzer.har.loader import load_capture

SAMPLES = Path(__file__).resolve().parents[2] / "samples"

WORDS = ["GET", None, "", "POST", "GET", "GET", None, "PUT"]
AS_TEXT = ["GET", None, None, "POST", "GET", "GET", None, "PUT"]  # empty and missing are both None


def _columns() -> dict[str, pd.Series]:
    chunked = pa.chunked_array([pa.array(WORDS[:3]), pa.array(WORDS[3:])])
    return {
        "object": pd.Series(WORDS, dtype=object),
        "str": pd.Series(WORDS, dtype="str"),
        "arrow": pd.Series(WORDS, dtype=pd.ArrowDtype(pa.string())),
        "arrow, two chunks": pd.Series(pd.arrays.ArrowExtensionArray(chunked)),
        "large_string": pd.Series(WORDS, dtype=pd.ArrowDtype(pa.large_string())),
    }


@pytest.mark.parametrize("storage", list(_columns()))
@pytest.mark.parametrize("shared", [False, True])
def test_texts_reads_every_storage_alike(storage: str, shared: bool) -> None:
    assert texts(_columns()[storage], shared=shared) == AS_TEXT


@pytest.mark.parametrize("storage", ["str", "arrow", "arrow, two chunks", "large_string"])
def test_shared_texts_are_one_object_per_distinct_value(storage: str) -> None:
    found = texts(_columns()[storage], shared=True)
    gets = [value for value in found if value == "GET"]
    assert len(gets) == 3 and all(value is gets[0] for value in gets)


def test_texts_of_an_arrow_array_as_of_its_column() -> None:
    for shared in (False, True):
        assert texts(pa.array(WORDS), shared=shared) == AS_TEXT


_LAYOUTS = {
    "one array": pa.array(WORDS),
    "one chunk": pa.chunked_array([pa.array(WORDS)]),
    "two chunks": pa.chunked_array([pa.array(WORDS[:3]), pa.array(WORDS[3:])]),
    "a chunk each, and empty ones": pa.chunked_array(
        [pa.array([], pa.string()), *(pa.array([w], pa.string()) for w in WORDS), pa.array([], pa.string())]
    ),
    "large_string chunks": pa.chunked_array(
        [pa.array(WORDS[:5], pa.large_string()), pa.array(WORDS[5:], pa.large_string())]
    ),
}


@pytest.mark.parametrize("layout", list(_LAYOUTS))
@pytest.mark.parametrize(
    "positions",
    [[], [0], [7], [7, 0, 3, 3, 5, 1], list(range(8)), list(range(7, -1, -1)), [2, 6, 2, 6]],
    ids=["none", "first", "last", "out of order, repeated", "all", "all backwards", "an empty text and a null"],
)
def test_take_is_arrows_take_whatever_the_chunks(layout: str, positions: list[int]) -> None:
    array = _LAYOUTS[layout]
    found = take(array, np.array(positions, dtype=np.int64))
    assert isinstance(found, pa.Array)
    assert found.type == array.type
    assert found.to_pylist() == [WORDS[p] for p in positions] == array.take(pa.array(positions, pa.int64())).to_pylist()


def test_resource_keys_are_one_object_per_distinct_key() -> None:
    text = {
        "verb": ["list", "list", None, "get", "watch"],
        "subresource": [None] * 5,
        "cluster": ["c1", "c1", None, "c1", "c1"],
        "group": [None, None, None, "apps", None],
        "version": ["v1", "v1", None, "v1", "v1"],
        "namespace": ["ns", "ns", None, "ns", "ns"],
        "resource": ["pods", "pods", None, "deployments", "pods"],
        "name": [None, None, None, "web", None],
    }
    frame = pd.DataFrame({name: pd.Series(values, dtype="str") for name, values in text.items()})
    frame["k8s"] = frame["is_resource_request"] = [True, True, False, True, True]
    keys = resource_keys(frame).tolist()
    assert keys[0] == keys[1] == keys[4] == "c1/core/v1/ns/pods"
    assert keys[0] is keys[1] is keys[4]
    assert keys[3] == "c1/apps/v1/ns/deployments/web"
    assert keys[2] != keys[2]  # NaN: not a Kubernetes access


@pytest.mark.parametrize("writer", ["", "chrome-har/", "devtools/", "firefox/", "playwright/"])
def test_the_summarys_requests_are_the_same_made_a_few_rows_at_a_time(
    writer: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # `summarize` makes the requests a slice of rows at a time; slices of 1 and 4 rows end on every request.
    capture = load_capture(SAMPLES / f"{writer}detail-watch-then-poll.har")
    whole = analyze(capture).summary.requests
    for size in (1, 4):
        monkeypatch.setattr("analyzer.analysis.summarize.REQUEST_SLICE", size)
        assert analyze(capture).summary.requests == whole
    assert len(whole) > 4


EAST = timezone(timedelta(hours=8))


@pytest.mark.parametrize(
    "values",
    [
        pytest.param([datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC), None], id="utc-and-missing"),
        pytest.param([datetime(2024, 5, 1, 18, 0, 0, 1, tzinfo=EAST)], id="another-zone"),
        pytest.param([datetime(2024, 5, 1, 1, 2, 3)], id="naive-is-utc"),
        pytest.param([datetime(1960, 1, 1, 0, 0, 0, 999999, tzinfo=UTC)], id="before-the-epoch"),
        pytest.param([pd.Timestamp("2024-05-01T10:00:00.5Z"), None], id="pandas-timestamps"),
        pytest.param([], id="none"),
    ],
)
def test_moments_of_datetimes_are_what_pandas_makes_of_them(values: list[datetime | None]) -> None:
    # `moments_of` counts the microseconds of plain datetimes itself, and leaves anything else to pandas.
    expected = moments(pd.Series(values, dtype="object"))
    found = moments_of(values)
    assert found.dtype == np.dtype("datetime64[us]")
    assert found.astype("int64").tolist() == expected.astype("int64").tolist()


@pytest.mark.parametrize("writer", ["", "devtools/", "firefox/", "chrome-har/", "playwright/"])
def test_access_urls_factorize_as_their_texts(writer: str) -> None:
    """The access table keeps its URLs as a categorical (one object per distinct URL): sorted factorizing, as
    the duplicate rule does, gives the codes and order the texts give."""
    urls = analyze(load_capture(SAMPLES / f"{writer}poll-list.har")).accesses["url"]
    texts_ = urls.astype(object)
    assert isinstance(urls.dtype, pd.CategoricalDtype)
    assert urls.nunique() < len(urls)  # the polled URLs repeat
    codes, distinct = pd.factorize(urls, sort=True)
    text_codes, text_distinct = pd.factorize(texts_, sort=True)
    assert codes.tolist() == text_codes.tolist()
    assert list(distinct) == list(text_distinct)
