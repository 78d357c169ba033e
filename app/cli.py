"""The `airflow-prefect-bridge` command.

airflow-prefect-bridge embedded   # try it: local Prefect server, demo flows, bridge
airflow-prefect-bridge serve      # production: the bridge alone, configured by the environment
airflow-prefect-bridge compare    # the legacy Airflow's runs side by side with Prefect's (README "compare")
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from app.embedded import gunicorn_command, run_embedded
from app.migration.command import add_parser as add_compare_parser
from app.migration.command import run_compare
from app.settings import Settings, SettingsError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="airflow-prefect-bridge",
        description="Serves Airflow's stable REST API (/api/v1) in front of a Prefect server.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser(
        "embedded",
        help="start a local Prefect server, the demo flows and the bridge, until Ctrl+C",
        description="Start a throwaway Prefect server, the demo flows and the bridge; print how to "
        "reach it; stop everything on Ctrl+C. Honours BRIDGE_PORT, BRIDGE_HOST, "
        "BRIDGE_ADMIN_USERNAME and BRIDGE_ADMIN_PASSWORD (generated when unset).",
    )
    commands.add_parser(
        "serve",
        help="serve the bridge under gunicorn, configured by the environment",
        description="Validate the configuration (PREFECT_API_URL, BRIDGE_*), then replace this "
        "process with gunicorn serving the bridge.",
    )
    add_compare_parser(commands)
    arguments = parser.parse_args(argv)

    if arguments.command == "embedded":
        return run_embedded()
    if arguments.command == "compare":
        return run_compare(arguments)
    return serve()


def serve() -> int:
    """Exec gunicorn; returns only when the bridge cannot start (2: invalid configuration)."""
    try:
        Settings.from_env()
    except SettingsError as error:
        # A clear message now beats a traceback from every gunicorn worker.
        print(f"airflow-prefect-bridge: {error}", file=sys.stderr)
        return 2

    command = gunicorn_command()
    try:
        # exec rather than a child: gunicorn becomes this process, so signals
        # from a container runtime or process manager reach its master directly.
        os.execv(command[0], command)
    except OSError as error:
        print(f"airflow-prefect-bridge: cannot run {command[0]}: {error.strerror}", file=sys.stderr)
    return 1  # only reached when exec failed


if __name__ == "__main__":
    sys.exit(main())
