"""A capture's labels: from its path (`--label-from-path TEMPLATE`), a sidecar `<capture>.labels.json`, and
`--label KEY=VALUE`, in that order of precedence (a later source overrides an earlier one's key).

A template is matched against the tail of the path, segment by segment: `{branch}/{run}/{test}.har` takes the
last three segments of `ci/main/1234/login.har` and gives branch=main, run=1234, test=login. `{name}` stands for
text within one segment; everything else must match literally.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from analyzer.errors import ConfigError, InputError

SIDECAR_SUFFIX = ".labels.json"
_FIELD = re.compile(r"\{([^{}]*)\}")


def parse_label(text: str) -> tuple[str, str]:
    """`KEY=VALUE` (the value may hold `=`).

    Raises:
        ConfigError: no `=`, or an empty key.
    """
    key, equals, value = text.partition("=")
    if not equals or not key.strip():
        raise ConfigError(f"--label {text!r}: expected KEY=VALUE")
    return key.strip(), value


def parse_labels(texts: Iterable[str]) -> dict[str, str]:
    """Every `--label`, a later one overriding an earlier one's key."""
    return dict(parse_label(text) for text in texts)


@dataclass(frozen=True)
class PathTemplate:
    """A compiled `--label-from-path` template."""

    text: str
    segments: tuple[re.Pattern[str], ...]
    names: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> PathTemplate:
        """Compile `text`.

        Raises:
            ConfigError: an empty segment, a field name that is not an identifier or is used twice, an unmatched
                brace, two fields with no literal text between them, or no field at all.
        """
        parts = text.strip("/").split("/")
        names: list[str] = []
        segments = []
        for part in parts:
            if not part:
                raise ConfigError(f"--label-from-path {text!r}: an empty path segment")
            segments.append(re.compile(_segment_pattern(text, part, names)))
        if not names:
            raise ConfigError(f"--label-from-path {text!r}: no {{field}} to take a label from")
        return cls(text, tuple(segments), tuple(names))

    def match(self, path: str) -> dict[str, str] | None:
        """The labels of `path` (its last segments), or None when it does not match."""
        parts = [p for p in path.replace("\\", "/").split("/") if p]
        if len(parts) < len(self.segments):
            return None
        labels: dict[str, str] = {}
        for pattern, part in zip(self.segments, parts[len(parts) - len(self.segments) :], strict=True):
            found = pattern.fullmatch(part)
            if found is None:
                return None
            labels.update(found.groupdict())
        return labels


def _segment_pattern(template: str, part: str, names: list[str]) -> str:
    """One segment's regular expression; adds its field names to `names`."""
    pattern, position, previous_field_end = "", 0, -1
    for field in _FIELD.finditer(part):
        name = field[1]
        if not name.isidentifier():
            raise ConfigError(f"--label-from-path {template!r}: {{{name}}} is not a field name (letters, digits, _)")
        if name in names:
            raise ConfigError(f"--label-from-path {template!r}: {{{name}}} is used twice")
        if field.start() == previous_field_end:
            raise ConfigError(f"--label-from-path {template!r}: two fields with nothing between them")
        pattern += _literal(template, part[position : field.start()]) + f"(?P<{name}>.+?)"
        names.append(name)
        position = previous_field_end = field.end()
    return pattern + _literal(template, part[position:])


def _literal(template: str, text: str) -> str:
    if "{" in text or "}" in text:
        raise ConfigError(f"--label-from-path {template!r}: an unmatched brace")
    return re.escape(text)


def sidecar_of(location: str) -> str:
    """Where a capture's sidecar is: `<capture>.labels.json` beside it."""
    return location + SIDECAR_SUFFIX


def is_sidecar(name: str) -> bool:
    return name.endswith(SIDECAR_SUFFIX)


def parse_sidecar(name: str, data: bytes) -> dict[str, str]:
    """A sidecar's labels: a JSON object whose values are strings.

    Raises:
        InputError: not JSON, or not an object of strings (one line naming `name`).
    """
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InputError(f"{name}: not JSON: {exc}") from None
    if not isinstance(value, dict):
        raise InputError(f"{name}: labels must be a JSON object of strings, not {type(value).__name__}")
    wrong = next((key for key, item in value.items() if not isinstance(item, str)), None)
    if wrong is not None:
        kind = type(value[wrong]).__name__
        raise InputError(f"{name}: label {wrong!r} is {kind}, not a string (labels are strings)")
    return dict(value)


def merge_labels(*sources: Mapping[str, str]) -> dict[str, str]:
    """The labels of several sources, lowest precedence first (path, sidecar, `--label`)."""
    merged: dict[str, str] = {}
    for source in sources:
        merged.update(source)
    return merged
