"""A console simulator: a fake Kubernetes API behind the Alauda gateway prefixes and a small console page.

`Simulator(options).start()` serves it on 127.0.0.1 over plain HTTP/1.1 and over TLS with HTTP/2 (see
`server.py`); `python -m samples.simulator` runs it in the foreground; `python -m samples.simulator.record_all`
records the committed samples with a real Chromium.
"""

from samples.simulator.server import Simulator, SimulatorOptions
from samples.simulator.store import ObjectKey, Store

__all__ = ["ObjectKey", "Simulator", "SimulatorOptions", "Store"]
