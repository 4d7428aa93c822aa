"""Record the committed samples: `python -m samples.simulator.record_all [NAME ...] [--out samples] [--writer W]`.

For each scenario: start a fresh simulator (so resourceVersions start at the brief's 5937358), record the
console page with a real browser through a HAR writer (`samples.simulator.writers`; `record`, the default,
is `har-analyzer record`), then write `<name>.har` and `<name>.expected.json` — the latter from the page's
and the simulator's logs only — and check that the run showed the findings the scenario is built for.
`record`'s samples go to `samples/`, another writer's to `samples/<writer>/`; `--writer all` records with
every writer that can run here. `--gateway '/proxy/clusters/{cluster}/k8s/'` serves the API, and has the page
call it, under that path instead of the Alauda prefixes (one the analyzer does not know); such samples go to
`samples/unknown-gateway/`. Needs `pip install -e '.[record,simulator]'` and /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

from analyzer.record import RecordPlan
from analyzer.record.defaults import DEFAULT_BROWSER
from samples.simulator.expected import build_expected, page_events
from samples.simulator.scenarios import BY_NAME, SCENARIOS, Scenario
from samples.simulator.server import Simulator, SimulatorOptions
from samples.simulator.writers import WRITERS, WriterUnavailable, recorder

SAMPLES = Path(__file__).resolve().parent.parent
HTTP_PORT, HTTPS_PORT = 18080, 18443  # fixed, so that re-recorded samples differ only where behaviour does
GATEWAY_FOLDER = "unknown-gateway"  # where samples recorded with `--gateway` go


def record_scenario(scenario: Scenario, out: Path, *, browser: Path = DEFAULT_BROWSER,
                    ports: tuple[int, int] = (HTTP_PORT, HTTPS_PORT),
                    writer: str = "record", gateway: str | None = None) -> dict[str, Any]:  # fmt: skip
    """Record one scenario into `out/<name>.har` and `out/<name>.expected.json`; returns the expected dict.

    `gateway` (a prefix with `{cluster}`) is where the page calls the API, and the simulator serves it, instead
    of the Alauda prefixes.

    The check is on the page's and the simulator's logs (the expected file's findings), for every writer;
    what a writer other than `record` cannot show is listed in the file's `writer_blind_spots`.

    Raises:
        RuntimeError: the run did not show the findings the scenario is built for.
        WriterUnavailable: the writer cannot run here.
    """
    options = SimulatorOptions(http_port=ports[0], https_port=ports[1], churn=scenario.churn,
                               history_limit=scenario.history_limit,
                               bookmark_interval=scenario.bookmark_interval,
                               gateways=() if gateway is None else (gateway,))  # fmt: skip
    har = out / f"{scenario.name}.har"
    page = scenario.page if gateway is None else _with_base(scenario.page, gateway)
    with Simulator(options) as simulator:
        origin = simulator.https_url if scenario.secure else simulator.http_url
        plan = RecordPlan(url=origin + page, output=har, browser_path=browser, duration=scenario.duration,
                          reload_after=scenario.reload_after, cookies=scenario.cookies,
                          local_storage_before_reload=scenario.local_storage_before_reload,
                          ignore_certificate_errors=True)  # fmt: skip
        result = recorder(writer)(plan)
        time.sleep(0.5)  # let the server see the connections the closing browser dropped
        records = simulator.log.records()
    expected = build_expected(scenario, page_events([line.text for line in result.console]), records, origin,
                              [result.started, *result.reloads], result.ended,
                              _browser_name(writer, result.browser_version))  # fmt: skip
    if writer != "record":
        expected["writer_blind_spots"] = _blind_spots(writer, expected)
    if gateway is not None:
        expected["recorded_with"]["command"] += f" --gateway '{gateway}'"
    shown = sorted({f["id"] for f in expected["findings"]})
    if shown != sorted(scenario.findings):
        raise RuntimeError(f"{scenario.name}: the run showed {shown}, not {sorted(scenario.findings)}; record again")
    path = out / f"{scenario.name}.expected.json"
    path.write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return expected


def _with_base(page: str, gateway: str) -> str:
    """The console page told to call the API under `gateway` (its `base` parameter)."""
    return f"{page}{'&' if '?' in page else '?'}base={quote(gateway, safe='/')}"


def _browser_name(writer: str, version: str) -> str:
    """`Chromium 156.…` for `record`; another writer's module may name its browser (`BROWSER`) and itself (`LABEL`)."""
    if writer == "record":
        return f"Chromium {version}"
    module = _writer_module(writer)
    return f"{getattr(module, 'BROWSER', 'Chromium')} {version} ({getattr(module, 'LABEL', writer)})"


def _blind_spots(writer: str, expected: dict[str, Any]) -> list[dict[str, Any]]:
    """What the writer cannot show of this run's facts (its module's `blind_spots(expected)`; none if absent)."""
    find = getattr(_writer_module(writer), "blind_spots", None)
    return [] if find is None else list(find(expected))


def _writer_module(writer: str) -> Any:
    return importlib.import_module(WRITERS[writer].partition(":")[0])


def writer_folder(out: Path, writer: str) -> Path:
    """Where a writer's samples go: `out/` for `record`, `out/<writer>/` for the others."""
    return out if writer == "record" else out / writer


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"scenarios (default: all): {', '.join(BY_NAME)}")
    parser.add_argument("--out", type=Path, default=None,
                        help=f"directory (default: samples/, with --gateway samples/{GATEWAY_FOLDER}/)")  # fmt: skip
    parser.add_argument("--browser-path", type=Path, default=DEFAULT_BROWSER)
    parser.add_argument("--random-ports", action="store_true", help="serve on free ports, not 18080/18443")
    parser.add_argument("--writer", default="record", choices=[*WRITERS, "all"],
                        help="HAR writer (default: record, into samples/; others into samples/<writer>/)")  # fmt: skip
    parser.add_argument("--gateway", metavar="PREFIX",
                        help="serve and call the API under this path: '/proxy/clusters/{cluster}/k8s/'")  # fmt: skip
    args = parser.parse_args(argv)
    if args.gateway is not None and not (args.gateway.startswith("/") and args.gateway.count("{cluster}") == 1):
        parser.error("--gateway must start with '/' and hold {cluster} once, like '/proxy/clusters/{cluster}/k8s/'")
    out = args.out or (SAMPLES if args.gateway is None else SAMPLES / GATEWAY_FOLDER)
    unknown = [n for n in args.names if n not in BY_NAME]
    if unknown:
        parser.error(f"unknown scenario {', '.join(unknown)}; known: {', '.join(BY_NAME)}")
    ports = (0, 0) if args.random_ports else (HTTP_PORT, HTTPS_PORT)
    scenarios = [BY_NAME[n] for n in args.names] or list(SCENARIOS)
    for writer in list(WRITERS) if args.writer == "all" else [args.writer]:
        try:
            _record_with(writer, scenarios, out, args.browser_path, ports, args.gateway)
        except WriterUnavailable as error:
            if args.writer != "all":
                print(f"{writer}: cannot run here: {error}", file=sys.stderr)
                return 1
            print(f"{writer}: skipped: {error}", file=sys.stderr)
    return 0


def _record_with(writer: str, scenarios: list[Scenario], out: Path, browser: Path, ports: tuple[int, int],
                 gateway: str | None = None) -> None:  # fmt: skip
    folder = writer_folder(out, writer)
    folder.mkdir(parents=True, exist_ok=True)
    for scenario in scenarios:
        started = time.monotonic()
        expected = record_scenario(scenario, folder, browser=browser, ports=ports, writer=writer, gateway=gateway)
        size = (folder / f"{scenario.name}.har").stat().st_size
        name = scenario.name if writer == "record" else f"{writer}/{scenario.name}"
        print(f"{name}: {len(expected['requests'])} API requests, findings "
              f"{[f['id'] for f in expected['findings']]}, {size / 1024:.0f} KiB, "
              f"{time.monotonic() - started:.0f} s", file=sys.stderr)  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
