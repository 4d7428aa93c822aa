"""A small fleet dataset, written by the real `batch` from the bundled samples, for the `query` and `trend` tests.

The page `/console/detail`, recorded by three writers in each of two scenarios of `samples/`: in runs 1-3
(`detail-reload-mid-watch`) its reload WATCHES microservices/asm-cal3 again; in runs 4-6
(`detail-watch-then-poll`, `samples/*.expected.json`: the polling switch read on the reload) its reload POLLS it.
Each capture is moved to start at 10:00 on day N of January 2026 (run N). Labels: `run=N`; `release` `v1.9` for
runs 1-3 and `v1.10` after (not numbers, and `v1.10` sorts first as text); `team` on runs 1 and 2 only. Run 6's
page URL carries an access token, which the dataset holds redacted; `run7.har` is no capture (an error row).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from click.testing import CliRunner

from analyzer.cli import cli
from tests.factories import first_start, shifted_sample

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
WATCHED, POLLED = "detail-reload-mid-watch", "detail-watch-then-poll"
RUNS = ((1, WATCHED, "samples"), (2, WATCHED, "playwright"), (3, WATCHED, "firefox"),
        (4, POLLED, "playwright"), (5, POLLED, "firefox"), (6, POLLED, "samples"))  # fmt: skip
PAGE = "/console/detail"
RESOURCE = "calico3/asm.alauda.io/v1beta3/testhl/microservices/asm-cal3"
SECRET = "fleet-secret-4f9a1c"  # in run 6's page URL: access_token=SECRET
_PAGE_URL = b"/console/detail?timeout=8"


def sample_path(scenario: str, writer: str) -> Path:
    return SAMPLES / f"{scenario}.har" if writer == "samples" else SAMPLES / writer / f"{scenario}.har"


def write_captures(folder: Path) -> Path:
    """run1.har ... run7.har in `folder`, each with its labels in a sidecar."""
    folder.mkdir(parents=True)
    for run, scenario, writer in RUNS:
        sample = sample_path(scenario, writer)
        data = shifted_sample(sample, datetime(2026, 1, run, 10, tzinfo=UTC) - first_start(sample))
        if run == 6:
            assert _PAGE_URL in data
            data = data.replace(_PAGE_URL, _PAGE_URL + f"&access_token={SECRET}".encode())
        labels = {"run": str(run), "release": "v1.9" if run <= 3 else "v1.10", **({"team": "a"} if run <= 2 else {})}
        (folder / f"run{run}.har").write_bytes(data)
        (folder / f"run{run}.har.labels.json").write_text(_json(labels))
    (folder / "run7.har").write_text("{")
    (folder / "run7.har.labels.json").write_text(_json({"run": "7"}))
    return folder


def build_fleet(root: Path) -> Path:
    """The dataset at root/fleet, from write_captures(root/captures), by `har-analyzer batch`."""
    captures = write_captures(root / "captures")
    result = CliRunner().invoke(cli, ["batch", str(captures), "-o", str(root / "fleet"), "--workers", "1"])
    assert result.exit_code == 2, result.output
    assert "1 of 7 captures could not be read" in result.stderr
    return root / "fleet"


def _json(labels: dict[str, str]) -> str:
    import json

    return json.dumps(labels)
