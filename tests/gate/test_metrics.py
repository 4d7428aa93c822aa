"""What the gate measures: whether a watch asks for bookmarks (the classifier's rule), and when a stream let go."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from analyzer.gate.metrics import asks_for_bookmarks, held_until, http1_long_lived_peaks
from analyzer.k8s import classify_request
from analyzer.summary import Stream

WATCH = "https://console.example/api/v1/namespaces/demo/pods?watch=1&resourceVersion=12"

# kube-apiserver converts the first value with Convert_Slice_string_To_bool: only "0" and "false" (any case)
# are false, an empty or bare value is true; an absent parameter is false.
BOOKMARKS = [
    pytest.param("&allowWatchBookmarks=true", True, id="true"),
    pytest.param("&allowWatchBookmarks=1", True, id="1"),
    pytest.param("&allowWatchBookmarks=yes", True, id="yes-is-true-as-in-go"),
    pytest.param("&allowWatchBookmarks=", True, id="empty-is-true-as-in-go"),
    pytest.param("&allowWatchBookmarks", True, id="bare-is-true"),
    pytest.param("&allowWatchBookmarks=false", False, id="false"),
    pytest.param("&allowWatchBookmarks=FALSE", False, id="false-any-case"),
    pytest.param("&allowWatchBookmarks=0", False, id="0"),
    pytest.param("", False, id="absent"),
    pytest.param("&allowWatchBookmarks=false&allowWatchBookmarks=true", False, id="first-value-counts"),
]


@pytest.mark.parametrize(("query", "asks"), BOOKMARKS)
def test_asks_for_bookmarks_with_the_classifiers_rule(query: str, asks: bool) -> None:
    url = WATCH + query
    assert asks_for_bookmarks(url) is asks
    assert bool(classify_request("GET", url).allow_watch_bookmarks) is asks


T0 = datetime(2026, 1, 1, tzinfo=UTC)
STREAM = Stream(index=1, kind="watch", transport="http", started=T0, ended=None, duration_ms=None,
                duration_bound=None, ended_by="open", aborted_by_navigation=False, queued=None, navigation=0,
                connection="7", host="h", protocol="HTTP/1.1", timeout_seconds=None, frames=None, first_frame=None,
                last_frame=None)  # fmt: skip
END = T0 + timedelta(seconds=30)

HELD = [
    pytest.param({"ended": T0 + timedelta(seconds=5), "ended_by": "complete"}, T0 + timedelta(seconds=5),
                 id="closed-at-its-end"),
    pytest.param({}, END, id="open-without-duration-until-capture-end"),
    pytest.param({"duration_ms": 10_000.0}, END, id="open-at-least-until-capture-end"),
    pytest.param({"duration_ms": 40_000.0}, T0 + timedelta(seconds=40), id="open-frames-after-capture-end"),
    pytest.param({"duration_ms": 10_000.0, "ended_by": "aborted"}, T0 + timedelta(seconds=10),
                 id="aborted-after-its-duration"),
    pytest.param({"started": None}, None, id="never-started"),
]  # fmt: skip


@pytest.mark.parametrize(("changes", "until"), HELD)
def test_held_until(changes: dict[str, object], until: datetime | None) -> None:
    assert held_until(msgspec.structs.replace(STREAM, **changes), END) == until


def test_an_open_stream_holds_its_connection_until_the_capture_ends() -> None:
    other = msgspec.structs.replace(STREAM, index=2, connection="8", started=T0 + timedelta(seconds=20))
    peak = http1_long_lived_peaks([STREAM, other], END)["h"]
    assert (peak.connections, peak.streams) == (2, (1, 2))
    assert http1_long_lived_peaks([STREAM, other], T0 + timedelta(seconds=10))["h"].connections == 1
