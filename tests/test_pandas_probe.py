"""The requests command builds and writes Arrow without importing pandas; pandas still works afterwards."""

from __future__ import annotations

import subprocess
import sys

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
