"""Websocket frames (`_webSocketMessages`) as typed records with UTC times.

Chrome and mitmproxy write frame times as epoch seconds, Playwright as epoch milliseconds: a value above
1e11 can only be milliseconds (1e11 seconds is the year 5138).
"""

from __future__ import annotations

from datetime import UTC, datetime

from analyzer.har import schema
from analyzer.har.fields import raw_text
from analyzer.model import WebSocketFrame

_MILLISECONDS_ABOVE = 1e11


def frame_time(value: float | None) -> datetime | None:
    if value is None or value <= 0:
        return None
    seconds = value / 1000 if value > _MILLISECONDS_ABOVE else value
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def to_frames(frames: list[schema.Frame]) -> list[WebSocketFrame]:
    return [
        WebSocketFrame(
            direction=f.type,
            time=frame_time(f.time),
            opcode=None if f.opcode is None else int(f.opcode),
            data=raw_text(f.data),
        )
        for f in frames
    ]
