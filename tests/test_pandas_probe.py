"""The requests command builds and writes Arrow without importing pandas; pandas still works afterwards."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from analyzer.cli import cli
from tests.conftest import REPO

_SCRIPT = """
import sys
from analyzer.cli import cli
cli.main(args=["requests", sys.argv[1], "--format", "parquet", "-o", sys.argv[2]], standalone_mode=False)
assert "pandas" not in sys.modules, "requests imported pandas"
import pyarrow.parquet as pq
frame = pq.read_table(sys.argv[2]).to_pandas()  # pyarrow asks for pandas again, and finds it
assert "pandas" in sys.modules and len(frame) > 0
print("ok")
"""


def test_requests_never_imports_pandas(tmp_path: object) -> None:
    out = f"{tmp_path}/requests.parquet"
    sample = REPO / "samples" / "detail-watch-then-poll.har"
    done = subprocess.run([sys.executable, "-c", _SCRIPT, str(sample), out], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


# `main` (the console script) runs `requests` as the process's one command: numpy and pandas stay unimported
# in every output format, and the output is the same as in-process.
_MAIN = """
import os, sys
from analyzer import cli
real_exit = os._exit
def report_and_exit(code):
    print(sorted(name for name in ("numpy", "pandas") if name in sys.modules), flush=True)
    real_exit(code)
os._exit = report_and_exit
cli.main(sys.argv[1:])
"""


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "jsonl", "parquet"])
def test_console_script_requests_never_imports_numpy_or_pandas(tmp_path: Path, fmt: str) -> None:
    sample = REPO / "samples" / "detail-watch-then-poll.har"
    out = tmp_path / f"requests.{fmt}"
    args = ["requests", str(sample), "--format", fmt, "-o", str(out)]
    done = subprocess.run([sys.executable, "-c", _MAIN, *args], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    in_process = CliRunner().invoke(cli, [*args[:-1], str(tmp_path / f"in-process.{fmt}")])
    assert in_process.exit_code == 0, in_process.output
    assert out.read_bytes() == (tmp_path / f"in-process.{fmt}").read_bytes()


def test_arrow_only_process_fails_cleanly_on_numpy_and_pandas() -> None:
    script = """
from analyzer.pandas_probe import arrow_only_process
arrow_only_process()
import pyarrow as pa
table = pa.table({"a": [1, 2]})
for convert in (table.to_pandas, table.column("a").to_numpy):
    try:
        convert()
    except ImportError:
        print("ImportError")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=REPO)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ImportError", "ImportError"]
