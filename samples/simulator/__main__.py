"""Run the simulator in the foreground: `python -m samples.simulator [--http-port N] [--https-port N]`."""

from __future__ import annotations

import argparse
import time

from samples.simulator.server import Churn, Simulator, SimulatorOptions
from samples.simulator.world import key


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--http-port", type=int, default=18080)
    parser.add_argument("--https-port", type=int, default=18443)
    parser.add_argument("--churn", type=float, default=3.0, help="seconds between changes of asm-cal3 (0: none)")
    args = parser.parse_args()
    churn = (Churn(key("microservices", "asm-cal3"), args.churn),) if args.churn else ()
    with Simulator(SimulatorOptions(http_port=args.http_port, https_port=args.https_port, churn=churn)) as sim:
        print(f"console simulator: {sim.http_url}/console/detail (HTTP/1.1), {sim.https_url}/console/detail (HTTP/2)")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
