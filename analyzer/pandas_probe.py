"""Answer pyarrow's one-time "is pandas installed?" probe without importing pandas, for Arrow-only commands.

pyarrow asks on its first `pa.array()` or `pa.scalar()` whether a value is a pandas object, and imports pandas
to find out: 0.45 s on this project's reference machine, more than half of what `requests` needs for an
80,000-entry capture, spent on a library that command never uses (it builds Arrow and writes Arrow). So it
answers the probe itself: pandas is hidden from the import system for that one call, pyarrow records "no
pandas", and pandas stays importable. A later `Table.to_pandas()` asks again, finds it and works as usual.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from importlib.machinery import ModuleSpec
    from types import ModuleType


class _HidePandas:
    """A meta path finder (the protocol needs only `find_spec`; importlib.abc would cost 10 ms to import)."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname == "pandas" or fullname.startswith("pandas."):
            raise ModuleNotFoundError(f"{fullname} is hidden while pyarrow probes for it", name=fullname)
        return None


def answer_pandas_probe() -> None:
    """Let pyarrow build arrays without importing pandas (a no-op once pandas is imported)."""
    if "pandas" in sys.modules:
        return
    import pyarrow as pa

    finder = _HidePandas()
    sys.meta_path.insert(0, finder)
    try:
        pa.scalar(0)  # the probe runs here, once per process
    finally:
        sys.meta_path.remove(finder)
