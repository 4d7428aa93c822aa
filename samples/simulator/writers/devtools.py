"""Chromium DevTools' own "Export HAR (sanitized)": a headful Chromium under Xvfb, its front end driven over CDP.

The tab is opened with DevTools (`--auto-open-devtools-for-tabs`); the DevTools front end is a CDP target of its
own (`devtools://devtools/bundled/…`). Before the first load the recorder evaluates `devtools/front_end.js` there:
"Preserve log" on, the Network panel shown, and the embedder's save calls (`InspectorFrontendHost.save/append/
close`) handed to the recorder through a CDP binding. The page follows the plan through Playwright (connected
over CDP, as any second client); at `plan.duration` the panel's own export code writes the HAR, piece by piece,
and the recorder writes those pieces to `plan.output` as they come. Nothing in the file is written by us.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from analyzer.record import RecordPlan, RecordResult
from analyzer.record.session import CHROMIUM_ARGS, ConsoleLine
from samples.simulator.writers import WriterUnavailable
from samples.simulator.writers.processes import scratch_folder, stop, wait_for, xvfb

FRONT_END_JS = Path(__file__).with_suffix("") / "front_end.js"
BINDING = "harRecorderSave"  # the CDP binding the front end's save calls go to
START_TIMEOUT = 20.0  # seconds for Xvfb, Chromium and the DevTools front end to come up
EXPORT_TIMEOUT = 60.0
LABEL = "DevTools Export HAR (sanitized)"


def record(plan: RecordPlan) -> RecordResult:
    """Record `plan` and write DevTools' own HAR export to `plan.output`.

    Raises:
        WriterUnavailable: no Chromium at `plan.browser_path`, no Xvfb, no Playwright, or the front end did not
            come up.
    """
    if not (plan.browser_path.is_file() and os.access(plan.browser_path, os.X_OK)):
        raise WriterUnavailable(f"no Chromium at {plan.browser_path} (apt-get install chromium)")
    try:
        import playwright  # noqa: F401
    except ImportError:
        raise WriterUnavailable("the devtools writer needs Playwright: pip install -e '.[record]'") from None
    with contextlib.ExitStack() as stack:
        profile = stack.enter_context(scratch_folder("har-devtools-"))
        endpoint = stack.enter_context(_chromium(plan, profile, stack.enter_context(xvfb())))
        return asyncio.run(_record(plan, endpoint))


def blind_spots(expected: dict[str, Any]) -> list[dict[str, Any]]:
    """The facts of this run (an expected file) that DevTools' export does not show.

    The Network panel exports only finished requests (and websockets): a watch still streaming at the export
    and one cut off by a reload (Chromium sends no failure for it) get no entry at all. A request's
    `occurrence` in the expected file counts the page's requests, so it can point past a missing one.
    """
    streams = expected["streams"]
    spots = []
    open_http = [ref for ref in streams["open_at_end"] if not ref["url"].startswith(("ws:", "wss:"))]
    if open_http:  # an open websocket is exported (status 101, its frames so far)
        spots.append(_spot("open-at-end", "no entry: DevTools exports only finished requests, and this one was "
                           "still open (or queued) at the export", open_http))  # fmt: skip
    if streams["aborted_by_navigation"]:
        refs = [{k: a[k] for k in ("method", "url", "occurrence")} for a in streams["aborted_by_navigation"]]
        spots.append(_spot("aborted", "no entry: the reload cut it off and Chromium sent no failure for it, so "
                           "DevTools kept it as unfinished and did not export it", refs))  # fmt: skip
    return spots


def _spot(fact: str, what: str, requests: list[dict[str, Any]]) -> dict[str, Any]:
    return {"fact": fact, "what": what, "written": False, "requests": requests}


@contextlib.contextmanager
def _chromium(plan: RecordPlan, profile: Path, display: str) -> Iterator[str]:
    """Headful Chromium with DevTools open on its tab; yields its CDP websocket URL."""
    args = [str(plan.browser_path), f"--user-data-dir={profile}", "--remote-debugging-port=0",
            "--remote-debugging-address=127.0.0.1", "--auto-open-devtools-for-tabs", *CHROMIUM_ARGS,
            *(["--ignore-certificate-errors"] if plan.ignore_certificate_errors else []), "about:blank"]  # fmt: skip
    browser = subprocess.Popen(args, env={**os.environ, "DISPLAY": display}, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
    try:
        active = profile / "DevToolsActivePort"  # "<port>\n<browser target path>" once it listens
        started = wait_for(lambda: len(_lines(active)) >= 2 or browser.poll() is not None, START_TIMEOUT)
        if not started or browser.poll() is not None:
            raise WriterUnavailable(f"{plan.browser_path} did not start headful under Xvfb {display}")
        port, path = _lines(active)[:2]
        yield f"ws://127.0.0.1:{port}{path}"
    finally:
        stop(browser, group=True)


def _lines(path: Path) -> list[str]:
    with contextlib.suppress(OSError):
        return path.read_text(encoding="utf-8").splitlines()
    return []


async def _record(plan: RecordPlan, endpoint: str) -> RecordResult:
    from playwright.async_api import async_playwright

    async with async_playwright() as driver:
        browser = await driver.chromium.connect_over_cdp(endpoint)
        front_end = await FrontEnd.attach(await browser.new_browser_cdp_session())
        context = browser.contexts[0]
        # Playwright lists the DevTools front end among the pages too
        page = next(p for p in context.pages if not p.url.startswith("devtools://"))
        result = RecordResult(plan.output, 0, browser.version, started=time.time())
        page.on("console", lambda message: result.console.append(ConsoleLine(time.time(), message.type, message.text)))
        await _follow(plan, context, page, result)
        result.ended = time.time()  # the export starts: what is still open is not in it
        result.entries = await front_end.export(plan.output)
        await browser.close()
    return result


async def _follow(plan: RecordPlan, context: Any, page: Any, result: RecordResult) -> None:
    """The plan, as `analyzer.record.session` follows it: cookies, first load, settings, reloads, duration."""
    if plan.cookies:
        await context.add_cookies([{"name": n, "value": v, "url": plan.url} for n, v in plan.cookies])
    timeout_ms = plan.navigation_timeout * 1000
    clock = time.monotonic()
    result.started = time.time()
    await page.goto(plan.url, wait_until=plan.wait_until, timeout=timeout_ms)
    for number, at in enumerate(sorted(plan.reload_after)):
        await asyncio.sleep(max(clock + at - time.monotonic(), 0))
        if number == 0:
            for name, value in plan.local_storage_before_reload:
                await page.evaluate("([k, v]) => localStorage.setItem(k, v)", [name, value])
            if plan.cookies_before_reload:
                cookies = [{"name": n, "value": v, "url": page.url} for n, v in plan.cookies_before_reload]
                await context.add_cookies(cookies)
        result.reloads.append(time.time())
        await page.reload(wait_until=plan.wait_until, timeout=timeout_ms)
    await asyncio.sleep(max(clock + plan.duration - time.monotonic(), 0))


class FrontEnd:
    """The DevTools front end of the recorded tab, spoken to through the browser's CDP session.

    Playwright's browser session cannot address a target in flat mode, so the front end is attached the
    classic way: commands go in `Target.sendMessageToTarget`, answers and events come back in
    `Target.receivedMessageFromTarget`.
    """

    def __init__(self, browser_session: Any, session_id: str) -> None:
        self._session = browser_session
        self._session_id = session_id
        self._ids = iter(range(1, 1 << 31))
        self._answers: dict[int, asyncio.Future[Any]] = {}
        self._saves: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        browser_session.on("Target.receivedMessageFromTarget", self._received)

    @classmethod
    async def attach(cls, browser_session: Any) -> FrontEnd:
        """Attach to the `devtools://` target and prepare it (before the page's first load).

        Raises:
            WriterUnavailable: no DevTools target, or its front end never became ready.
        """
        deadline = time.monotonic() + START_TIMEOUT
        target = None
        while target is None and time.monotonic() < deadline:
            infos = (await browser_session.send("Target.getTargets"))["targetInfos"]
            target = next((t for t in infos if t["url"].startswith("devtools://devtools/")), None)
            await asyncio.sleep(0 if target else 0.1)
        if target is None:
            raise WriterUnavailable("Chromium opened no DevTools front end (--auto-open-devtools-for-tabs)")
        attached = await browser_session.send("Target.attachToTarget",
                                              {"targetId": target["targetId"], "flatten": False})  # fmt: skip
        front_end = cls(browser_session, attached["sessionId"])
        await front_end._prepare(deadline)
        return front_end

    async def _prepare(self, deadline: float) -> None:
        await self.send("Runtime.enable")
        await self.send("Runtime.addBinding", {"name": BINDING})
        source = FRONT_END_JS.read_text(encoding="utf-8")
        await self.evaluate(f"(async () => {{ globalThis.harRecorder = await ({source})({json.dumps(BINDING)}); }})()")
        while not await self.evaluate("harRecorder.prepare()"):
            if time.monotonic() > deadline:
                raise WriterUnavailable("the DevTools front end never saw the tab's target")
            await asyncio.sleep(0.1)

    async def export(self, output: Path) -> int:
        """Run the Network panel's "Export HAR (sanitized)"; write what it saves to `output`; its entry count."""
        output.parent.mkdir(parents=True, exist_ok=True)
        exporting = asyncio.ensure_future(self.evaluate("harRecorder.exportHar()"))
        with output.open("w", encoding="utf-8") as file:
            while (save := await asyncio.wait_for(self._saves.get(), EXPORT_TIMEOUT))["call"] != "close":
                if save.get("isBase64"):
                    raise WriterUnavailable("DevTools saved the HAR as base64, not text")
                file.write(save["content"])
        count: int = await exporting
        return count

    async def evaluate(self, expression: str) -> Any:
        params = {"expression": expression, "awaitPromise": True, "returnByValue": True}
        answer = await self.send("Runtime.evaluate", params)
        if "exceptionDetails" in answer:
            details = answer["exceptionDetails"]
            raise WriterUnavailable(f"DevTools front end: {details.get('exception', {}).get('description', details)}")
        return answer["result"].get("value")

    async def send(self, method: str, params: dict[str, Any] | None = None) -> Any:
        number = next(self._ids)
        answer = self._answers[number] = asyncio.get_running_loop().create_future()
        message = json.dumps({"id": number, "method": method, "params": params or {}})
        await self._session.send("Target.sendMessageToTarget", {"sessionId": self._session_id, "message": message})
        return await asyncio.wait_for(answer, EXPORT_TIMEOUT)

    def _received(self, event: dict[str, Any]) -> None:
        if event.get("sessionId") != self._session_id:
            return
        message = json.loads(event["message"])
        if "id" in message and message["id"] in self._answers:
            answer = self._answers.pop(message["id"])
            if "error" in message:
                answer.set_exception(WriterUnavailable(f"DevTools front end: {message['error']}"))
            else:
                answer.set_result(message.get("result"))
        elif message.get("method") == "Runtime.bindingCalled" and message["params"]["name"] == BINDING:
            self._saves.put_nowait(json.loads(message["params"]["payload"]))
