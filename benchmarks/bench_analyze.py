"""Time what users run — `analyze` (terminal view), `analyze --format json`, `report` — next to the practical floor
of the same file: a msgspec typed decode of the fields a watch/poll analysis needs (`FLOOR`, one process). A
`read only` row, with no budget, is what `analyze` does before its analysis (`READ_ONLY`: start-up, imports, the
read of the capture): what is left of a budget for the analysis and the view is the budget less that row.

Both sides run in one invocation, one subprocess each, in turns (floor, then each command, `--rounds` times), so
start-up and imports count and the machine's drift hits both; each figure is the median of its rounds. Peak RSS
is read two ways: the largest process (`os.wait4`'s ru_maxrss, what `/usr/bin/time` prints) and all processes
together (sampled from /proc). Budgets (issue 16): analyze <= 2x the floor, --format json <= 2.5x, report <= 4x,
peak RSS <= 1.0x the file. Exits 1 when a budget is missed.

    python benchmarks/bench_analyze.py --entries 80000
    python benchmarks/bench_analyze.py --generator shared --entries 200000   # ../shared/tools/gen_har.py
    python benchmarks/bench_analyze.py --scaling 10000,40000,160000          # time against entries
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench_requests import HERE, Run, har_analyzer_command, measure, warm_page_cache
from gen_devtools_har import write_har

SHARED_GENERATOR = HERE.parent.parent / "shared" / "tools" / "gen_har.py"
BUDGETS = {"analyze": 2.0, "analyze --format json": 2.5, "report": 4.0}
MAX_RSS_RATIO = 1.0

# The floor: what any analysis of watches and polls must at least do, decode these fields of every entry.
FLOOR = """
import sys
from typing import Optional
import msgspec
class Req(msgspec.Struct):
    method: str
    url: str
class Resp(msgspec.Struct):
    status: int
class Timings(msgspec.Struct):
    blocked: Optional[float] = None
    wait: Optional[float] = None
    receive: Optional[float] = None
class Entry(msgspec.Struct):
    startedDateTime: str
    time: float
    request: Req
    response: Resp
    timings: Timings
    pageref: Optional[str] = None
    _connectionId: Optional[str] = msgspec.field(default=None, name="_connectionId")
    connection: Optional[str] = None
class Log(msgspec.Struct):
    entries: list[Entry]
class Har(msgspec.Struct):
    log: Log
with open(sys.argv[1], "rb") as handle:
    print(len(msgspec.json.decode(handle.read(), type=Har).log.entries))
"""

# What `analyze` does before its analysis, as it does it: the CLI's settings, its imports (pandas among them), and
# the read of the capture by every CPU with the watches' events counted. No budget: it shows the share of one that
# no analysis can give back.
READ_ONLY = """
import os, sys
from analyzer.cli import settle_process
settle_process()
import analyzer.analysis.analyze, analyzer.cli.options, analyzer.redact, analyzer.render
from analyzer.analysis.watch_events import WATCH_BODIES
from analyzer.har.loader import load_capture
from analyzer.har.workers import available_workers
print(len(load_capture(sys.argv[1], workers=available_workers(), digest=WATCH_BODIES)))  # as read_for_analysis
os._exit(0)
"""


@dataclass(frozen=True)
class Figure:
    """The median of one command's rounds."""

    label: str
    seconds: float
    peak_mb: float  # the largest process
    tree_mb: float  # all processes together


def capture_for(out: Path, generator: str, entries: int) -> Path:
    """The generated capture (made once, then reused), its pages read into the cache."""
    capture = out / f"{generator}-{entries}.har"
    if not capture.exists():
        out.mkdir(parents=True, exist_ok=True)
        if generator == "shared":
            if not SHARED_GENERATOR.exists():
                raise SystemExit(f"{SHARED_GENERATOR} is not here: use --generator devtools")
            subprocess.run([sys.executable, str(SHARED_GENERATOR), str(entries), str(capture)], check=True)
        else:
            write_har(capture, entries)
        print(f"generated {capture} ({capture.stat().st_size / 1e6:.0f} MB)")
    warm_page_cache(capture)
    return capture


def commands(capture: Path, out: Path) -> dict[str, list[str]]:
    tool = har_analyzer_command()
    return {
        "floor": [sys.executable, "-c", FLOOR, str(capture)],
        "read only": [sys.executable, "-c", READ_ONLY, str(capture)],
        "analyze": [*tool, "analyze", str(capture), "-o", str(out / "analyze.txt")],
        "analyze --format json": [*tool, "analyze", str(capture), "--format", "json", "-o", str(out / "a.json")],
        "report": [*tool, "report", str(capture), "-o", str(out / "report"), "--format", "none"],
    }


def run_rounds(named: dict[str, list[str]], rounds: int) -> dict[str, Figure]:
    runs: dict[str, list[Run]] = {label: [] for label in named}
    for _ in range(rounds):
        for label, command in named.items():
            runs[label].append(measure(label, command))
    return {
        label: Figure(
            label,
            statistics.median(r.seconds for r in done),
            statistics.median(r.peak_mb for r in done),
            statistics.median(r.tree_mb for r in done),
        )
        for label, done in runs.items()
    }


def report(figures: dict[str, Figure], file_mb: float) -> bool:
    floor = figures["floor"].seconds
    print("\n| command | seconds | x floor | budget | peak MB (largest / all) | RSS / file |")
    print("|---|---|---|---|---|---|")
    holds = True
    for label, figure in figures.items():
        ratio = figure.seconds / floor
        budget = BUDGETS.get(label)
        rss = max(figure.peak_mb, figure.tree_mb) / file_mb
        if budget is not None:
            holds &= ratio <= budget and rss <= MAX_RSS_RATIO
        shown = f"<= {budget:g}x" if budget else ""
        print(f"| `{label}` | {figure.seconds:.2f} | {ratio:.1f}x | {shown} | {figure.peak_mb:.0f} / "
              f"{figure.tree_mb:.0f} | {rss:.2f} |")  # fmt: skip
    print(f"\nfile {file_mb:.0f} MB; every budget {'holds' if holds else 'is NOT met'}")
    return holds


def scaling(out: Path, generator: str, sizes: Sequence[int], rounds: int) -> None:
    """`analyze` (terminal view) against the number of entries, beside the floor: the table of the curve."""
    print("\n| entries | MB | floor s | analyze s | x floor | s per 10k entries | analyze peak MB (largest / all) |")
    print("|---|---|---|---|---|---|---|")
    for entries in sizes:
        capture = capture_for(out, generator, entries)
        with tempfile.TemporaryDirectory() as scratch:
            named = {k: v for k, v in commands(capture, Path(scratch)).items() if k in ("floor", "analyze")}
            figures = run_rounds(named, rounds)
        floor, analyze = figures["floor"].seconds, figures["analyze"].seconds
        peak = figures["analyze"]
        print(f"| {entries:,} | {capture.stat().st_size / 1e6:.0f} | {floor:.2f} | {analyze:.2f} | "
              f"{analyze / floor:.1f}x | {analyze / entries * 1e4:.3f} | "
              f"{peak.peak_mb:,.0f} / {peak.tree_mb:,.0f} |")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--entries", type=int, default=80_000, help="entries in the generated HAR (80000)")
    parser.add_argument("--generator", choices=("devtools", "shared"), default="devtools",
                        help="benchmarks/gen_devtools_har.py, or ../shared/tools/gen_har.py")  # fmt: skip
    parser.add_argument("--rounds", type=int, default=3, help="runs of each command, in turns (3)")
    parser.add_argument("--scaling", help="comma-separated entry counts: time analyze against entries instead")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="work folder (benchmarks/out/)")
    args = parser.parse_args(argv)
    if args.scaling:
        scaling(args.out, args.generator, [int(n) for n in args.scaling.split(",")], args.rounds)
        return 0
    capture = capture_for(args.out, args.generator, args.entries)
    with tempfile.TemporaryDirectory() as scratch:
        figures = run_rounds(commands(capture, Path(scratch)), args.rounds)
    print(f"{capture}: {args.rounds} rounds, medians")
    return 0 if report(figures, capture.stat().st_size / 1e6) else 1


if __name__ == "__main__":
    sys.exit(main())
