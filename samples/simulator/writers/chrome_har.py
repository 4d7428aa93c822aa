"""sitespeed.io's chrome-har fed by puppeteer-core on Debian's Chromium: runs the Node script in `chrome_har/`.

The Node project (`chrome_har/package.json`, exact versions, `package-lock.json`) is installed with `npm ci` the
first time it is needed, from the npm registry. `record.mjs` follows the plan and prints one JSON object a line:
the browser's version, the start/reload/end marks (wall clock) and the page's console lines; those become the
`RecordResult`, so the expected file is built from the page's and the simulator's logs as for `record`.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from analyzer.record import RecordError, RecordPlan, RecordResult
from analyzer.record.session import CHROMIUM_ARGS, ConsoleLine
from samples.simulator.writers import WriterUnavailable

PROJECT = Path(__file__).resolve().parent / "chrome_har"
LABEL = "chrome-har {chrome-har} + puppeteer-core {puppeteer-core}".format_map(
    json.loads((PROJECT / "package.json").read_text(encoding="utf-8"))["dependencies"]
)
INSTALL_TIMEOUT = 600.0  # s, for `npm ci` on a cold cache
EXIT_GRACE = 60.0  # s beyond the plan's duration for the browser to start, load and close


def record(plan: RecordPlan) -> RecordResult:
    """Record `plan` with chrome-har into `plan.output`.

    Raises:
        WriterUnavailable: no node or npm, or no browser at `plan.browser_path`.
        RecordError: `npm ci` or the recording failed (the message quotes npm's or the script's error).
    """
    node = _require_tools(plan)
    plan.output.parent.mkdir(parents=True, exist_ok=True)
    command = [node, str(PROJECT / "record.mjs")]
    try:
        run = subprocess.run(command, input=json.dumps(_script_plan(plan)), cwd=PROJECT, capture_output=True,
                             text=True, timeout=plan.duration + EXIT_GRACE, check=False)  # fmt: skip
    except subprocess.TimeoutExpired:
        raise RecordError(f"chrome-har: record.mjs still running {EXIT_GRACE:g} s after the plan's end") from None
    if run.returncode != 0:
        raise RecordError(f"chrome-har: record.mjs failed: {_first_line(run.stderr)}")
    return _result(plan, [json.loads(line) for line in run.stdout.splitlines() if line.startswith("{")])


def blind_spots(expected: dict[str, Any]) -> list[dict[str, Any]]:
    """The facts of this run (an expected file) that a chrome-har HAR does not show."""
    streams, requests = expected["streams"], expected["requests"]
    unwritten = [_ref(r) for r in requests if r["status"] is None or r["url"].startswith(("ws:", "wss:"))]
    written = [r for r in streams["open_at_end"] if r not in unwritten]
    spots = [_spot("response-bodies", "no response bodies (chrome-har's default, as in Browsertime): watch events, "
                   "and the 410 ERROR event of an expired watch, are not in the HAR",
                   [_ref(e) for e in streams["expired"]])]  # fmt: skip
    if unwritten:
        what = "not in the HAR: chrome-har drops a request that got no response (still queued at the end) and "
        spots.append(_spot("not-written", what + "writes no websocket", unwritten, is_written=False))
    if streams["aborted_by_navigation"]:
        spots.append(_spot("aborted-unmarked", "no `_failureText` and no end (Chrome sends no loadingFailed for a "
                           "fetch cut by a navigation): it looks like a request still open, `receive: 0`, `time` "
                           "up to the response headers; its `_chunks` stop at the cut",
                           [_ref(a) for a in streams["aborted_by_navigation"]]))  # fmt: skip
    if written:
        spots.append(_spot("open-at-end", "no end: `receive: 0`, `time` up to the response headers; "
                           "`content.size` and `_chunks` count what had come", written))  # fmt: skip
    return spots


def _spot(fact: str, what: str, requests: list[dict[str, Any]], *, is_written: bool = True) -> dict[str, Any]:
    return {"fact": fact, "what": what, "written": is_written, "requests": requests}


def _ref(fact: dict[str, Any]) -> dict[str, Any]:
    return {k: fact[k] for k in ("method", "url", "occurrence")}


def _require_tools(plan: RecordPlan) -> str:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise WriterUnavailable("chrome-har needs Node.js and npm (apt-get install nodejs npm)")
    if not plan.browser_path.is_file():
        raise WriterUnavailable(f"chrome-har needs a Chromium at {plan.browser_path} (apt-get install chromium)")
    if not (PROJECT / "node_modules" / "chrome-har").is_dir():
        install = subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=PROJECT, capture_output=True,
                                 text=True, timeout=INSTALL_TIMEOUT, check=False)  # fmt: skip
        if install.returncode != 0:
            raise RecordError(f"chrome-har: npm ci in {PROJECT} failed: {_last_line(install.stderr)}")
    return node


def _script_plan(plan: RecordPlan) -> dict[str, Any]:
    args = [*CHROMIUM_ARGS, *(["--ignore-certificate-errors"] if plan.ignore_certificate_errors else [])]
    return {
        "url": plan.url,
        "output": str(plan.output.resolve()),
        "browser_path": str(plan.browser_path),
        "args": args,
        "duration": plan.duration,
        "reload_after": list(plan.reload_after),
        "cookies": [list(c) for c in plan.cookies],
        "local_storage_before_reload": [list(s) for s in plan.local_storage_before_reload],
        "ignore_certificate_errors": plan.ignore_certificate_errors,
        "navigation_timeout": plan.navigation_timeout,
        "wait_until": plan.wait_until,
    }


def _result(plan: RecordPlan, lines: list[dict[str, Any]]) -> RecordResult:
    marks: dict[str, list[dict[str, Any]]] = {}
    for line in lines:
        if "mark" in line:
            marks.setdefault(line["mark"], []).append(line)
    if not {"browser", "started", "ended", "written"} <= marks.keys():
        raise RecordError(f"chrome-har: record.mjs stopped early (marks: {sorted(marks)})")
    return RecordResult(
        output=plan.output,
        entries=marks["written"][0]["entries"],
        browser_version=marks["browser"][0]["version"],
        started=marks["started"][0]["time"],
        reloads=[m["time"] for m in marks.get("reload", [])],
        ended=marks["ended"][0]["time"],
        console=[ConsoleLine(**line["console"]) for line in lines if "console" in line],
    )


def _first_line(text: str) -> str:
    """The message of a Node error (its stack follows it)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[0] if lines else "(no output)"


def _last_line(text: str) -> str:
    """npm's summary of what went wrong (it ends its log with it)."""
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1] if lines else "(no output)"
