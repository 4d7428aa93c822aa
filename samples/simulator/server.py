"""Run the simulator: one ASGI app served by Hypercorn on 127.0.0.1, plain HTTP/1.1 and TLS with HTTP/2.

Why Hypercorn: it is the one well-kept Python ASGI server that speaks HTTP/1.1 (h11), HTTP/2 (h2, ALPN)
and websockets (wsproto) from one process and one app, with a plain and a TLS listener side by side
(`insecure_bind` beside `bind`) — so the same page can be recorded over both protocols. uvicorn has no
HTTP/2; aiohttp's server has none either; Hypercorn is maintained by the Pallets/Quart author and builds on
the python-hyper protocol libraries. The TLS certificate is made at start by `trustme` (a throwaway CA and a
leaf for 127.0.0.1/localhost, in a temporary directory); Chromium is told to accept it.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hypercorn.asyncio import serve
from hypercorn.config import Config, Sockets

from samples.simulator.api import Api, Receive, Scope, Send
from samples.simulator.log import RequestLog
from samples.simulator.pages import serve_page
from samples.simulator.store import ObjectKey, Store
from samples.simulator.world import seed


@dataclass(frozen=True)
class Churn:
    """An object the simulator modifies every `every` seconds, first after `start_after` (default `every`)."""

    key: ObjectKey
    every: float
    start_after: float | None = None


@dataclass
class SimulatorOptions:
    host: str = "127.0.0.1"
    http_port: int = 0  # plain HTTP/1.1; 0 picks a free port
    https_port: int = 0  # TLS, ALPN h2 then http/1.1
    latency: float = 0.015  # seconds added to every get and list
    bookmark_interval: float = 60.0  # kube-apiserver's default bookmark frequency
    history_limit: int = 1000  # events kept; older resourceVersions are "too old" (410)
    churn: tuple[Churn, ...] = ()
    seed: Callable[[Store], None] = field(default=seed)
    gateways: tuple[str, ...] = ()  # more API prefixes served, e.g. `/proxy/clusters/{cluster}/k8s/`


class _BoundConfig(Config):
    """A Hypercorn Config serving sockets bound beforehand, so that port 0 can be read back."""

    def __init__(self, sockets: Sockets) -> None:
        super().__init__()
        self._sockets = sockets

    def create_sockets(self) -> Sockets:
        return self._sockets


class Simulator:
    """The console simulator in a background thread: `start()`, then `http_url`, `https_url`, `log`, `stop()`."""

    def __init__(self, options: SimulatorOptions | None = None) -> None:
        self.options = options or SimulatorOptions()
        self.store = Store(history_limit=self.options.history_limit)
        self.options.seed(self.store)
        self.log = RequestLog()
        self.api = Api(self.store, self.log, latency=self.options.latency,
                       bookmark_interval=self.options.bookmark_interval, gateways=self.options.gateways)  # fmt: skip
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self._tmp = tempfile.TemporaryDirectory(prefix="har-sim-")
        self.http_port = self.https_port = 0

    @property
    def http_url(self) -> str:
        return f"http://{self.options.host}:{self.http_port}"

    @property
    def https_url(self) -> str:
        return f"https://{self.options.host}:{self.https_port}"

    def start(self) -> Simulator:
        config = self._config()
        self._thread = threading.Thread(target=asyncio.run, args=(self._main(config),), daemon=True, name="simulator")
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the simulator did not start within 10 s")
        return self

    def stop(self) -> None:
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(10)
        self._tmp.cleanup()

    def __enter__(self) -> Simulator:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()

    def modify(self, key: ObjectKey, spec: dict[str, Any] | None = None) -> None:
        """Change an object from any thread (on the server's loop, so open watches see it at once)."""
        if self._loop is None:
            self.store.put(key, spec)
        else:
            asyncio.run_coroutine_threadsafe(_call(self.store.put, key, spec), self._loop).result(5)

    async def app(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
        elif not await serve_page(scope, send):
            await self.api(scope, receive, send)

    async def _main(self, config: Config) -> None:
        self._loop = asyncio.get_running_loop()
        self._stopping = asyncio.Event()
        churners = [asyncio.create_task(self._churn(c)) for c in self.options.churn]
        self._ready.set()
        try:
            await serve(self.app, config, shutdown_trigger=self._stopping.wait)  # type: ignore[arg-type]
        finally:
            for task in churners:
                task.cancel()

    async def _churn(self, churn: Churn) -> None:
        await asyncio.sleep(churn.every if churn.start_after is None else churn.start_after)
        while True:
            self.store.put(churn.key)
            await asyncio.sleep(churn.every)

    def _config(self) -> Config:
        host = self.options.host
        secure = _bind(host, self.options.https_port)
        insecure = _bind(host, self.options.http_port)
        self.https_port, self.http_port = secure.getsockname()[1], insecure.getsockname()[1]
        config = _BoundConfig(Sockets([secure], [insecure], []))
        config.bind, config.insecure_bind = [f"{host}:{self.https_port}"], [f"{host}:{self.http_port}"]
        config.certfile, config.keyfile = _certificate(Path(self._tmp.name), host)
        config.alpn_protocols = ["h2", "http/1.1"]
        config.keep_alive_timeout = 90  # Go's net/http default idle timeout; Hypercorn's 5 s would drop reuse
        config.graceful_timeout = 1
        config.websocket_ping_interval = None  # kube-apiserver sends no pings (§3.8)
        config.accesslog = None
        config.errorlog = logging.getLogger("samples.simulator")
        return config


async def _call(function: Callable[..., Any], *args: Any) -> Any:
    return function(*args)


def _bind(host: str, port: int) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(128)
    sock.setblocking(False)
    sock.set_inheritable(True)
    return sock


def _certificate(directory: Path, host: str) -> tuple[str, str]:
    import trustme

    leaf = trustme.CA().issue_cert(host, "localhost")
    certfile, keyfile = directory / "cert.pem", directory / "key.pem"
    leaf.private_key_pem.write_to_path(str(keyfile))
    for pem in leaf.cert_chain_pems:
        pem.write_to_path(str(certfile), append=True)
    return str(certfile), str(keyfile)
