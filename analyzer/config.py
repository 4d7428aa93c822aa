"""User configuration: extra console prefixes from `har-analyzer.toml`, `[tool.har-analyzer]` in
`pyproject.toml` (both looked up in the working directory), or a file given with `--config`.

    # har-analyzer.toml
    prefixes = ["/my-proxy/{cluster}/", "/k8s-api/"]
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.errors import ConfigError
from analyzer.k8s import parse_prefix
from analyzer.model import Prefix

KNOWN_KEYS = frozenset({"prefixes"})


@dataclass(frozen=True)
class Config:
    prefixes: tuple[Prefix, ...] = ()
    source: str | None = None  # the file the settings came from


def load_config(explicit: Path | None = None, directory: Path | None = None) -> Config:
    """The configuration in force: `explicit`, else har-analyzer.toml, else pyproject.toml's table, else none.

    Raises:
        ConfigError: unreadable TOML, an unknown key, or an invalid prefix (one line, naming file and key).
    """
    if explicit is not None:
        return _from_table(_read(explicit), str(explicit))
    base = directory or Path.cwd()
    own = base / "har-analyzer.toml"
    if own.is_file():
        return _from_table(_read(own), str(own))
    pyproject = base / "pyproject.toml"
    if pyproject.is_file():
        table = _read(pyproject).get("tool", {}).get("har-analyzer")
        if isinstance(table, dict):
            return _from_table(table, f"{pyproject} [tool.har-analyzer]")
    return Config()


def with_prefixes(config: Config, patterns: Iterable[str]) -> Config:
    """Command-line `--prefix` values come first, then the configured ones."""
    extra = tuple(_prefix(p, "--prefix") for p in patterns)
    return Config(prefixes=extra + config.prefixes, source=config.source)


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


def _from_table(table: dict[str, Any], where: str) -> Config:
    unknown = sorted(set(table) - KNOWN_KEYS)
    if unknown:
        raise ConfigError(f"{where}: unknown key {unknown[0]!r} (known: {', '.join(sorted(KNOWN_KEYS))})")
    patterns = table.get("prefixes", [])
    if not isinstance(patterns, list) or not all(isinstance(p, str) for p in patterns):
        raise ConfigError(f'{where}: prefixes must be a list of strings, like ["/my-proxy/{{cluster}}/"]')
    return Config(prefixes=tuple(_prefix(p, f"{where}: prefixes") for p in patterns), source=where)


def _prefix(pattern: str, where: str) -> Prefix:
    try:
        return parse_prefix(pattern)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None
