"""Firefox ESR's own Network panel export ("Save All As HAR"), with Firefox driven over WebDriver BiDi.

Firefox runs headful under an Xvfb of its own (the toolbox needs a window) with a fresh profile
(`firefox/user.js`: Persist Logs on, the toolbox on the Network panel, nothing reached but 127.0.0.1) and
`--remote-allow-system-access`, which lets BiDi run script in the browser window's chrome context. There the
toolbox is opened on the tab before the first load (`firefox/open_netmonitor.js`); the plan is followed over
BiDi; at `plan.duration` the panel's own "Save All As HAR" runs (`firefox/save_all_as_har.js`), its save
dialog answered with a path, and the file Firefox wrote is copied byte for byte to `plan.output`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from analyzer.record import RecordPlan, RecordResult
from analyzer.record.session import ConsoleLine
from samples.simulator.writers import WriterUnavailable
from samples.simulator.writers.processes import XVFB, scratch_folder, stop, xvfb

FIREFOX = Path("/usr/bin/firefox-esr")
SCRIPTS = Path(__file__).with_suffix("")  # writers/firefox/: the profile's prefs and the chrome-context scripts
STARTUP_TIMEOUT = 30.0  # seconds for Xvfb, Firefox and its BiDi endpoint to come up
EXPORT_TIMEOUT = 30.0  # seconds for the export to be written
WAIT = {"load": "complete", "domcontentloaded": "interactive", "commit": "none"}  # Playwright's words -> BiDi's
BROWSER = "Firefox ESR"  # how record_all names the browser and the writer in an expected file
LABEL = 'Network panel "Save All As HAR"'


def missing_programs() -> list[str]:
    """The programs this writer needs that this machine lacks, each with the package that installs it."""
    return [f"{path} (apt-get install {package})" for path, package in
            ((str(FIREFOX), "firefox-esr"), (XVFB, "xvfb")) if shutil.which(path) is None]  # fmt: skip


def record(plan: RecordPlan) -> RecordResult:
    """Record `plan` with Firefox ESR and write the Network panel's own HAR export to `plan.output`.

    Raises:
        WriterUnavailable: no Firefox ESR or Xvfb here, or Firefox's export could not be run.
    """
    if missing := missing_programs():
        raise WriterUnavailable("the Firefox writer needs " + " and ".join(missing))
    if any(at >= plan.duration for at in plan.reload_after):
        raise ValueError(f"reloads must come before the end ({plan.duration:g} s)")
    return asyncio.run(_record(plan))


def blind_spots(expected: dict[str, Any]) -> list[dict[str, Any]]:
    """The facts of this run (an expected file) that Firefox's export does not show (see docs/writers.md)."""
    streams = expected["streams"]
    watches = [r for r in expected["requests"] if r["verb"] == "watch"]
    spots = [_spot("connection", "no connection ids: `connection` is the server port, so which TCP connection a "
                   "request used (client_port) is not in the HAR", [])]  # fmt: skip
    if streams["open_at_end"]:
        spots.append(_spot("open-at-end", "`time` 0 and `timings` {} (status 200 and the body so far once data "
                           "had come, else status 0, `httpVersion` \"\" and no server address, as if never sent): "
                           "how long it was open is not in the HAR", streams["open_at_end"]))  # fmt: skip
    if streams["aborted_by_navigation"]:
        spots.append(_spot("aborted-unmarked", "no error field: cut by the reload, it looks like a finished "
                           "response (status 200 with `time` up to the reload, or status 0 when no data had come)",
                           _refs(streams["aborted_by_navigation"])))  # fmt: skip
    open_refs = {json.dumps(r, sort_keys=True) for r in streams["open_at_end"]}
    waited = [r for r in _refs(streams["queued"]) if json.dumps(r, sort_keys=True) in open_refs]
    if waited:
        spots.append(_spot("queueing", "still open at the end, so no `blocked`: the wait for a free HTTP/1.1 "
                           "connection (queued_ms) is not in the HAR", waited))  # fmt: skip
    if expected["protocol"] == "HTTP/2":
        streamed = _refs([r for r in watches if r["ended_by"] == "complete"])
        spots.append(_spot("stream-duration", "over HTTP/2 a finished watch has `time` of a few ms (to its "
                           "headers, `receive` 0): how long it streamed is not in the HAR", streamed))  # fmt: skip
    sockets = _refs([r for r in watches if r["url"].startswith(("ws:", "wss:"))])
    if sockets:
        spots.append(_spot("websocket-frames", "a status-101 entry with no messages: the events it carried are "
                           "not in the HAR", sockets))  # fmt: skip
    return spots


def _spot(fact: str, what: str, requests: list[dict[str, Any]]) -> dict[str, Any]:
    return {"fact": fact, "what": what, "written": True, "requests": requests}


def _refs(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: fact[k] for k in ("method", "url", "occurrence")} for fact in facts]


async def _record(plan: RecordPlan) -> RecordResult:
    with scratch_folder("har-firefox-") as tmp, xvfb() as display:
        profile = tmp / "profile"
        profile.mkdir()
        shutil.copy(SCRIPTS / "user.js", profile / "user.js")
        with _firefox(profile, display) as firefox:
            port = await _bidi_port(firefox, profile)
            async with Bidi.connect(f"ws://127.0.0.1:{port}/session") as bidi:
                result = await _run(plan, bidi, tmp / "export.har")
                with contextlib.suppress(BidiError, ConnectionError):
                    await bidi.command("browser.close", {})
        plan.output.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(tmp / "export.har", plan.output)  # as Firefox wrote it
    result.entries = len(json.loads(plan.output.read_text(encoding="utf-8"))["log"]["entries"])
    return result


async def _run(plan: RecordPlan, bidi: Bidi, export: Path) -> RecordResult:
    version = (await bidi.command("session.new", {"capabilities": {"alwaysMatch": {
        "acceptInsecureCerts": plan.ignore_certificate_errors}}}))["capabilities"]["browserVersion"]  # fmt: skip
    tab = (await bidi.command("browsingContext.getTree", {}))["contexts"][0]["context"]
    chrome = await _chrome_window(bidi)
    if not await _call(bidi, chrome, "open_netmonitor.js"):
        raise WriterUnavailable("the Network panel opened without Persist Logs")
    result = RecordResult(plan.output, 0, version, started=time.time())
    bidi.on_event = lambda event: _console(event, result)
    await bidi.command("session.subscribe", {"events": ["log.entryAdded"], "contexts": [tab]})
    await _set_cookies(bidi, plan.url, plan.cookies)
    wait, clock = WAIT.get(plan.wait_until, "complete"), time.monotonic()
    result.started = time.time()
    await bidi.command("browsingContext.navigate", {"context": tab, "url": plan.url, "wait": wait})
    for number, at in enumerate(sorted(plan.reload_after)):
        await asyncio.sleep(max(clock + at - time.monotonic(), 0))
        if number == 0:
            await _write_settings(plan, bidi, tab)
        result.reloads.append(time.time())
        await bidi.command("browsingContext.reload", {"context": tab, "wait": wait})
    await asyncio.sleep(max(clock + plan.duration - time.monotonic(), 0))
    result.ended = time.time()  # "Save All As HAR" is clicked now; the page keeps running while it exports
    exported = await _call(bidi, chrome, "save_all_as_har.js", str(export))
    await _wait_for(export, exported)
    result.console = [line for line in result.console if line.time <= result.ended]
    return result


async def _chrome_window(bidi: Bidi) -> str:
    """The browser window's chrome context (listed only with `--remote-allow-system-access`)."""
    tree = await bidi.command("browsingContext.getTree", {"moz:scope": "chrome"})
    for context in tree["contexts"]:
        if context["url"] == "chrome://browser/content/browser.xhtml":
            return str(context["context"])
    raise WriterUnavailable(f"no browser window among Firefox's chrome contexts: {tree['contexts']}")


async def _call(bidi: Bidi, context: str, script: str, *args: str) -> Any:
    """Run the one function of `firefox/<script>` in `context`; its (primitive) return value."""
    reply = await bidi.command("script.callFunction", {
        "functionDeclaration": (SCRIPTS / script).read_text(encoding="utf-8"), "awaitPromise": True,
        "target": {"context": context}, "arguments": [{"type": "string", "value": a} for a in args]})  # fmt: skip
    if reply["type"] == "exception":
        details = reply["exceptionDetails"]
        raise WriterUnavailable(f"Firefox: {script}: {details['text']} (line {details.get('lineNumber')})")
    return reply["result"].get("value")


async def _set_cookies(bidi: Bidi, url: str, cookies: tuple[tuple[str, str], ...]) -> None:
    host = urlsplit(url).hostname or "127.0.0.1"
    for name, value in cookies:
        cookie = {"name": name, "value": {"type": "string", "value": value}, "domain": host, "path": "/"}
        # The default (unpartitioned) store: a partition of the tab would key the cookie to about:blank
        await bidi.command("storage.setCookie", {"cookie": cookie})


async def _write_settings(plan: RecordPlan, bidi: Bidi, tab: str) -> None:
    for name, value in plan.local_storage_before_reload:
        await bidi.command("script.evaluate", {"expression": f"localStorage.setItem({json.dumps(name)}, "
                                               f"{json.dumps(value)})", "target": {"context": tab},
                                               "awaitPromise": False})  # fmt: skip
    await _set_cookies(bidi, plan.url, plan.cookies_before_reload)


def _console(event: dict[str, Any], result: RecordResult) -> None:
    if event["method"] == "log.entryAdded":
        entry = event["params"]
        result.console.append(ConsoleLine(time.time(), entry.get("method", entry["level"]), entry.get("text") or ""))


async def _wait_for(export: Path, requests: int) -> None:
    """Firefox writes the file after its save call returns (to a temporary name, then renamed)."""
    deadline = time.monotonic() + EXPORT_TIMEOUT
    while not export.is_file():
        if time.monotonic() > deadline:
            raise WriterUnavailable(f"Firefox's Save All As HAR ({requests} requests) wrote no file in "
                                    f"{EXPORT_TIMEOUT:g} s")  # fmt: skip
        await asyncio.sleep(0.1)


@contextlib.contextmanager
def _firefox(profile: Path, display: str) -> Iterator[subprocess.Popen[bytes]]:
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "MOZ_HEADLESS")}
    env |= {"DISPLAY": display, "MOZ_CRASHREPORTER_DISABLE": "1", "MOZ_DISABLE_AUTO_SAFE_MODE": "1"}
    args = [str(FIREFOX), "--no-remote", "--new-instance", "--profile", str(profile), "--remote-debugging-port",
            "0", "--remote-allow-system-access", "about:blank"]  # fmt: skip
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               start_new_session=True)  # fmt: skip
    try:
        yield process
    finally:
        stop(process, group=True)


async def _bidi_port(firefox: subprocess.Popen[bytes], profile: Path) -> int:
    """The port Firefox chose, from the `WebDriverBiDiServer.json` it writes into the profile."""
    server, deadline = profile / "WebDriverBiDiServer.json", time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline and firefox.poll() is None:
        with contextlib.suppress(FileNotFoundError, json.JSONDecodeError, KeyError):
            return int(json.loads(server.read_text(encoding="utf-8"))["ws_port"])
        await asyncio.sleep(0.1)
    raise WriterUnavailable(f"{FIREFOX} opened no WebDriver BiDi port (exit {firefox.poll()})")


class BidiError(RuntimeError):
    """A WebDriver BiDi command failed."""


class Bidi:
    """A WebDriver BiDi session over one websocket (wsproto does the framing): commands and their events."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, connection: Any) -> None:
        self._reader, self._writer, self._connection = reader, writer, connection
        self._pending: dict[int, asyncio.Future[dict[str, Any]]] = {}
        self._next = 0
        self._accepted = asyncio.get_running_loop().create_future()  # the websocket handshake's answer
        self.on_event: Any = None  # called with each event message

    @classmethod
    @contextlib.asynccontextmanager
    async def connect(cls, url: str) -> AsyncIterator[Bidi]:
        from wsproto import ConnectionType, WSConnection
        from wsproto.events import Request

        parts = urlsplit(url)
        reader, writer = await asyncio.open_connection(parts.hostname, parts.port)
        connection = WSConnection(ConnectionType.CLIENT)
        writer.write(connection.send(Request(host=parts.netloc, target=parts.path)))
        bidi = cls(reader, writer, connection)
        task = asyncio.create_task(bidi._read())
        try:
            await asyncio.wait_for(bidi._accepted, STARTUP_TIMEOUT)
            yield bidi
        finally:
            task.cancel()
            writer.close()

    async def command(self, method: str, params: dict[str, Any]) -> dict[str, Any]:
        """Send one command and wait for its result.

        Raises:
            BidiError: Firefox answered with an error.
        """
        from wsproto.events import TextMessage

        self._next += 1
        reply = self._pending[self._next] = asyncio.get_running_loop().create_future()
        message = json.dumps({"id": self._next, "method": method, "params": params})
        self._writer.write(self._connection.send(TextMessage(data=message)))
        answer = await reply
        if answer.get("type") == "error":
            raise BidiError(f"{method}: {answer['error']}: {answer.get('message', '')}")
        result: dict[str, Any] = answer["result"]
        return result

    async def _read(self) -> None:
        from wsproto.events import AcceptConnection, CloseConnection, Ping, RejectConnection, TextMessage

        text = ""
        while data := await self._reader.read(65536):
            self._connection.receive_data(data)
            for event in self._connection.events():
                if isinstance(event, TextMessage):
                    text += event.data
                    if event.message_finished:
                        self._dispatch(json.loads(text))
                        text = ""
                elif isinstance(event, AcceptConnection):
                    self._accepted.set_result(None)
                elif isinstance(event, RejectConnection):
                    self._accepted.set_exception(ConnectionError(f"BiDi websocket refused: {event.status_code}"))
                elif isinstance(event, Ping):
                    self._writer.write(self._connection.send(event.response()))
                elif isinstance(event, CloseConnection):
                    break
        for future in [self._accepted, *self._pending.values()]:
            if not future.done():
                future.set_exception(ConnectionError("Firefox closed the WebDriver BiDi connection"))

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "id" in message and message["id"] in self._pending:
            self._pending.pop(message["id"]).set_result(message)
        elif message.get("type") == "event" and self.on_event is not None:
            self.on_event(message)
