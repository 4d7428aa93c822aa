"""Record a capture with a real Chromium driven by Playwright: load, wait, reload, and write the HAR.

`record_capture(plan)` launches the browser at `plan.browser_path` (headless, with the flags this kind of
machine needs), records Playwright's HAR and Chrome's CDP Network events side by side, follows the plan
(settings written before a reload, reloads at given seconds, a total duration), then writes the HAR with
Chrome's connection ids, initiators (with async stacks) and DevTools timings added (`analyzer.record.merge`).
The page's console lines come back in the result, with the times of the reloads, so a caller can tell what
the page itself did.
`record_capture(plan, is_enriched=False)` drives the same plan but writes Playwright's own HAR untouched (no
CDP session at all): the plain `record_har` writer of the samples.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from analyzer.errors import AnalyzerError
from analyzer.record.defaults import DEFAULT_BROWSER, INSTALL_HINT, WAIT_UNTIL
from analyzer.record.merge import MergeStats, add_chrome_fields
from analyzer.record.network import NetworkLog

# How many async parents Chrome keeps on a stack (a request's initiator): DevTools' own value (DebuggerModel)
ASYNC_STACK_DEPTH = 32
# What this machine needs (no sandbox as root, no GPU, no QUIC, no calls home on a closed network).
CHROMIUM_ARGS = ("--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync")  # fmt: skip


class RecordError(AnalyzerError):
    """The recording could not be made: no browser, no Playwright, a URL that does not answer."""


@dataclass(frozen=True)
class RecordPlan:
    """What to record. Times are seconds from the start of the first load."""

    url: str
    output: Path
    browser_path: Path = DEFAULT_BROWSER
    duration: float = 10.0  # the whole recording, first load to closing the browser
    reload_after: tuple[float, ...] = ()
    cookies: tuple[tuple[str, str], ...] = ()  # set before the first load
    local_storage_before_reload: tuple[tuple[str, str], ...] = ()  # written before the first reload
    cookies_before_reload: tuple[tuple[str, str], ...] = ()
    wait_until: str = "load"
    ignore_certificate_errors: bool = False
    navigation_timeout: float = 15.0
    keep_secrets: bool = False  # False: the HAR is written sanitized (`analyzer.sanitize`), cookies set here too


@dataclass(frozen=True)
class ConsoleLine:
    time: float  # wall clock, seconds since the epoch (when the recorder saw it)
    type: str  # log, warning, error, ...
    text: str


@dataclass
class RecordResult:
    output: Path
    entries: int
    browser_version: str
    started: float  # wall clock of the first load's start
    reloads: list[float] = field(default_factory=list)  # wall clock of each reload's start
    ended: float = 0.0  # wall clock when the browser began closing (requests still open stay unfinished)
    console: list[ConsoleLine] = field(default_factory=list)
    merge: MergeStats | None = None
    sanitized: Counter[str] | None = None  # what was replaced, by kind; None under keep_secrets


def record_capture(plan: RecordPlan, *, is_enriched: bool = True) -> RecordResult:
    """Record `plan.url` into `plan.output` (a HAR 1.2 file).

    Args:
        plan: what to load, when to reload, how long to record.
        is_enriched: add Chrome's CDP network fields (connection ids, initiators, DevTools timings); False writes
            Playwright's `record_har` file byte for byte, with no CDP session opened beside it.

    Raises:
        RecordError: no browser at `plan.browser_path`, Playwright missing, or the URL does not answer.
    """
    _check(plan)
    import asyncio  # here, not at the top: the CLI imports this module on every command

    return asyncio.run(_record(plan, is_enriched))


def _check(plan: RecordPlan) -> None:
    if not (plan.browser_path.is_file() and os.access(plan.browser_path, os.X_OK)):
        raise RecordError(f"no browser at {plan.browser_path}: {INSTALL_HINT}")
    try:
        import playwright  # noqa: F401
    except ImportError:
        raise RecordError("recording needs Playwright: pip install 'har-analyzer[record]'") from None
    if any(at >= plan.duration for at in plan.reload_after):
        raise RecordError(f"--reload-after must be less than --duration ({plan.duration:g} s)")
    if plan.wait_until not in WAIT_UNTIL:
        raise RecordError(f"--wait-until must be one of {', '.join(WAIT_UNTIL)}")


async def _record(plan: RecordPlan, is_enriched: bool) -> RecordResult:
    from playwright.async_api import Error as PlaywrightError
    from playwright.async_api import async_playwright

    with tempfile.TemporaryDirectory(prefix="har-record-") as tmp:
        raw_har = Path(tmp) / "playwright.har"
        network = NetworkLog() if is_enriched else None
        async with async_playwright() as driver:
            args = [*CHROMIUM_ARGS, *(["--ignore-certificate-errors"] if plan.ignore_certificate_errors else [])]
            try:
                browser = await driver.chromium.launch(executable_path=str(plan.browser_path), headless=True,
                                                       args=args)  # fmt: skip
            except PlaywrightError as error:
                raise RecordError(f"{plan.browser_path}: the browser did not start: {_first_line(error)}") from None
            try:
                result = RecordResult(plan.output, 0, browser.version, started=time.time())
                context = await browser.new_context(record_har_path=str(raw_har), record_har_content="embed",
                                                    ignore_https_errors=plan.ignore_certificate_errors,
                                                    service_workers="block")  # fmt: skip
                await _run(plan, context, network, result)
            finally:
                await browser.close()
        _write(raw_har, plan, network, result)
    return result


def _write(raw_har: Path, plan: RecordPlan, network: NetworkLog | None, result: RecordResult) -> None:
    """Playwright's HAR with Chrome's fields merged in, or (no network log) as Playwright wrote it; its secrets
    replaced unless `plan.keep_secrets` (a capture with none is written as it would be without sanitizing)."""
    har = json.loads(raw_har.read_text(encoding="utf-8"))
    output = plan.output
    output.parent.mkdir(parents=True, exist_ok=True)
    if network is not None:
        result.merge = add_chrome_fields(har, network.requests, network.websockets)
    if not plan.keep_secrets:
        from analyzer.sanitize import sanitize

        sanitized = sanitize(har)
        result.sanitized = sanitized.counts
        har = sanitized.document if sanitized.counts else har
    if network is None and not result.sanitized:
        shutil.copyfile(raw_har, output)
    else:
        output.write_text(json.dumps(har, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    result.entries = len(har["log"]["entries"])


async def _run(plan: RecordPlan, context: Any, network: NetworkLog | None, result: RecordResult) -> None:
    from playwright.async_api import Error as PlaywrightError

    if plan.cookies:
        await context.add_cookies([{"name": n, "value": v, "url": plan.url} for n, v in plan.cookies])
    page = await context.new_page()
    if network is not None:
        await _open_cdp(context, page, network)
    page.on("console", lambda message: result.console.append(ConsoleLine(time.time(), message.type, message.text)))
    clock = time.monotonic()
    result.started = time.time()
    timeout_ms = plan.navigation_timeout * 1000
    try:
        await page.goto(plan.url, wait_until=plan.wait_until, timeout=timeout_ms)
    except PlaywrightError as error:
        raise RecordError(f"{plan.url}: does not answer: {_first_line(error)}") from None
    for number, at in enumerate(sorted(plan.reload_after)):
        await _sleep(max(clock + at - time.monotonic(), 0))
        if number == 0:
            await _write_settings(plan, context, page)
        result.reloads.append(time.time())
        await page.reload(wait_until=plan.wait_until, timeout=timeout_ms)
    await _sleep(max(clock + plan.duration - time.monotonic(), 0))
    result.ended = time.time()
    await context.close()  # Playwright writes the HAR here


async def _open_cdp(context: Any, page: Any, network: NetworkLog) -> None:
    """A CDP session of the page that feeds `network`, with async stacks on before the first load.

    Chrome adds the async parents (`stack.parent`) to an initiator only while some client asked for async
    stacks. DevTools asks through the Debugger domain; the Runtime domain does the same here without enabling
    the debugger, which would pause the page at any `debugger;` statement with nobody there to resume it.
    """
    session = await context.new_cdp_session(page)
    network.attach(session)
    await session.send("Network.enable")
    await session.send("Runtime.enable")  # Runtime.setAsyncCallStackDepth answers "not enabled" without it
    await session.send("Runtime.setAsyncCallStackDepth", {"maxDepth": ASYNC_STACK_DEPTH})


async def _write_settings(plan: RecordPlan, context: Any, page: Any) -> None:
    for name, value in plan.local_storage_before_reload:
        await page.evaluate("([k, v]) => localStorage.setItem(k, v)", [name, value])
    if plan.cookies_before_reload:
        await context.add_cookies([{"name": n, "value": v, "url": page.url} for n, v in plan.cookies_before_reload])


def _first_line(error: BaseException) -> str:
    text = str(error).strip().splitlines()
    line = text[0] if text else type(error).__name__
    return line.removeprefix("Page.goto: ").removeprefix("BrowserType.launch: ")


async def _sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)
