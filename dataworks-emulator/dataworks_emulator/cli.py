"""``dataworks-emulator`` command: serve a scenario on a fixed port until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import shlex
import signal
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType


def _parser() -> argparse.ArgumentParser:
    """Build the command-line parser."""
    parser = argparse.ArgumentParser(
        prog="dataworks-emulator",
        description="Serve a local Alibaba Cloud DataWorks OpenAPI (2024-05-18) emulator.",
    )
    parser.add_argument(
        "--scenario", help="scenario YAML or JSON file, or the name of a bundled scenario such as 'demo'"
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port to listen on, 0 for any free port (default: 8765)")
    parser.add_argument(
        "--creation-delay",
        type=float,
        help="seconds from a CreateWorkflowInstances request to its instances existing (default: the scenario's, 5)",
    )
    parser.add_argument(
        "--print-connection",
        action="store_true",
        help="only print the Airflow connection JSON for this host, port and scenario, then exit",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until interrupted; return the process exit status."""
    args = _parser().parse_args(argv)
    from dataworks_emulator.runner import DataWorksEmulator
    from dataworks_emulator.scenario import ScenarioError

    try:
        emulator = DataWorksEmulator(args.scenario, host=args.host, port=args.port, creation_delay=args.creation_delay)
    except (ScenarioError, ValueError) as exc:
        print(f"dataworks-emulator: error: {exc}", file=sys.stderr)
        return 2
    if args.print_connection:
        if args.port == 0:
            print("dataworks-emulator: error: --print-connection needs a fixed --port.", file=sys.stderr)
            return 2
        print(emulator.connection_json())
        return 0
    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        """Ask the serve loop to end."""
        stop.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        emulator.start()
    except OSError as exc:
        print(
            f"dataworks-emulator: error: cannot listen on {args.host}:{args.port}: {exc.strerror}.",
            file=sys.stderr,
        )
        return 1
    try:
        print(
            f"DataWorks emulator serving {emulator.url} (endpoint {emulator.endpoint}, "
            f"region {emulator.region_id}, "
            f"project {emulator.project_id}); press Ctrl+C to stop.",
            flush=True,
        )
        print(f"AIRFLOW_CONN_DATAWORKS_DEFAULT={shlex.quote(emulator.connection_json())}", flush=True)
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
