"""Every output format, one module each; the registries below are what the commands choose from.

A renderer turns a typed result into either bytes (JSON, Markdown, JUnit, CSV...) or a drawing on a rich
`Console` (the terminal view, which the CLI sizes and colours for its stream). Modules are imported when a
format is asked for, so that a command pays only for the format it writes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Protocol

from analyzer.settings import DEFAULT_MAX_TEXT_LENGTH

if TYPE_CHECKING:
    from rich.console import Console

    from analyzer.fleet.trend import Trend
    from analyzer.gate.check import CheckResult
    from analyzer.gate.fail_on import DiffOutcome
    from analyzer.render.traffic import TrafficView
    from analyzer.summary import Summary


class AnalysisRenderer(Protocol):
    """A view of one (redacted) summary; `max_text`: the most characters of one capture string it shows
    (`Settings.max_text_length`), ignored by the data formats, which keep whole values."""

    def __call__(
        self, summary: Summary, *, max_text: int = ...
    ) -> bytes | Iterator[bytes] | Callable[[Console], None]: ...


def _analysis_table(summary: Summary, *, max_text: int = DEFAULT_MAX_TEXT_LENGTH) -> Callable[[Console], None]:
    from analyzer.render.terminal import ANALYSIS_FIELDS, render_analysis
    from analyzer.render.text_safety import cut_strings

    shown = cut_strings(summary, max_text, fields=ANALYSIS_FIELDS)
    return lambda console: render_analysis(shown, console)


def _analysis_json(summary: Summary, *, max_text: int = DEFAULT_MAX_TEXT_LENGTH) -> Iterator[bytes]:
    from analyzer.render.json import json_pieces

    # Data: whole values (docs/security.md, "Long strings"). In pieces, written as they are made: a big
    # capture's document is never in memory whole.
    return json_pieces(summary)


def _analysis_markdown(summary: Summary, *, max_text: int = DEFAULT_MAX_TEXT_LENGTH) -> bytes:
    from analyzer.render.markdown import render_analysis_markdown
    from analyzer.render.text_safety import cut_strings

    return render_analysis_markdown(cut_strings(summary, max_text)).encode("utf-8")


# The views of one analysis (`analyze --format`, `report --format`).
ANALYSIS_RENDERERS: dict[str, AnalysisRenderer] = {
    "table": _analysis_table,
    "json": _analysis_json,
    "markdown": _analysis_markdown,
}


def _check_table(result: CheckResult, show_secrets: bool) -> Callable[[Console], None]:
    from analyzer.render.gate_text import check_lines, draw_lines

    return draw_lines(check_lines(result, show_secrets=show_secrets))


def _check_json(result: CheckResult, show_secrets: bool) -> bytes:
    from analyzer.render.gate_json import check_document
    from analyzer.render.json import encode_json

    return encode_json(check_document(result, show_secrets=show_secrets))


def _check_markdown(result: CheckResult, show_secrets: bool) -> bytes:
    from analyzer.render.gate_markdown import render_check_markdown

    return render_check_markdown(result, show_secrets=show_secrets).encode("utf-8")


def _check_junit(result: CheckResult, show_secrets: bool) -> bytes:
    from analyzer.render.junit import render_junit

    return render_junit(result, show_secrets=show_secrets)


# The views of a `check` (also its `--junit FILE` and `--markdown FILE` copies); URLs redacted unless asked.
CHECK_RENDERERS: dict[str, Callable[[CheckResult, bool], bytes | Callable[[Console], None]]] = {
    "table": _check_table,
    "json": _check_json,
    "markdown": _check_markdown,
    "junit": _check_junit,
}


def _diff_table(outcome: DiffOutcome, show_secrets: bool) -> Callable[[Console], None]:
    from analyzer.render.gate_text import diff_lines, draw_lines

    return draw_lines(
        diff_lines(outcome.diff, outcome.tripped, outcome.conditions, show_secrets=show_secrets, doubts=outcome.doubts)
    )


def _diff_json(outcome: DiffOutcome, show_secrets: bool) -> bytes:
    from analyzer.render.gate_json import diff_document
    from analyzer.render.json import encode_json

    document = diff_document(
        outcome.diff,
        outcome.conditions,
        outcome.tripped,
        show_secrets=show_secrets,
        doubts=outcome.doubts,
        failed=outcome.failed,
    )
    return encode_json(document)


def _diff_markdown(outcome: DiffOutcome, show_secrets: bool) -> bytes:
    from analyzer.render.gate_markdown import render_diff_markdown

    text = render_diff_markdown(
        outcome.diff, outcome.conditions, outcome.tripped, show_secrets=show_secrets, doubts=outcome.doubts
    )
    return text.encode("utf-8")


# The views of a `diff`.
DIFF_RENDERERS: dict[str, Callable[[DiffOutcome, bool], bytes | Callable[[Console], None]]] = {
    "table": _diff_table,
    "json": _diff_json,
    "markdown": _diff_markdown,
}


def _traffic_table(view: TrafficView) -> Callable[[Console], None]:
    from analyzer.render.text_safety import cut_strings
    from analyzer.render.traffic import render_table

    shown = cut_strings(view)  # the JSON and CSV views keep whole values
    return lambda console: render_table(shown, console)


def _traffic_json(view: TrafficView) -> bytes:
    from analyzer.render.traffic import render_json

    return render_json(view)


def _traffic_csv(view: TrafficView) -> bytes:
    from analyzer.render.traffic import render_csv

    return render_csv(view).encode("utf-8")


# The views of `navigations`, `connections` and `streams`.
TRAFFIC_RENDERERS: dict[str, Callable[[TrafficView], bytes | Callable[[Console], None]]] = {
    "table": _traffic_table,
    "json": _traffic_json,
    "csv": _traffic_csv,
}


def _trend_table(trend: Trend, *, everything: bool = False, max_text: int = DEFAULT_MAX_TEXT_LENGTH,
                 ) -> Callable[[Console], None]:  # fmt: skip
    from analyzer.render.text_safety import cut_strings
    from analyzer.render.trend_text import render_trend

    shown = cut_strings(trend, max_text)
    return lambda console: render_trend(shown, console, everything=everything)


def _trend_json(trend: Trend, *, everything: bool = False, max_text: int = DEFAULT_MAX_TEXT_LENGTH) -> bytes:
    from analyzer.render.json import encode_json

    return encode_json(trend)  # data: whole values, every series


def _trend_markdown(trend: Trend, *, everything: bool = False, max_text: int = DEFAULT_MAX_TEXT_LENGTH) -> bytes:
    from analyzer.render.text_safety import cut_strings
    from analyzer.render.trend_markdown import render_trend_markdown

    return render_trend_markdown(cut_strings(trend, max_text), everything=everything).encode("utf-8")


def _trend_html(trend: Trend, *, everything: bool = False, max_text: int = DEFAULT_MAX_TEXT_LENGTH) -> bytes:
    from analyzer.render.text_safety import cut_strings
    from analyzer.render.trend_html import render_trend_html

    return render_trend_html(cut_strings(trend, max_text), everything=everything).encode("utf-8")


class TrendRenderer(Protocol):
    """A view of a trend; `everything`: every page and resource, not only those that changed (JSON always holds
    them all); `max_text`: the most characters of one string it shows."""

    def __call__(self, trend: Trend, *, everything: bool = ..., max_text: int = ...,
                 ) -> bytes | Callable[[Console], None]: ...  # fmt: skip


# The views of `trend` (`--format`), and the files of `trend -o DIR`.
TREND_RENDERERS: dict[str, TrendRenderer] = {
    "table": _trend_table,
    "markdown": _trend_markdown,
    "json": _trend_json,
}
TREND_FILES: dict[str, TrendRenderer] = {
    "trend.html": _trend_html,
    "trend.md": _trend_markdown,
    "trend.json": _trend_json,
}
