"""``dataworks-emulator`` command: serve a scenario until SIGINT or SIGTERM, or print its Airflow connection line.

The banner shows the connection with its AccessKey secret masked, as logs should; ``--print-connection`` prints the
real line, ``export AIRFLOW_CONN_DATAWORKS_DEFAULT='...'``, to paste or ``eval``. With a fixed ``--port`` it prints the
line and exits (start the server separately); with ``--port 0`` the port exists only once the server listens, so it
serves, prints the line as soon as it listens (the only line on stdout) and keeps serving until interrupted.
"""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
import threading
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from types import FrameType

    from dataworks_emulator.runner import DataWorksEmulator

CONNECTION_VARIABLE = "AIRFLOW_CONN_DATAWORKS_DEFAULT"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
MASK = "***"


def _parser() -> argparse.ArgumentParser:
    """Build the command-line parser."""
    from dataworks_emulator.scenario import bundled_scenarios

    parser = argparse.ArgumentParser(
        prog="dataworks-emulator",
        description="Serve a local Alibaba Cloud DataWorks OpenAPI (2024-05-18) emulator.",
    )
    parser.add_argument(
        "--scenario",
        help=f"scenario YAML or JSON file, or the name of a bundled scenario: {', '.join(bundled_scenarios())}",
    )
    parser.add_argument("--host", default=DEFAULT_HOST, help=f"address to listen on (default: {DEFAULT_HOST})")
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"port to listen on, 0 for any free port (default: {DEFAULT_PORT})",
    )
    parser.add_argument(
        "--creation-delay",
        type=float,
        help="seconds from a CreateWorkflowInstances request to its instances existing (default: the scenario's, 5)",
    )
    parser.add_argument(
        "--print-connection",
        action="store_true",
        help=(
            f"print the Airflow connection as a shell line, export {CONNECTION_VARIABLE}='...', for this host, port "
            "and scenario; with a fixed --port print it and exit, with --port 0 serve and print it once listening"
        ),
    )
    return parser


def export_line(emulator: DataWorksEmulator) -> str:
    """The shell line that points Airflow's default DataWorks connection at ``emulator`` (secret included)."""
    return f"export {CONNECTION_VARIABLE}={shlex.quote(emulator.connection_json())}"


def masked_connection(emulator: DataWorksEmulator) -> str:
    """The connection JSON with its AccessKey secret masked, for the banner (terminals and logs keep it)."""
    return json.dumps({**emulator.connection(), "password": MASK})


def print_connection_command(args: argparse.Namespace, port: int) -> str:
    """The command that prints the real connection line for this server (its scenario, host and bound port)."""
    words = ["dataworks-emulator"]
    if args.scenario:
        words += ["--scenario", args.scenario]
    if args.host != DEFAULT_HOST:
        words += ["--host", args.host]
    words += ["--port", str(port), "--print-connection"]
    return shlex.join(words)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the emulator until interrupted (or print its connection line); return the process exit status."""
    args = _parser().parse_args(argv)
    from dataworks_emulator.runner import DataWorksEmulator
    from dataworks_emulator.scenario import ScenarioError

    try:
        emulator = DataWorksEmulator(args.scenario, host=args.host, port=args.port, creation_delay=args.creation_delay)
    except (ScenarioError, ValueError) as exc:
        print(f"dataworks-emulator: error: {exc}", file=sys.stderr)
        return 2
    if args.print_connection and args.port != 0:
        print(export_line(emulator))  # the port is known: no need to listen
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
        banner = (
            f"DataWorks emulator serving {emulator.url} (endpoint {emulator.endpoint}, region {emulator.region_id}, "
            f"project {emulator.project_id}); press Ctrl+C to stop."
        )
        if args.print_connection:
            # --port 0: stdout carries only the line, once the port is bound; the banner goes to stderr.
            print(banner, file=sys.stderr, flush=True)
            print(export_line(emulator), flush=True)
        else:
            print(banner, flush=True)
            print(f"Airflow connection (secret masked): {masked_connection(emulator)}", flush=True)
            print(
                f'To point Airflow at it, run: eval "$({print_connection_command(args, emulator.port)})"',
                flush=True,
            )
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
