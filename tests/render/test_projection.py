"""The load N users would put on the API server, per page load and resource, as the views show it."""

from __future__ import annotations

from pathlib import Path

import msgspec
import pytest

from analyzer.analysis.analyze import analyze
from analyzer.har.loader import load_capture
from analyzer.render.projection import (
    NOT_PROJECTED,
    WHOLE_LOAD,
    ProjectionRow,
    optional_cell,
    projection_rows,
    projection_title,
    rate_cell,
)

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
OBJECT = "calico3/asm.alauda.io/v1beta3/testhl/microservices/asm-cal3"
CONFIG = "calico3/core/v1/testhl/configmaps/asm-cal3-config"


def rows_of(sample: str, users: int | None) -> list[ProjectionRow]:
    return projection_rows(analyze(load_capture(SAMPLES / f"{sample}.har"), users=users).summary)


def test_watch_against_poll_per_load_and_resource() -> None:
    # load 0 watched the object for 12 s; load 1 polled it every 5.0 s for 15 s: both under a minute
    assert rows_of("detail-watch-then-poll", 200) == [
        ProjectionRow("0 initial", WHOLE_LOAD, None, None, None, None, 200, None),
        ProjectionRow("0 initial", OBJECT, "watch", None, None, None, 200, None),
        ProjectionRow("0 initial", CONFIG, "once", None, None, None, 0, None),
        ProjectionRow("1 reload", WHOLE_LOAD, None, None, 2399.0, 200.0, 0, 200),
        # a polled resource's requests are its reads at the interval measured, however short the load
        ProjectionRow("1 reload", OBJECT, "poll", 2399.0, 2399.0, 200.0, 0, 200),
        ProjectionRow("1 reload", CONFIG, "once", None, None, None, 0, None),
    ]


def test_a_load_of_a_minute_or_more_is_projected_from_its_rate() -> None:
    summary = analyze(load_capture(SAMPLES / "list-watch-healthy.har"), users=10).summary
    first = summary.navigations[0]  # as if it had lasted a minute: 2 requests in its busiest 60 s
    verdict = msgspec.structs.replace(first.resources[0], requests_per_min=2.0)
    cost = msgspec.structs.replace(summary.summary.cost.per_navigation[0], requests_per_min=2.0,
                                   api_requests_per_min=20.0)  # fmt: skip
    totals = msgspec.structs.replace(
        summary.summary,
        cost=msgspec.structs.replace(
            summary.summary.cost, per_navigation=(cost, *summary.summary.cost.per_navigation[1:])
        ),
    )
    navigations = (msgspec.structs.replace(first, resources=(verdict,)), *summary.navigations[1:])
    rows = projection_rows(msgspec.structs.replace(summary, navigations=navigations, summary=totals))
    assert rows[:2] == [
        ProjectionRow("0 initial", WHOLE_LOAD, None, 20.0, None, None, 10, None),
        ProjectionRow("0 initial", verdict.key, "watch", 20.0, None, None, 10, None),
    ]


def test_nothing_without_users() -> None:
    summary = analyze(load_capture(SAMPLES / "poll-list.har")).summary
    assert projection_rows(summary) == [] and projection_title(summary) is None


@pytest.mark.parametrize(
    ("value", "rate", "optional"),
    [
        pytest.param(None, NOT_PROJECTED, "", id="unknown"),
        pytest.param(2399.04, "2399", "2399", id="whole-requests"),
        pytest.param(0.0, "0", "0", id="zero"),
    ],
)
def test_cells(value: float | None, rate: str, optional: str) -> None:
    assert (rate_cell(value), optional_cell(value)) == (rate, optional)
