"""The processes a headful writer starts (Xvfb, a browser) and the scratch folder its browser profile lives in.

A browser leaves helpers behind (Chromium's crashpad handler and zygotes, Firefox's content processes) that
keep writing into the profile for a moment after the main process ends. Every browser is started in a session
of its own, and stopped as a group; the profile folder is removed only when the group is gone, and a file
written in the last moment never fails a recording that has already been written.
"""

from __future__ import annotations

import contextlib
import os
import random
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from samples.simulator.writers import WriterUnavailable

XVFB = "Xvfb"
STOP_TIMEOUT = 10.0  # seconds a process gets to end after SIGTERM before SIGKILL
CLEANUP_TIMEOUT = 5.0  # seconds the profile's last writers get before the folder is removed anyway


def wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    """Polls `condition` every 50 ms; False if it did not hold within `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.05)
    return True


def stop(process: subprocess.Popen[bytes], *, group: bool = False) -> None:
    """Ends a process this writer started; with `group`, every process of its session (it must lead one)."""

    def send(sig: signal.Signals) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            if group:
                os.killpg(process.pid, sig)
            else:
                process.send_signal(sig)

    if process.poll() is None:
        send(signal.SIGTERM)
        try:
            process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            send(signal.SIGKILL)
            process.wait()
    if group:  # helpers that outlived the leader (the leader's exit does not end them)
        send(signal.SIGTERM)
        if not wait_for(lambda: not _group_alive(process.pid), STOP_TIMEOUT):
            send(signal.SIGKILL)


def _group_alive(group: int) -> bool:
    try:
        os.killpg(group, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


@contextlib.contextmanager
def scratch_folder(prefix: str) -> Iterator[Path]:
    """A temporary folder, removed on exit even while a stopped browser's last helper still writes into it."""
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        deadline = time.monotonic() + CLEANUP_TIMEOUT
        while True:
            try:
                shutil.rmtree(folder)
                break
            except FileNotFoundError:
                break
            except OSError:  # "Directory not empty": a file was written while the tree was being removed
                if time.monotonic() > deadline:
                    shutil.rmtree(folder, ignore_errors=True)
                    break
                time.sleep(0.1)


@contextlib.contextmanager
def xvfb() -> Iterator[str]:
    """A private X server on a display no one uses (never the user's); yields its `DISPLAY`, stopped on exit."""
    if shutil.which(XVFB) is None:
        raise WriterUnavailable("no Xvfb (apt-get install xvfb): this writer needs a headful browser")
    server, display = _start_xvfb()
    try:
        yield display
    finally:
        stop(server)


def _start_xvfb() -> tuple[subprocess.Popen[bytes], str]:
    # Not `Xvfb -displayfd`: with other X servers starting beside ours it can pick a display they are taking.
    for number in random.sample(range(200, 900), 20):
        socket = Path(f"/tmp/.X11-unix/X{number}")
        if Path(f"/tmp/.X{number}-lock").exists() or socket.exists():
            continue
        server = subprocess.Popen([XVFB, f":{number}", "-screen", "0", "1280x1024x24", "-nolisten", "tcp"],
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        wait_for(lambda: socket.exists() or server.poll() is not None, 20.0)  # noqa: B023 (called in this iteration)
        if server.poll() is None and socket.exists():
            return server, f":{number}"
        stop(server)  # another server took the display first: try the next one
    raise WriterUnavailable("Xvfb did not start on any of 20 free displays")
