"""Adapter from haralyzer: `capture_from_haralyzer(parser) -> Capture`, for code holding a HarParser.

haralyzer (the optional extra `har-analyzer[haralyzer]`) is imported lazily, so that this module costs nothing
to import when it is absent. The adapter re-encodes the parser's decoded log and hands it to `load_bytes`: the
result is exactly what `load_bytes` gives for the same HAR, with our quirk handling and our columns.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from analyzer.errors import InputError
from analyzer.har.loader import Capture, load_bytes

if TYPE_CHECKING:
    from haralyzer import HarParser

INSTALL_HINT = "pip install 'har-analyzer[haralyzer]'"


def capture_from_haralyzer(parser: HarParser, name: str = "<haralyzer>") -> Capture:
    """Build a Capture from the HAR a haralyzer `HarParser` holds.

    Args:
        parser: a `haralyzer.HarParser`; only its `har_data` (the decoded `log` object) is read.
        name: what error messages and `Capture.name` call this capture.

    Returns:
        The same Capture that `analyzer.har.load_bytes` builds from that HAR.

    Raises:
        InputError: haralyzer is not installed (the message says how to install it), or the parser's data
            cannot be encoded back to JSON or is not a HAR.
        TypeError: `parser` is not a `haralyzer.HarParser`.
    """
    try:
        import haralyzer
    except ImportError:
        raise InputError(f"{name}: haralyzer is not installed; install it with {INSTALL_HINT}") from None
    if not isinstance(parser, haralyzer.HarParser):
        raise TypeError(f"expected a haralyzer.HarParser, got {type(parser).__name__}")
    # HarParser keeps only the `log` object of the document, so the envelope is put back around it.
    try:
        data = msgspec.json.encode({"log": parser.har_data})
    except (msgspec.EncodeError, TypeError, OverflowError) as exc:
        raise InputError(f"{name}: the parser's HAR cannot be encoded as JSON: {exc}") from None
    return load_bytes(data, name)
