"""The trend computed from rows (no dataset): the axis and its order, a point's mode and rate, the changes and
their thresholds, the headlines, and the captures left out."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from analyzer.errors import ConfigError
from analyzer.fleet.trend import (
    Capture,
    FindingsChange,
    ModeChange,
    Observation,
    Point,
    RateChange,
    Thresholds,
    build_trend,
    find_changes,
    is_rate_change,
    order_axis,
    point,
    start_value,
)
from analyzer.summary import Mode

T0 = datetime(2026, 1, 1, 10, tzinfo=UTC)
KEY = "c1/core/v1/ns/pods/web-0"


def _day(n: int) -> datetime:
    return T0 + timedelta(days=n)


def _observation(capture_id: str, mode: Mode = "watch", **fields: Any) -> Observation:
    row: dict[str, Any] = {"capture_id": capture_id, "url_path": "/pods/web-0", "trigger": "reload", "resource": KEY,
                           "mode": mode, "requests": 3, "requests_per_min": None, "findings": ()}  # fmt: skip
    row.update(fields)
    return Observation(**row)


def _capture(capture_id: str, day: int | None, **labels: str) -> Capture:
    return Capture(capture_id, None if day is None else _day(day), dict(labels), failed=False, redacted=True)


def _point(value: str, mode: Mode = "watch", rate: float | None = None, findings: tuple[str, ...] = ()) -> Point:
    return point(value, [_observation("x", mode, requests_per_min=rate, findings=findings)])


@pytest.mark.parametrize(
    ("by", "captures", "values", "order"),
    [
        pytest.param("run", [("10", 1), ("9", 2), ("1", 3), ("9", 0)], ["1", "9", "10"], "numeric",
                     id="integers-in-numeric-order-not-text-or-time"),
        pytest.param("run", [("+2", 0), ("-1", 1), ("0", 2)], ["-1", "0", "+2"], "numeric", id="signed-integers"),
        pytest.param("release", [("v1.9", 1), ("v1.10", 2), ("v1.9", 3)], ["v1.9", "v1.10"], "first-start",
                     id="text-by-its-earliest-capture"),
        pytest.param("release", [("b", 5), ("a", 5), ("c", 1)], ["c", "a", "b"], "first-start",
                     id="same-earliest-start-by-value"),
        pytest.param("release", [("z", None), ("y", 3), ("x", None)], ["y", "x", "z"], "first-start",
                     id="values-without-a-start-last"),
        pytest.param("run", [("1", 1), ("1.5", 2), ("2", 3)], ["1", "1.5", "2"], "first-start",
                     id="one-value-not-an-integer-orders-all-by-start"),
        pytest.param(None, [("b", 2), ("a", 1)], ["a", "b"], "start", id="capture-starts"),
    ],
)  # fmt: skip
def test_the_axis_order(by: str | None, captures: list[tuple[str, int | None]], values: list[str], order: str) -> None:
    axis = order_axis([(value, None if day is None else _day(day)) for value, day in captures], by)
    assert [v.value for v in axis.values] == values and axis.order == order and axis.by == by
    assert sum(v.captures for v in axis.values) == len(captures)


def test_an_axis_value_starts_with_its_earliest_capture() -> None:
    axis = order_axis([("a", _day(3)), ("a", None), ("a", _day(1))], "release")
    assert axis.values[0].started == _day(1)
    assert start_value(datetime(2026, 1, 4, 11, 0, 0, 123456, tzinfo=UTC)) == "2026-01-04T11:00:00.123Z"


@pytest.mark.parametrize(
    ("modes", "mode"),
    [
        pytest.param(["watch", "watch", "poll"], "watch", id="the-most-frequent"),
        pytest.param(["watch", "poll"], "poll", id="tie-poll-over-watch"),
        pytest.param(["watch", "watch+poll"], "watch+poll", id="tie-watch-poll-over-watch"),
        pytest.param(["poll", "watch+poll"], "poll", id="tie-poll-over-watch-poll"),
        pytest.param(["once", "watch"], "watch", id="tie-watch-over-once"),
        pytest.param(["once", "poll", "watch", "watch+poll"], "poll", id="four-way-tie"),
    ],
)
def test_a_point_s_mode_is_the_most_frequent_and_a_tie_goes_to_the_costlier(modes: list[Mode], mode: Mode) -> None:
    found = point("1", [_observation(str(i), m) for i, m in enumerate(modes)])
    assert found.mode == mode and found.loads == len(modes) and sum(found.modes.values()) == len(modes)


def test_a_point_s_rate_is_the_median_of_the_loads_that_have_one() -> None:
    rows = [_observation("a", requests_per_min=2.0, requests=2, findings=("x", "y")),
            _observation("b", requests_per_min=None, requests=9, findings=("x",)),
            _observation("c", requests_per_min=12.0, requests=4)]  # fmt: skip
    found = point("1", rows)
    assert (found.requests_per_min, found.requests, found.findings) == (7.0, 4.0, {"x": 2, "y": 1})
    assert point("1", [_observation("a")]).requests_per_min is None


@pytest.mark.parametrize(
    ("before", "after", "thresholds", "changed"),
    [
        pytest.param(10.0, 15.0, Thresholds(), True, id="up-by-half"),
        pytest.param(10.0, 5.0, Thresholds(), True, id="down-by-half"),
        pytest.param(10.0, 14.9, Thresholds(), False, id="under-half"),
        pytest.param(1.0, 1.9, Thresholds(), False, id="by-half-but-under-the-floor"),
        pytest.param(0.0, 1.0, Thresholds(), True, id="from-zero-by-the-floor"),
        pytest.param(0.0, 0.5, Thresholds(), False, id="from-zero-under-the-floor"),
        pytest.param(10.0, 12.0, Thresholds(rate_change=0.2, rate_floor=2.0), True, id="custom-thresholds"),
        pytest.param(10.0, 12.0, Thresholds(rate_change=0.2, rate_floor=3.0), False, id="custom-floor"),
    ],
)
def test_the_rate_change_threshold(before: float, after: float, thresholds: Thresholds, changed: bool) -> None:
    assert is_rate_change(before, after, thresholds) is changed


def test_changes_between_consecutive_points() -> None:
    points = [_point("1", "watch", 4.0), _point("2", "watch", None, ("polling-instead-of-watch",)),
              _point("3", "poll", 9.0, ("polling-instead-of-watch",)), _point("4", "poll", 9.5)]  # fmt: skip
    assert find_changes(points, Thresholds()) == [
        FindingsChange("2", "1", ("polling-instead-of-watch",), ()),
        ModeChange("3", "2", "watch", "poll"),
        RateChange("3", "1", 4.0, 9.0),  # against the last point that had a rate, across the one without
        FindingsChange("4", "3", (), ("polling-instead-of-watch",)),
    ]
    assert find_changes([], Thresholds()) == [] and find_changes(points[:1], Thresholds()) == []


def test_the_trend_names_where_a_page_went_from_watch_to_poll() -> None:
    captures = [_capture(f"c{run}", run, run=str(run)) for run in range(1, 7)]
    observations = [_observation(f"c{run}", "watch" if run < 4 else "poll") for run in range(1, 7)]
    observations += [_observation(f"c{run}", "once", resource="c1/core/v1/ns/configmaps/x") for run in range(1, 7)]
    observations += [_observation("c5", "watch+poll", url_path="/other")]
    trend = build_trend("fleet", captures, observations, "run")
    assert [(h.url_path, h.trigger, h.resource, h.change) for h in trend.headlines] == [
        ("/pods/web-0", "reload", KEY, ModeChange("4", "3", "watch", "poll"))
    ]
    first, *rest = trend.series
    assert (first.resource, first.mode_changed_at, first.rate_changed_at, first.findings_changed_at) == (
        KEY, "4", None, None)  # fmt: skip
    assert [p.mode for p in first.points] == ["watch"] * 3 + ["poll"] * 3
    assert [(s.url_path, s.changes) for s in rest] == [("/other", ()), ("/pods/web-0", ())]  # unchanged: by page
    assert trend.captures == 6 and trend.notes == () and trend.schema == "har-analyzer/trend/v1"


def test_captures_left_out_are_counted_in_notes() -> None:
    captures = [
        _capture("a", 1, run="1"),
        _capture("b", 2),
        Capture(None, None, {}, failed=True, redacted=True),
        Capture("d", _day(3), {"run": "2"}, failed=False, redacted=False),
    ]
    trend = build_trend("fleet", captures, [_observation("a"), _observation("b", "poll")], "run")
    assert [v.value for v in trend.axis.values] == ["1", "2"] and trend.captures == 2
    assert trend.notes == ("1 capture could not be read: left out", "1 capture without the label 'run': left out",
                           "1 capture analysed with --show-secrets: their URLs are not redacted")  # fmt: skip
    assert [p.value for p in trend.series[0].points] == ["1"]  # b is left out, and its poll with it
    without_start = build_trend("fleet", [_capture("a", 1), _capture("b", None)], [])
    assert without_start.notes == ("1 capture without a start (no request): left out",)


def test_a_label_no_capture_has_is_an_error_unless_there_is_no_capture() -> None:
    with pytest.raises(ConfigError, match=r"no capture has the label 'run' \(labels: release, team\)"):
        build_trend("fleet", [_capture("a", 1, release="v1", team="x")], [], "run")
    empty = build_trend("fleet", [], [], "run")
    assert (empty.captures, empty.axis.values, empty.series, empty.headlines) == (0, (), (), ())
