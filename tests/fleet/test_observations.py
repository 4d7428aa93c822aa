"""The trend read from a real dataset: the fleet of `tests/fleet/fleets.py`, whose detail page watches its object
after a reload in runs 1-3 and polls it from run 4 on."""

from __future__ import annotations

from pathlib import Path

from analyzer.fleet.observations import read_trend
from analyzer.fleet.trend import FindingsChange, ModeChange
from analyzer.fleet.views import open_views
from tests.fleet.fleets import PAGE, RESOURCE, RUNS


def test_trend_by_run_names_run_4_as_where_the_detail_page_went_from_watch_to_poll(fleet: Path) -> None:
    with open_views(fleet) as connection:
        trend = read_trend(connection, fleet, "run")
    assert [v.value for v in trend.axis.values] == ["1", "2", "3", "4", "5", "6"] and trend.axis.order == "numeric"
    assert [(h.url_path, h.trigger, h.resource, h.change) for h in trend.headlines] == [
        (PAGE, "reload", RESOURCE, ModeChange(at="4", previous="3", before="watch", after="poll"))
    ]
    polled = trend.series[0]
    assert (polled.url_path, polled.trigger, polled.resource) == (PAGE, "reload", RESOURCE)
    assert [(p.value, p.mode, p.loads) for p in polled.points] == [(str(r), "watch" if r < 4 else "poll", 1)
                                                                   for r, _, _ in RUNS]  # fmt: skip
    assert polled.changes == (
        ModeChange("4", "3", "watch", "poll"),
        FindingsChange("4", "3", appeared=("watch-replaced-by-polling",), disappeared=()),
    )
    assert (polled.mode_changed_at, polled.rate_changed_at, polled.findings_changed_at) == ("4", None, "4")
    unchanged = {(s.trigger, s.resource, tuple(p.mode for p in s.points)) for s in trend.series[1:]}
    assert (("initial", RESOURCE, ("watch",) * 6)) in unchanged and all(not s.changes for s in trend.series[1:])
    assert trend.notes == ("1 capture could not be read: left out",)


def test_by_capture_start_and_by_a_label_that_is_not_a_number(fleet: Path) -> None:
    with open_views(fleet) as connection:
        by_start, by_release = read_trend(connection, fleet), read_trend(connection, fleet, "release")
    assert by_start.axis.order == "start" and len(by_start.axis.values) == len(RUNS)
    assert [h.change.at for h in by_start.headlines] == ["2026-01-04T10:00:00.000Z"]
    assert [(v.value, v.captures) for v in by_release.axis.values] == [("v1.9", 3), ("v1.10", 3)]
    assert [h.change for h in by_release.headlines] == [ModeChange("v1.10", "v1.9", "watch", "poll")]


def test_captures_without_the_label_are_left_out(fleet: Path) -> None:
    with open_views(fleet) as connection:
        trend = read_trend(connection, fleet, "team")
    assert trend.captures == 2 and trend.headlines == () and all(not s.changes for s in trend.series)
    assert trend.notes == ("1 capture could not be read: left out", "4 captures without the label 'team': left out")
