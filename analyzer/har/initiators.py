"""Who sent a request: each writer's initiator fields read into one `Initiator`.

- Chrome DevTools (and `har-analyzer record`, from CDP): `_initiator`, CDP's object as is: `type`, `url`,
  `lineNumber` (0-based), and `stack` = `{callFrames: [...], parent: {description, callFrames, parent}}`, the
  parents being the async stacks (the code that set the timer, awaited, or subscribed).
- sitespeed.io's chrome-har: `_initiator` is the URL alone, beside `_initiator_type`, `_initiator_line` and
  `_initiator_column` (1-based), `_initiator_function_name`, and `_initiator_detail`, CDP's object as a JSON
  string (its stack without the async parents).
- Firefox, Playwright and Safari record none.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import msgspec

from analyzer.summary import Initiator

MAX_FRAMES = 16  # enough to reach the component that polls, through a few async boundaries


class InitiatorFields(msgspec.Struct, gc=False):
    """The initiator fields of one entry, undecoded (read only for the requests whose initiator is asked for)."""

    _initiator: msgspec.Raw = msgspec.Raw(b"null")
    _initiator_detail: str | None = None
    _initiator_type: str | None = None
    _initiator_line: float | str | None = None
    _initiator_function_name: str | None = None


def read_initiator(fields: InitiatorFields) -> Initiator | None:
    """The entry's initiator, or None when its writer recorded none (or nothing readable)."""
    found = _decode(fields._initiator)
    if isinstance(found, dict):
        return _from_cdp(found)
    detail = _decode(msgspec.Raw(fields._initiator_detail.encode())) if fields._initiator_detail else None
    if isinstance(detail, dict):
        return _from_cdp(detail)
    url = found if isinstance(found, str) and found else None
    line = _number(fields._initiator_line)
    if url is None and fields._initiator_type is None:
        return None
    function = fields._initiator_function_name
    frames = (f"{function or '(anonymous)'} ({_script(url)}:{line})",) if url and line is not None else ()
    return Initiator(type=fields._initiator_type, url=url, line=line, frames=frames)


def _from_cdp(initiator: dict[str, Any]) -> Initiator | None:
    kind = initiator.get("type")
    frames = tuple(_frames(initiator.get("stack")))[:MAX_FRAMES]
    url, line = initiator.get("url"), _number(initiator.get("lineNumber"))
    if url is None and frames:  # a script initiator names its place by its top frame
        top = _first_frame(initiator.get("stack"))
        if top is not None:
            url, line = top.get("url") or None, _number(top.get("lineNumber"))
            line = None if line is None else line + 1
    elif line is not None:
        line += 1  # CDP's lineNumber is 0-based
    if kind is None and url is None and not frames:
        return None
    return Initiator(type=kind if isinstance(kind, str) else None, url=url if isinstance(url, str) else None,
                     line=line, frames=frames)  # fmt: skip


def _frames(stack: object) -> Iterator[str]:
    depth = 0
    while isinstance(stack, dict) and depth < 32:  # a cycle or a hostile depth ends here
        if depth and isinstance(stack.get("description"), str):
            yield f"(async {stack['description']})"
        for frame in stack.get("callFrames") or ():
            if isinstance(frame, dict):
                line = _number(frame.get("lineNumber"))
                where = f"{_script(frame.get('url'))}:{'' if line is None else line + 1}"
                yield f"{frame.get('functionName') or '(anonymous)'} ({where})"
        stack, depth = stack.get("parent"), depth + 1


def _first_frame(stack: object) -> dict[str, Any] | None:
    while isinstance(stack, dict):
        frames = [f for f in stack.get("callFrames") or () if isinstance(f, dict)]
        if frames:
            return frames[0]
        stack = stack.get("parent")
    return None


def _script(url: object) -> str:
    """The script's file name (`console.js`), or its URL's last part."""
    if not isinstance(url, str) or not url:
        return "?"
    return url.split("?", 1)[0].split("#", 1)[0].rstrip("/").rsplit("/", 1)[-1] or url


def _number(value: object) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return int(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None


def _decode(raw: msgspec.Raw) -> object:
    try:
        return msgspec.json.decode(raw)
    except msgspec.DecodeError:
        return None
