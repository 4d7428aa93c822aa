"""Reading the user's settings: `--config FILE`, else `har-analyzer.toml`, else `[tool.har-analyzer]` in
`pyproject.toml` (both looked up in the working directory), else the defaults. Every key is documented in
docs/settings.md:

    # har-analyzer.toml
    prefixes = ["/my-proxy/{cluster}/", "/k8s-api/"]   # or ["auto"]: those the capture shows
    poll_min_reads = 4
"""

from __future__ import annotations

import dataclasses
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from analyzer.errors import ConfigError
from analyzer.k8s import parse_prefix
from analyzer.model import Prefix
from analyzer.settings import AUTO_PREFIX, SETTING_NAMES, Settings

_TYPES = {f.name: f.type for f in dataclasses.fields(Settings)}
# Settings an environment variable may override (over any file), for one run without a configuration file.
ENVIRONMENT_SETTINGS = {
    "HAR_ANALYZER_MAX_EXPANSION": "max_expansion",
    "HAR_ANALYZER_MAX_DECOMPRESSED_BYTES": "max_decompressed_bytes",
    "HAR_ANALYZER_MAX_TEXT_LENGTH": "max_text_length",
}


def load_settings(explicit: Path | None = None, directory: Path | None = None) -> tuple[Settings, str | None]:
    """The settings in force and the file they came from (None for the defaults).

    Raises:
        ConfigError: unreadable TOML, an unknown key, a value of the wrong type, or an invalid prefix (one
            line, naming file and key).
    """
    if explicit is not None:
        return settings_from_table(_read(explicit), str(explicit)), str(explicit)
    base = directory or Path.cwd()
    own = base / "har-analyzer.toml"
    if own.is_file():
        return settings_from_table(_read(own), str(own)), str(own)
    pyproject = base / "pyproject.toml"
    if pyproject.is_file():
        table = _read(pyproject).get("tool", {}).get("har-analyzer")
        if isinstance(table, dict):
            where = f"{pyproject} [tool.har-analyzer]"
            return settings_from_table(table, where), where
    return Settings(), None


def with_prefixes(settings: Settings, patterns: Iterable[str]) -> Settings:
    """Command-line `--prefix` values come first, then the configured ones; `auto` asks for the capture's own."""
    patterns = list(patterns)
    extra = tuple(_prefix(p, "--prefix") for p in patterns if not _is_auto(p))
    auto = settings.discover_prefixes or any(_is_auto(p) for p in patterns)
    if not extra and auto == settings.discover_prefixes:
        return settings
    return dataclasses.replace(settings, prefixes=extra + settings.prefixes, discover_prefixes=auto)


def with_environment(settings: Settings, environ: Mapping[str, str]) -> Settings:
    """`settings` with the values of `ENVIRONMENT_SETTINGS` set in `environ`.

    Raises:
        ConfigError: a value that is not a positive number.
    """
    values: dict[str, Any] = {}
    for variable, name in ENVIRONMENT_SETTINGS.items():
        text = environ.get(variable, "").strip()
        if text:
            try:
                number = float(text) if _TYPES[name] == "float" else int(text)
            except ValueError:
                raise ConfigError(f"{variable}: must be a number, not {text!r}") from None
            values[name] = _number(name, number, variable)
    return dataclasses.replace(settings, **values) if values else settings


def settings_from_table(table: Mapping[str, Any], where: str) -> Settings:
    """Settings from a TOML table (a file's top level, or `[tool.har-analyzer]`)."""
    unknown = sorted(set(table) - set(SETTING_NAMES))
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(SETTING_NAMES)})")
    values: dict[str, Any] = {}
    for name, value in table.items():
        values[name] = _prefixes(value, where) if name == "prefixes" else _number(name, value, where)
    if "prefixes" in values:
        values["discover_prefixes"] = any(_is_auto(p) for p in table["prefixes"])
    return Settings(**values)


def _prefixes(value: Any, where: str) -> tuple[Prefix, ...]:
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise ConfigError(f'{where}: prefixes must be a list of strings, like ["/my-proxy/{{cluster}}/"] or ["auto"]')
    return tuple(_prefix(p, f"{where}: prefixes") for p in value if not _is_auto(p))


def _is_auto(pattern: str) -> bool:
    """`auto`: every prefix the capture shows the Kubernetes API behind (`analyzer.settings.resolve_prefixes`)."""
    return pattern.strip().lower() == AUTO_PREFIX


def _number(name: str, value: Any, where: str) -> int | float:
    wanted = _TYPES[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: {name} must be a number, not {value!r}")
    if wanted == "int" and not isinstance(value, int):
        raise ConfigError(f"{where}: {name} must be a whole number, not {value!r}")
    if value < 0 or (wanted == "int" and value < 1):
        raise ConfigError(f"{where}: {name} must be positive, not {value!r}")
    return value if wanted == "int" else float(value)


def _read(path: Path) -> dict[str, Any]:
    try:
        with open(path, "rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None


def _prefix(pattern: str, where: str) -> Prefix:
    try:
        return parse_prefix(pattern)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
