"""Record the committed samples: `python -m samples.simulator.record_all [NAME ...] [--out samples]`.

For each scenario: start a fresh simulator (so resourceVersions start at the brief's 5937358), record the
console page with a real Chromium (`analyzer.record`), then write `<name>.har` and `<name>.expected.json`
— the latter from the page's and the simulator's logs only — and check that the run showed the findings
the scenario is built for. Needs `pip install -e '.[record,simulator]'` and /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from analyzer.record import RecordPlan, record_capture
from analyzer.record.defaults import DEFAULT_BROWSER
from samples.simulator.expected import build_expected, page_events
from samples.simulator.scenarios import BY_NAME, SCENARIOS, Scenario
from samples.simulator.server import Simulator, SimulatorOptions

SAMPLES = Path(__file__).resolve().parent.parent
HTTP_PORT, HTTPS_PORT = 18080, 18443  # fixed, so that re-recorded samples differ only where behaviour does


def record_scenario(scenario: Scenario, out: Path, *, browser: Path = DEFAULT_BROWSER,
                    ports: tuple[int, int] = (HTTP_PORT, HTTPS_PORT)) -> dict[str, Any]:  # fmt: skip
    """Record one scenario into `out/<name>.har` and `out/<name>.expected.json`; returns the expected dict.

    Raises:
        RuntimeError: the run did not show the findings the scenario is built for.
    """
    options = SimulatorOptions(http_port=ports[0], https_port=ports[1], churn=scenario.churn,
                               history_limit=scenario.history_limit,
                               bookmark_interval=scenario.bookmark_interval)  # fmt: skip
    har = out / f"{scenario.name}.har"
    with Simulator(options) as simulator:
        origin = simulator.https_url if scenario.secure else simulator.http_url
        plan = RecordPlan(url=origin + scenario.page, output=har, browser_path=browser, duration=scenario.duration,
                          reload_after=scenario.reload_after, cookies=scenario.cookies,
                          local_storage_before_reload=scenario.local_storage_before_reload,
                          ignore_certificate_errors=True)  # fmt: skip
        result = record_capture(plan)
        time.sleep(0.5)  # let the server see the connections the closing browser dropped
        records = simulator.log.records()
    expected = build_expected(scenario, page_events([line.text for line in result.console]), records, origin,
                              [result.started, *result.reloads], result.ended,
                              f"Chromium {result.browser_version}")  # fmt: skip
    shown = sorted({f["id"] for f in expected["findings"]})
    if shown != sorted(scenario.findings):
        raise RuntimeError(f"{scenario.name}: the run showed {shown}, not {sorted(scenario.findings)}; record again")
    path = out / f"{scenario.name}.expected.json"
    path.write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return expected


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"scenarios (default: all): {', '.join(BY_NAME)}")
    parser.add_argument("--out", type=Path, default=SAMPLES, help="directory (default: samples/)")
    parser.add_argument("--browser-path", type=Path, default=DEFAULT_BROWSER)
    parser.add_argument("--random-ports", action="store_true", help="serve on free ports, not 18080/18443")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in BY_NAME]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    ports = (0, 0) if args.random_ports else (HTTP_PORT, HTTPS_PORT)
    for scenario in [BY_NAME[n] for n in args.names] or list(SCENARIOS):
        started = time.monotonic()
        expected = record_scenario(scenario, args.out, browser=args.browser_path, ports=ports)
        size = (args.out / f"{scenario.name}.har").stat().st_size
        print(f"{scenario.name}: {len(expected['requests'])} API requests, findings "
              f"{[f['id'] for f in expected['findings']]}, {size / 1024:.0f} KiB, "
              f"{time.monotonic() - started:.0f} s", file=sys.stderr)  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
