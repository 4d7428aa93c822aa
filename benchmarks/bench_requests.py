"""Time `har-analyzer requests --format parquet` end to end next to haralyzer's load of the same capture.

Each side runs in its own subprocess, so start-up and imports count, and its wall time and peak RSS are read
from that one child (`os.wait4`). Budgets: har-analyzer at least 10x faster than haralyzer, and its peak RSS at
most 1.5x the file size. Exits 1 when a budget is missed.

    python benchmarks/bench_requests.py --entries 80000
    python benchmarks/bench_requests.py --keep          # reuse benchmarks/out/devtools-200000.har
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from gen_devtools_har import write_har

import analyzer

HERE = Path(__file__).resolve().parent
MIN_SPEEDUP = 10.0
MAX_RSS_RATIO = 1.5

# haralyzer's cheapest way to every entry: parse the file, wrap each raw entry, touch the fields we read.
HARALYZER_LOAD = """
import sys
from haralyzer import HarEntry, HarParser
parser = HarParser.from_file(sys.argv[1])
count = 0
for raw in parser.har_data["entries"]:
    entry = HarEntry(raw)
    entry.url, entry.startTime, entry.time, entry.status
    count += 1
print(count)
"""


@dataclass(frozen=True)
class Run:
    """One measured subprocess."""

    label: str
    seconds: float  # wall time, start to exit
    peak_mb: float  # maximum resident set size of the child (MB, 10^6 bytes): its largest process
    tree_mb: float  # the most its processes held at once (the child and its workers), sampled every 10 ms
    stdout: str


def measure(label: str, command: list[str]) -> Run:
    """Run `command` to completion; raise SystemExit with its stderr when it fails."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err)
        sampler = TreeSampler(child.pid)
        sampler.start()
        # wait4 gives the rusage of this one child (RUSAGE_CHILDREN would mix in the earlier runs); its
        # ru_maxrss is that of the largest of the child and the worker processes it waited for.
        _, status, usage = os.wait4(child.pid, 0)
        seconds = time.perf_counter() - started
        sampler.join()
        child.returncode = code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if code != 0:
            raise SystemExit(f"{label} failed ({code}): {err.read().decode(errors='replace').strip()}")
        return Run(label, seconds, usage.ru_maxrss * 1024 / 1e6, sampler.peak / 1e6, out.read().decode().strip())


class TreeSampler(threading.Thread):
    """The peak of the summed RSS of a process and its descendants, read from /proc every 10 ms (Linux)."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid, self.peak = pid, 0

    def run(self) -> None:
        while (total := _tree_rss(self.pid)) is not None:
            self.peak = max(self.peak, total)
            time.sleep(0.01)


def _tree_rss(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as status:
            fields = dict(line.split(":", 1) for line in status)
        if fields.get("State", "").strip().startswith("Z"):
            return None  # exited, not yet reaped
        with open(f"/proc/{pid}/task/{pid}/children") as listing:
            children = [int(c) for c in listing.read().split()]
    except (FileNotFoundError, ProcessLookupError, ValueError):
        return None
    rss = int(fields.get("VmRSS", "0 kB").split()[0]) * 1024
    return rss + sum(_tree_rss(child) or 0 for child in children)


def har_analyzer_command() -> list[str]:
    """The installed command, its bytecode written first (`write_bytecode`)."""
    write_bytecode()
    exe = shutil.which("har-analyzer") or str(Path(sys.executable).with_name("har-analyzer"))
    return [exe] if Path(exe).exists() else [sys.executable, "-m", "analyzer"]


@cache
def write_bytecode() -> None:
    """Compile the package once: an install from a wheel has its bytecode, but an editable install (a clone's)
    writes it on the first run, and not at all under PYTHONDONTWRITEBYTECODE, where every run would compile the
    package (0.2-0.4 s, measured here)."""
    compileall.compile_dir(Path(analyzer.__file__).parent, quiet=1)


def parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


def capture_for(out: Path, entries: int, keep: bool) -> Path:
    capture = out / f"devtools-{entries}.har"
    if keep and capture.exists():
        print(f"reusing {capture}")
        warm_page_cache(capture)
        return capture
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    size = write_har(capture, entries)
    print(f"generated {capture}: {entries} entries, {size / 1e6:.1f} MB in {time.perf_counter() - started:.1f} s")
    return capture


def warm_page_cache(path: Path) -> None:
    """Read a reused capture once, untimed: pages of a file left idle get evicted, and whichever tool ran first
    would read them from disk for the other (seen here: 0.3 s more for 289 MB, after a few minutes idle)."""
    with open(path, "rb") as handle:
        while handle.read(16 << 20):
            pass


def report(ours: Run, theirs: Run, file_mb: float) -> bool:
    """Print the table and the budgets; True when every budget holds. The memory budget is checked on the
    larger of the two peaks: the largest process's, and all processes' together (sampled)."""
    speedup = theirs.seconds / ours.seconds
    ratio = max(ours.peak_mb, ours.tree_mb) / file_mb
    print(f"\n{'':<14}{'seconds':>9}{'peak MB':>10}{'all procs':>10}{'file MB':>10}{'RSS/file':>10}{'speed-up':>10}")
    for run in (ours, theirs):
        relative = f"{theirs.seconds / run.seconds:.1f}x"
        most = max(run.peak_mb, run.tree_mb)
        print(f"{run.label:<14}{run.seconds:>9.2f}{run.peak_mb:>10.0f}{run.tree_mb:>10.0f}{file_mb:>10.1f}"
              f"{most / file_mb:>10.2f}{relative:>10}")  # fmt: skip
    is_fast = speedup >= MIN_SPEEDUP
    is_lean = ratio <= MAX_RSS_RATIO
    print(f"\nspeed-up vs haralyzer: {speedup:.1f}x (budget >= {MIN_SPEEDUP:.0f}x): {'ok' if is_fast else 'MISSED'}")
    print(f"peak RSS / file size:  {ratio:.2f} (budget <= {MAX_RSS_RATIO}): {'ok' if is_lean else 'MISSED'}")
    return is_fast and is_lean


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=200_000, help="entries in the generated HAR (200000)")
    parser.add_argument("--keep", action="store_true", help="reuse the generated HAR if it exists")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="work folder (benchmarks/out/)")
    args = parser.parse_args(argv)
    capture = capture_for(args.out, args.entries, args.keep)
    file_mb = capture.stat().st_size / 1e6
    parquet = args.out / f"requests-{args.entries}.parquet"
    command = [*har_analyzer_command(), "requests", str(capture), "--format", "parquet", "-o", str(parquet)]
    print("$", " ".join(command))
    ours = measure("har-analyzer", command)
    if (rows := parquet_rows(parquet)) != args.entries:
        raise SystemExit(f"har-analyzer wrote {rows} rows, expected {args.entries}")
    print(f"$ {sys.executable} -c HARALYZER_LOAD {capture}")
    theirs = measure("haralyzer", [sys.executable, "-c", HARALYZER_LOAD, str(capture)])
    if theirs.stdout != str(args.entries):
        raise SystemExit(f"haralyzer read {theirs.stdout} entries, expected {args.entries}")
    return 0 if report(ours, theirs, file_mb) else 1


if __name__ == "__main__":
    sys.exit(main())
