"""The command line through click's CliRunner: outputs, exit codes, one-line errors, redaction, help."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
from pathlib import Path

import click
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from analyzer.cli import cli
from analyzer.cli_docs import DOCS, cli_markdown, columns_markdown
from analyzer.model import CLASSIFY_KEYS
from tests.factories import GET_URL, LIST_URL, WATCH_URL, har_bytes, make_entry

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "samples" / "detail-page-refresh.har"


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
    assert (DOCS / "cli.md").read_text(encoding="utf-8") == cli_markdown(), "run: python -m analyzer.cli_docs"
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
