"""The text timeline shared by the terminal and Markdown views."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from analyzer.analysis.analyze import analyze
from analyzer.har.loader import load_capture
from analyzer.render.timeline import (
    TIMELINE_LANES,
    Scale,
    fit_key,
    fit_left,
    headline,
    indices,
    seconds,
    timeline_lines,
)
from analyzer.wording import plural

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def test_polling_is_a_regular_row_of_ticks() -> None:
    summary = analyze(load_capture(SAMPLES / "poll-list.har")).summary
    lane = next(t.plain for t in timeline_lines(summary, 80) if "microservices" in t.plain).split(" ", 1)[1]
    ticks = [i for i, c in enumerate(lane) if c == "l"]
    gaps = [b - a for a, b in itertools.pairwise(ticks)]
    assert len(ticks) == 4 and max(gaps) - min(gaps) <= 1


def test_a_watch_cut_by_the_reload_is_drawn_to_its_end_and_marked() -> None:
    summary = analyze(load_capture(SAMPLES / "detail-reload-mid-watch.har")).summary
    lines = [t.plain for t in timeline_lines(summary, 100)]
    assert any("✕" in line for line in lines), lines
    assert len(lines) <= 2 + TIMELINE_LANES + 1


def test_keys_are_cut_from_the_left_and_indices_counted() -> None:
    assert fit_left("calico3/core/v1/ns/pods/name", 10) == "…pods/name"
    assert fit_left("short", 10) == "short"
    assert indices(list(range(14))) == ", ".join(f"#{i}" for i in range(12)) + " … (14)"


KEY = "calico3/asm.alauda.io/v1beta3/testhl/microservices/asm-cal3"  # 59 columns


@pytest.mark.parametrize(
    ("key", "width", "shown"),
    [
        pytest.param(KEY, 59, KEY, id="fits-whole"),
        pytest.param(KEY, 200, KEY, id="room-to-spare"),
        pytest.param(KEY, 58, "calico3/asm.alauda.io/…/testhl/microservices/asm-cal3", id="version-goes-first"),
        pytest.param(KEY, 45, "calico3/…/testhl/microservices/asm-cal3", id="then-the-group"),
        pytest.param(KEY, 38, "calico3/…/microservices/asm-cal3", id="then-the-namespace"),
        pytest.param(KEY, 31, "…/microservices/asm-cal3", id="then-the-cluster"),
        pytest.param(KEY, 20, "…roservices/asm-cal3", id="then-the-resource-from-the-left"),
        pytest.param(KEY, 5, "…cal3", id="the-name-last"),
        pytest.param("calico3/core/v1/-/nodes/node-1", 27, "calico3/core/…/nodes/node-1", id="cluster-scoped"),
        pytest.param("calico3/core/v1/-/nodes/node-1", 24, "calico3/…/nodes/node-1", id="cluster-scoped-no-dash"),
        pytest.param("calico3/core/v1/-/nodes/node-1", 20, "…/nodes/node-1", id="cluster-scoped-no-cluster"),
        pytest.param("-/core/v1/default/pods", 18, "-/…/default/pods", id="a-collection"),
        pytest.param("127.0.0.1:8080", 8, "….1:8080", id="not-a-key"),
    ],
)  # fmt: skip
def test_fit_key_keeps_cluster_resource_and_name(key: str, width: int, shown: str) -> None:
    assert fit_key(key, width) == shown and len(fit_key(key, width)) <= width


@pytest.mark.parametrize(
    ("text", "width", "shown"),
    [
        pytest.param("short", 10, "short", id="fits"),
        pytest.param("calico3/core/v1/ns/pods/name", 10, "…pods/name", id="cut-from-the-left"),
        pytest.param("abc", 1, "…", id="one-column"),
        pytest.param("abc", 0, "", id="no-column"),
    ],
)
def test_fit_left(text: str, width: int, shown: str) -> None:
    assert fit_left(text, width) == shown


@pytest.mark.parametrize(
    ("count", "noun", "many", "shown"),
    [
        pytest.param(0, "page load", None, "0 page loads", id="none"),
        pytest.param(1, "page load", None, "1 page load", id="one"),
        pytest.param(2, "page load", None, "2 page loads", id="two"),
        pytest.param(1, "capture", None, "1 capture", id="one-capture"),
        pytest.param(1, "request", None, "1 request", id="one-request"),
        pytest.param(1, "finding", None, "1 finding", id="one-finding"),
        pytest.param(3, "long-lived request", None, "3 long-lived requests", id="three-long-lived"),
        pytest.param(2, "match", "matches", "2 matches", id="irregular"),
    ],
)
def test_plural(count: int, noun: str, many: str | None, shown: str) -> None:
    assert plural(count, noun, many) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        pytest.param(5.002, "5.0", id="rounded-to-what-was-measured"),
        pytest.param(3.79, "3.8", id="one-decimal"),
        pytest.param(60.0, "60.0", id="whole"),
        pytest.param(None, "", id="not-polled"),
    ],
)
def test_seconds(value: float | None, shown: str) -> None:
    assert seconds(value) == shown


def test_the_headline_counts_in_the_singular() -> None:
    summary = analyze(load_capture(SAMPLES / "poll-list.har")).summary
    assert "to Kubernetes, 1 page load, " in headline(summary)


ORIGIN = datetime(2026, 11, 1, 10, 0, tzinfo=UTC)


def after(seconds: float) -> datetime:
    return ORIGIN + timedelta(seconds=seconds)


@pytest.mark.parametrize(
    ("span", "cells", "moments", "columns"),
    [
        pytest.param(99.0, 100, [], [], id="none"),
        pytest.param(99.0, 100, [after(0.5), after(1.5), after(2.5)], [0, 2], id="halves-round-to-even"),
        pytest.param(99.0, 100, [after(0.500001), after(2.499999)], [1, 2], id="a-microsecond-past-a-half"),
        pytest.param(99.0, 100, [after(7.2), after(7.4), after(6.6), after(7.0)], [7], id="one-column-many-moments"),
        pytest.param(99.0, 100, [after(50), None], [0, 50], id="unknown-at-the-origin"),
        pytest.param(99.0, 100, [after(-5), after(1000)], [0, 99], id="outside-the-span-at-the-ends"),
        pytest.param(99.0, 100, [after(10).astimezone(timezone(timedelta(hours=2)))], [10], id="another-zone"),
        pytest.param(0.001, 10, [after(0.000055), after(0.000056), after(0.001)], [0, 1, 9], id="a-millisecond"),
        pytest.param(10263.1, 77, [after(s) for s in range(0, 10264, 7)], list(range(77)), id="every-column"),
    ],
)  # fmt: skip
def test_scale_finds_the_columns_of_many_moments_as_of_each(
    span: float, cells: int, moments: list[datetime | None], columns: list[int]
) -> None:
    scale = Scale(ORIGIN, span, cells)
    each = [scale.column(scale.offset(m)) for m in moments]
    assert scale.distinct_columns(moments) == columns == sorted(set(each))
    assert scale.columns(scale.offsets(moments)) == each
