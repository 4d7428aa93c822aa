"""Captures per minute of `har-analyzer batch` with 1, 2 and 4 workers, next to `har-analyzer analyze` run alone on
each capture, on two fleets: the bundled samples repeated to `--copies` captures, and `--big` copies of one
generated capture of `--entries` entries (`gen_devtools_har.py`).

Every copy differs from the others by a key `"_copy": i` only (so that each is a capture of its own, with the
same analysis); every run of `batch` writes a fresh dataset, in its own subprocess, start-up included. The
figures are medians of `--rounds` runs. `analyze` runs once per capture (the samples: each bundled sample
once), its terminal view written to a file.

    python benchmarks/bench_batch.py                         # 100 sample captures, 4 copies of 80,000 entries
    python benchmarks/bench_batch.py --big 0 --copies 200    # the samples only
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from bench_analyze import capture_for
from bench_requests import HERE, har_analyzer_command, measure

SAMPLES = sorted((HERE.parent / "samples").rglob("*.har"))
WORKERS = (1, 2, 4)


@dataclass(frozen=True)
class Row:
    fleet: str
    label: str
    captures: int
    seconds: float  # median wall time of the whole run
    peak_mb: float  # all processes together

    @property
    def per_capture(self) -> float:
        return self.seconds / self.captures

    @property
    def per_minute(self) -> float:
        return self.captures / self.seconds * 60


def write_copies(folder: Path, sources: Sequence[Path], count: int) -> list[Path]:
    """`count` captures in `folder`, cycling through `sources` (HARs that start with `{`), copy i with a key
    `"_copy": i` first in its top-level object: a capture of its own, whose analysis is its source's."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for i in range(count):
        source = sources[i % len(sources)]
        target = folder / f"{i:04d}-{source.parent.name}-{source.name}"
        if not target.exists():
            with open(source, "rb") as original, open(target, "wb") as copy:
                if original.read(1) != b"{":
                    raise SystemExit(f"{source}: does not start with {{")
                copy.write(b'{"_copy": %d, ' % i)
                shutil.copyfileobj(original, copy, 1 << 20)
        written.append(target)
    return written


def time_batch(fleet: str, folder: Path, captures: int, workers: int, rounds: int) -> Row:
    runs = []
    for _ in range(rounds):
        with tempfile.TemporaryDirectory(dir=folder.parent) as scratch:
            command = [
                *har_analyzer_command(),
                "batch",
                str(folder),
                "-o",
                f"{scratch}/fleet",
                "--workers",
                str(workers),
            ]
            runs.append(measure(f"batch --workers {workers}", command))
    return Row(fleet, f"`batch --workers {workers}`", captures, statistics.median(r.seconds for r in runs),
               statistics.median(r.tree_mb for r in runs))  # fmt: skip


def time_analyze(fleet: str, captures: Sequence[Path]) -> Row:
    """`analyze` run alone on each capture, one after the other: the total over all of them."""
    runs = []
    with tempfile.TemporaryDirectory() as scratch:
        for capture in captures:
            runs.append(measure("analyze", [*har_analyzer_command(), "analyze", str(capture), "-o", f"{scratch}/a"]))
    return Row(fleet, "`analyze`, one process per capture", len(captures), sum(r.seconds for r in runs),
               max(r.tree_mb for r in runs))  # fmt: skip


def report(rows: Sequence[Row]) -> None:
    print("\n| fleet | run | captures | seconds | per capture | captures per minute | peak MB (all processes) |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for row in rows:
        print(f"| {row.fleet} | {row.label} | {row.captures} | {row.seconds:.1f} | {row.per_capture:.2f} s | "
              f"{row.per_minute:,.0f} | {row.peak_mb:,.0f} |")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--copies", type=int, default=100, help="sample captures in the small fleet (100)")
    parser.add_argument("--big", type=int, default=4, help="copies of the generated capture (4; 0: none)")
    parser.add_argument("--entries", type=int, default=80_000, help="entries of the generated capture (80000)")
    parser.add_argument("--rounds", type=int, default=1, help="runs of each batch (1)")
    parser.add_argument("--out", type=Path, default=HERE / "out", help="work folder (benchmarks/out/)")
    args = parser.parse_args(argv)
    rows = []
    small = write_copies(args.out / f"fleet-samples-{args.copies}", SAMPLES, args.copies)
    fleet = f"{args.copies} samples ({sum(p.stat().st_size for p in small) / 1e6:.0f} MB)"
    rows.append(time_analyze(fleet, small[: len(SAMPLES)]))
    rows += [time_batch(fleet, small[0].parent, len(small), w, args.rounds) for w in WORKERS]
    if args.big:
        capture = capture_for(args.out, "devtools", args.entries)
        big = write_copies(args.out / f"fleet-devtools-{args.entries}x{args.big}", [capture], args.big)
        fleet = f"{args.big} x {args.entries:,} entries ({capture.stat().st_size / 1e6:.0f} MB each)"
        rows.append(time_analyze(fleet, big[:1]))
        rows += [time_batch(fleet, big[0].parent, len(big), w, args.rounds) for w in WORKERS]
    report(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
