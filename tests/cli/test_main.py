"""The command line through click's CliRunner: outputs, exit codes, one-line errors, redaction, help."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click
import pandas as pd
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from analyzer import load_requests
from analyzer.cli import cli
from analyzer.cli.docs import DOCS, cli_markdown, columns_markdown
from analyzer.model import CLASSIFY_KEYS
from tests.factories import GET_URL, LIST_URL, WATCH_URL, har_bytes, make_entry

REPO = Path(__file__).resolve().parents[2]
SAMPLES = REPO / "samples"
SAMPLE = SAMPLES / "detail-page-refresh.har"


def run(*args: str, input: bytes | None = None) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), input=input)
    return result.exit_code, result.stdout, result.stderr


def test_classify_json_has_exactly_the_documented_keys() -> None:
    code, out, _ = run("classify", "--format", "json", GET_URL, LIST_URL, WATCH_URL, "/static/app.js")
    assert code == 0
    rows = json.loads(out)
    assert [list(r) for r in rows] == [list(CLASSIFY_KEYS)] * 4
    assert [r["verb"] for r in rows] == ["get", "list", "watch", None]
    assert rows[2]["resource_version"] == "5937358" and rows[2]["timeout_seconds"] == 59
    assert rows[2]["allow_watch_bookmarks"] is True and rows[1]["name"] == "asm-cal3"
    assert rows[3]["k8s"] is False and rows[3]["is_resource_request"] is False


def test_classify_method_and_table() -> None:
    code, out, _ = run("classify", "--method", "DELETE", "/api/v1/namespaces/a/pods")
    assert code == 0 and json.loads(out)[0]["verb"] == "deletecollection"
    code, out, _ = run("classify", "--format", "table", WATCH_URL)
    assert code == 0 and "watch" in out and "microservices" in out


def test_custom_prefix_on_the_command_line_and_in_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = "/my-proxy/prod/api/v1/namespaces/a/pods?watch=1"
    assert json.loads(run("classify", url)[1])[0]["k8s"] is False
    row = json.loads(run("classify", "--prefix", "/my-proxy/{cluster}/", url)[1])[0]
    assert (row["verb"], row["cluster"], row["console"]) == ("watch", "prod", "custom")
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text('[tool.har-analyzer]\nprefixes = ["/my-proxy/{cluster}/"]\n')
    assert json.loads(run("classify", url)[1])[0]["cluster"] == "prod"
    (tmp_path / "har-analyzer.toml").write_text('prefix = ["/x/"]\n')
    code, _, err = run("classify", url)
    assert code == 2 and "unknown key 'prefix'" in err and len(err.strip().splitlines()) == 1


def test_requests_formats_on_the_sample(tmp_path: Path) -> None:
    code, out, _ = run("requests", str(SAMPLE), "--format", "jsonl")
    assert code == 0
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 13 and [r["index"] for r in rows] == list(range(13))
    assert sum(r["verb"] == "watch" for r in rows) == 1 and sum(r["verb"] == "get" for r in rows) == 8
    code, out, _ = run("requests", str(SAMPLE), "--k8s-only", "--format", "json")
    assert code == 0 and len(json.loads(out)) == 9
    code, out, _ = run("requests", str(SAMPLE), "--format", "csv")
    assert code == 0 and out.splitlines()[0].startswith('"index","started","ended"') and len(out.splitlines()) == 14
    target = tmp_path / "r.parquet"
    code, _, _ = run("requests", str(SAMPLE), "--format", "parquet", "-o", str(target))
    table = pq.read_table(target)
    assert code == 0 and table.num_rows == 13 and "verb" in table.column_names


def test_requests_table_view_and_stdin() -> None:
    code, out, _ = run("requests", "-", "--k8s-only", input=gzip.compress(SAMPLE.read_bytes()))
    assert code == 0 and "calico3/asm.alauda.io/v1beta3/testhl/microservices/asm-cal3" in out
    assert out.rstrip().endswith("9 requests")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        pytest.param(b'{"creator": {}, "version": "1.2"}',
                     "bad.har: not a HAR file: no log.entries (top-level keys: creator, version)", id="not-har"),
        pytest.param(b"{oops", "bad.har: not valid JSON", id="not-json"),
    ],
)  # fmt: skip
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.har"
    path.write_bytes(content)
    code, out, err = run("requests", str(path))
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err


def test_missing_file_exit_2() -> None:
    code, _, err = run("requests", "/nonexistent/capture.har")
    assert code == 2 and err.strip() == "Error: /nonexistent/capture.har: no such file"


def test_truncated_capture_warns_and_exits_0(tmp_path: Path) -> None:
    whole = har_bytes([make_entry(), make_entry(**{"request.url": WATCH_URL})])
    path = tmp_path / "cut.har"
    path.write_bytes(whole[: whole.index(b"5937358")])
    code, out, err = run("requests", str(path), "--format", "jsonl")
    assert code == 0 and len(out.splitlines()) == 1 and "cut off" in err


def test_secrets_are_redacted_unless_asked(tmp_path: Path) -> None:
    path = tmp_path / "t.har"
    path.write_bytes(har_bytes([make_entry(**{"request.url": f"{GET_URL}?access_token=s3cret&x=1"})]))
    _, out, _ = run("requests", str(path), "--format", "jsonl")
    assert "s3cret" not in out and "access_token=REDACTED&x=1" in out
    _, out, _ = run("--show-secrets", "requests", str(path), "--format", "jsonl")
    assert "access_token=s3cret" in out
    _, out, _ = run("classify", "/api/v1/pods?token=abc")
    assert "abc" not in out


def test_python_dash_m_runs_the_cli() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "analyzer", "classify", "/api/v1/pods"], capture_output=True, text=True
    )
    assert done.returncode == 0 and json.loads(done.stdout)[0]["verb"] == "list"


COMMANDS = [
    "requests",
    "classify",
    "navigations",
    "connections",
    "streams",
    "analyze",
    "record",
    "check",
    "diff",
    "report",
    "sanitize",
    "batch",
    "query",
    "trend",
]


def test_every_command_is_listed() -> None:
    ctx = click.Context(cli)
    assert cli.list_commands(ctx) == sorted(COMMANDS)
    assert all(cli.get_command(ctx, name) is not None for name in COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    code, out, _ = run(command, "--help")
    assert code == 0 and "Examples:" in out and f"har-analyzer {command}" in out


def test_docs_are_generated_and_current() -> None:
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == cli_markdown(), "run: python -m analyzer.cli.docs"
    assert (DOCS / "columns.md").read_text(encoding="utf-8") == columns_markdown()


@pytest.mark.parametrize("command", ["navigations", "connections", "streams"])
def test_traffic_commands_in_every_format(command: str, tmp_path: Path) -> None:
    code, out, _ = run(command, str(SAMPLE), "--format", "json")
    assert code == 0
    payload = json.loads(out)
    assert payload["capture"]["entries"] == 13 and command in payload
    code, out, _ = run(command, str(SAMPLE))
    assert code == 0 and out.strip()
    target = tmp_path / f"{command}.csv"
    code, _, _ = run(command, str(SAMPLE), "--format", "csv", "-o", str(target))
    assert code == 0 and target.read_text().splitlines()[0].startswith(("index,", "id,"))


def test_navigations_streams_and_connections_of_the_sample() -> None:
    navigations = json.loads(run("navigations", str(SAMPLE), "--format", "json")[1])["navigations"]
    assert [(n["index"], n["trigger"], n["requests"]) for n in navigations] == [(0, "initial", 4), (1, "reload", 9)]
    streams = json.loads(run("streams", str(SAMPLE), "--k8s-only", "--format", "json")[1])["streams"]
    assert [(s["index"], s["kind"], s["ended_by"], s["timeout_seconds"]) for s in streams] == [
        (3, "watch", "complete", 59),
    ]
    connections = json.loads(run("connections", str(SAMPLE), "--format", "json")[1])
    assert [c["reused_by"] for c in connections["connections"] if c["id"] == "102"] == [[1]]
    assert connections["saturation"] == []


# `analyze --fail-on`: poll-list's one finding is a warning (polling-instead-of-watch), http2-multiplexed has none.
@pytest.mark.parametrize(
    ("sample", "fail_on", "exit_code"),
    [
        pytest.param("poll-list", "warning", 1, id="a-warning-fails-fail-on-warning"),
        pytest.param("poll-list", "info", 1, id="a-warning-fails-fail-on-info"),
        pytest.param("poll-list", "error", 0, id="a-warning-passes-fail-on-error"),
        pytest.param("http2-multiplexed", "info", 0, id="no-finding-passes-fail-on-info"),
    ],
)
def test_analyze_fail_on_exits_1_on_a_finding_that_severe(sample: str, fail_on: str, exit_code: int) -> None:
    path = str(SAMPLES / f"{sample}.har")
    code, out, err = run("analyze", path, "--format", "json", "--fail-on", fail_on)
    assert (code, err) == (exit_code, "")
    severities = {f["severity"] for f in json.loads(out)["findings"]}  # the report is written either way
    assert severities == ({"warning"} if sample == "poll-list" else set())


def test_analyze_users_prices_each_page_load_for_n_open_pages() -> None:
    path = str(SAMPLES / "detail-watch-then-poll.har")
    code, out, _ = run("analyze", path, "--users", "200", "--format", "json")
    assert code == 0
    report = json.loads(out)
    resources = {n["index"]: n["resources"] for n in report["navigations"]}
    costs = report["summary"]["cost"]["per_navigation"]
    assert report["summary"]["cost"]["users"] == 200 and [c["navigation"] for c in costs] == [0, 1]
    for cost in costs:
        polled = [r for r in resources[cost["navigation"]] if "poll" in r["mode"]]
        assert cost["users"] == 200
        # both loads lasted under a minute: no rate of all their requests to multiply
        assert cost["requests_per_min"] is None and "api_requests_per_min" not in cost
        # a poll's rate is its measured interval, known however short the load
        polling = sum(60 / r["poll_interval_s"] for r in polled) * 200
        assert cost["polling_requests_per_min"] == pytest.approx(polling, abs=0.1)
        assert cost["if_watched_requests_per_min"] == len(polled) * 200  # a watched resource: 1 request a minute
    # load 0 watched the object; after the reload, load 1 polled it about every 5 s
    assert [(c["polling_requests_per_min"], c["if_watched_requests_per_min"]) for c in costs] == [
        (0, 0),
        (2399.0, 200.0),
    ]
    code, out, _ = run("analyze", path, "--format", "json")
    without = json.loads(out)["summary"]["cost"]
    assert code == 0 and without["users"] is None
    assert all("users" not in c and "api_requests_per_min" not in c for c in without["per_navigation"])


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_analyze_users_shows_the_projection_in_the_views(fmt: str) -> None:
    path = str(SAMPLES / "detail-watch-then-poll.har")
    code, out, _ = run("analyze", path, "--users", "200", "--format", fmt)
    assert code == 0
    assert "rojected for 200 users (a watched resource costs 1 request a minute)" in out
    assert "2399" in out and "not projected" in out
    code, out, _ = run("analyze", path, "--format", fmt)
    assert code == 0 and "rojected for" not in out


def test_report_users_shows_the_projection_in_every_view(tmp_path: Path) -> None:
    path = str(SAMPLES / "detail-watch-then-poll.har")
    code, out, _ = run("report", path, "--users", "3", "-o", str(tmp_path / "r"))
    assert code == 0 and "projected for 3 users" in out
    page = (tmp_path / "r" / "index.html").read_text(encoding="utf-8")
    markdown = (tmp_path / "r" / "summary.md").read_text(encoding="utf-8")
    assert "Projected for 3 users" in page and "under a minute: not projected" in page
    assert "Projected for 3 users" in markdown and "| 36 | 36 | 3 | 0 | 3 |" in markdown


def _plain(value: Any) -> Any:
    """A request-table cell as JSON would show it: a missing value is None (pandas writes NA, NaN or None)."""
    return None if pd.isna(value) else value


def _decoded(row: dict[str, Any]) -> dict[str, Any]:
    """A row of `requests --format json`, its times parsed back (JSON writes `...Z`, pandas holds Timestamps)."""
    times = {k: datetime.fromisoformat(row[k]) for k in ("started", "ended") if row[k] is not None}
    return {**row, **times}


@pytest.mark.parametrize(
    ("har", "prefixes"),
    [
        pytest.param(SAMPLE, (), id="sample"),
        pytest.param(None, ("/my-proxy/{cluster}/",), id="custom-prefix"),
    ],
)
def test_load_requests_returns_the_rows_of_the_requests_command(
    har: Path | None, prefixes: tuple[str, ...], tmp_path: Path
) -> None:
    if har is None:
        har = tmp_path / "proxy.har"
        urls = ["https://h/my-proxy/prod/api/v1/namespaces/a/pods?watch=1", "https://h/static/app.js"]
        har.write_bytes(har_bytes([make_entry(**{"request.url": url}) for url in urls]))
    options = [f"--prefix={p}" for p in prefixes]
    code, out, _ = run("requests", str(har), "--format", "json", "--show-secrets", *options)
    assert code == 0
    rows = json.loads(out)
    frame = load_requests(str(har), prefixes)
    assert list(frame.columns) == list(rows[0])
    assert [{k: _plain(v) for k, v in r.items()} for r in frame.to_dict("records")] == [_decoded(r) for r in rows]
    assert prefixes == () or frame["cluster"].tolist()[0] == "prod"  # the prefix was applied


def test_an_unexpected_error_is_one_line_exit_2_and_traceback_reraises(monkeypatch: pytest.MonkeyPatch) -> None:
    import analyzer.k8s.request_table

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the table broke")

    monkeypatch.setattr(analyzer.k8s.request_table, "request_table", broken)
    code, out, err = run("requests", str(SAMPLE))
    assert (code, out) == (2, "")
    assert err == "Error: internal error: RuntimeError: the table broke (rerun with --traceback)\n"
    result = CliRunner().invoke(cli, ["requests", str(SAMPLE), "--traceback"])
    assert result.exit_code == 1 and isinstance(result.exception, RuntimeError)
    assert str(result.exception) == "the table broke"
