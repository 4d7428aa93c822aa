"""Answer pyarrow's one-time "is pandas installed?" probe without importing pandas, for Arrow-only commands.

pyarrow asks on its first `pa.array()` or `pa.scalar()` whether a value is a pandas object, and imports pandas
to find out: 0.45 s on this project's reference machine, more than half of what `requests` needs for an
80,000-entry capture, spent on a library that command never uses (it builds Arrow and writes Arrow). So it
answers the probe itself: pandas is hidden from the import system for that one call, pyarrow records "no
pandas", and pandas stays importable. A later `Table.to_pandas()` asks again, finds it and works as usual.

A process that runs one Arrow-only command and ends can go further (`arrow_only_process`): numpy and pandas
stay hidden for the rest of its life, and pyarrow, which supports running without numpy (an optional
dependency since pyarrow 17; this project asks for 18), is imported without it, a third less import time.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec
    from types import ModuleType


class _Hide:
    """A meta path finder (the protocol needs only `find_spec`; importlib.abc would cost 10 ms to import)."""

    def __init__(self, *packages: str) -> None:
        self.packages = frozenset(packages)

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname.partition(".")[0] in self.packages:
            raise ModuleNotFoundError(f"{fullname} is hidden from this Arrow-only command", name=fullname)
        return None


def answer_pandas_probe() -> None:
    """Let pyarrow build arrays without importing pandas (a no-op once pandas is imported)."""
    if "pandas" in sys.modules:
        return
    import pyarrow as pa

    finder = _Hide("pandas")
    sys.meta_path.insert(0, finder)
    try:
        pa.scalar(0)  # the probe runs here, once per process
    finally:
        sys.meta_path.remove(finder)


def arrow_only_process() -> None:
    """Hide numpy and pandas from this process for good, then import pyarrow (without them, if it is not yet
    imported). pyarrow's numpy and pandas conversions (`to_numpy`, `to_pandas`) then fail with an ImportError:
    only for a process that runs one command which needs neither, and ends.
    """
    hidden = [name for name in ("numpy", "pandas") if name not in sys.modules]
    if hidden:
        sys.meta_path.insert(0, _Hide(*hidden))
    import pyarrow.compute  # noqa: F401  (pyarrow with it; its Cython part would import numpy on its own)
