"""What `batch INPUT...` names: files, folders and glob patterns, local or fsspec URLs (`s3://bucket/runs/`),
expanded into the captures to analyse.

A file named outright is a capture, whatever its name (the loader tells the container from the content). A
folder is searched recursively for the names captures go by (`CAPTURE_SUFFIXES`: plain `.json` files are left
out there, as they are often something else); a glob pattern (`*`, `?`, `[...]`, `**`) takes every file it
matches, and every folder it matches as a folder. Label sidecars (`*.labels.json`) are never captures.
"""

from __future__ import annotations

import glob
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from analyzer.errors import ConfigError
from analyzer.fleet.labels import is_sidecar

CAPTURE_SUFFIXES = (".har", ".har.gz", ".harp", ".zhar", ".zip")
_URL = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://")
_GLOB = re.compile(r"[*?\[]")


@dataclass(frozen=True)
class Found:
    """One capture to analyse."""

    path: str  # as the user named it, or as the folder or glob was expanded from that
    location: str  # what a worker opens: an absolute path, or the URL


def is_url(text: str) -> bool:
    return _URL.match(text) is not None


def is_capture_name(name: str) -> bool:
    lower = name.lower()
    return lower.endswith(CAPTURE_SUFFIXES) and not is_sidecar(lower)


def expand_inputs(inputs: Sequence[str]) -> list[Found]:
    """Every capture the inputs name, in the order given (a folder's or pattern's sorted), each once.

    Raises:
        ConfigError: an input that matches no capture (a missing file, an empty folder, a pattern that matches
            nothing), or `-` (standard input: `analyze` reads one capture from it).
    """
    found: dict[str, Found] = {}
    for text in inputs:
        if text == "-":
            raise ConfigError("batch reads files, not standard input (`-`): name the captures")
        matched = _expand_url(text) if is_url(text) else _expand_local(text)
        if not matched:
            raise ConfigError(f"{text}: no capture matched")
        for capture in matched:
            found.setdefault(capture.location, capture)
    return list(found.values())


def _expand_local(text: str) -> list[Found]:
    if _GLOB.search(text):
        paths = sorted(glob.glob(text, recursive=True))
        files = [p for p in paths if os.path.isfile(p) and not is_sidecar(p)]
        return _local(files) + [f for p in paths if os.path.isdir(p) for f in _expand_local(p)]
    if os.path.isdir(text):
        return _local(sorted(_walk(text)))
    return _local([text]) if os.path.isfile(text) and not is_sidecar(text) else []


def _walk(folder: str) -> Iterable[str]:
    for parent, folders, names in os.walk(folder):
        folders.sort()
        for name in names:
            if is_capture_name(name):
                yield os.path.join(parent, name)


def _local(paths: Iterable[str]) -> list[Found]:
    return [Found(path=p, location=str(Path(p).absolute())) for p in paths]


def _expand_url(text: str) -> list[Found]:
    fs, root = _filesystem(text)
    if _GLOB.search(root):
        paths = sorted(fs.glob(root))
        files = [p for p in paths if not is_sidecar(p) and fs.isfile(p)]
        folders = [p for p in paths if fs.isdir(p)]
    elif fs.isdir(root):
        files, folders = [], [root]
    else:
        files, folders = ([root] if fs.isfile(root) and not is_sidecar(root) else []), []
    for folder in folders:
        files += sorted(p for p in fs.find(folder) if is_capture_name(p.rsplit("/", 1)[-1]))
    return [Found(path=url, location=url) for url in (fs.unstrip_protocol(p) for p in files)]


def _filesystem(url: str) -> tuple[Any, str]:
    """fsspec's filesystem for `url`, and the path in it.

    Raises:
        ConfigError: fsspec (installed with Dask) is missing, or cannot open that kind of URL.
    """
    try:
        from fsspec.core import url_to_fs
    except ImportError:
        raise ConfigError(f"{url}: reading URLs needs fsspec: install 'har-analyzer[dask]'") from None
    try:
        fs, path = url_to_fs(url)
    except (ImportError, ValueError) as exc:  # an unknown protocol, or its package (s3fs, gcsfs) missing
        raise ConfigError(f"{url}: {exc}") from None
    return fs, path


def read_url(url: str) -> bytes:
    """The bytes of a capture or sidecar at an fsspec URL.

    Raises:
        FileNotFoundError: nothing there.
        OSError: it cannot be read.
    """
    fs, path = _filesystem(url)
    data: bytes = fs.cat_file(path)
    return data


def read_optional(location: str) -> bytes | None:
    """The bytes at a path or URL, or None when there is nothing there (a sidecar is optional).

    Raises:
        OSError: it is there and cannot be read.
    """
    try:
        if is_url(location):
            return read_url(location)
        with open(location, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None
