"""The `airflow-prefect-bridge` command.

airflow-prefect-bridge embedded   # try it: local Prefect server, demo flows, bridge
airflow-prefect-bridge serve      # production: the bridge alone, configured by the environment
airflow-prefect-bridge trace etl/demo [...]   # store deployments' task graphs in Prefect before they run
airflow-prefect-bridge compare    # the legacy Airflow's runs side by side with Prefect's (README "compare")
airflow-prefect-bridge tokens list|revoke   # the API tokens (README "Authentication")
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from app.embedded import gunicorn_command, run_embedded
from app.errors import UpstreamError
from app.migration.command import add_parser as add_compare_parser
from app.migration.command import run_compare
from app.prefect import PrefectClient
from app.settings import Settings, SettingsError
from app.token_command import add_parser as add_tokens_parser
from app.token_command import run_tokens
from app.translate.dag_ids import DeploymentName


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
    trace_parser = commands.add_parser(
        "trace",
        help="trace deployments' task graphs from their flows' code and store them in Prefect",
        description="For each deployment (FLOW/DEPLOYMENT), load its flow from its entrypoint (relative to "
        "the current directory, as `prefect deploy` records it), call the flow with the deployment's "
        "parameters while its tasks only record their calls, and store the task graph in Prefect, "
        "where the bridge reads it until a run of the deployment completes. Honours PREFECT_API_URL "
        "and PREFECT_API_KEY.",
    )
    trace_parser.add_argument("deployments", nargs="+", metavar="FLOW/DEPLOYMENT")
    trace_parser.add_argument(
        "--entrypoint", metavar="PATH:FUNCTION", help="load the flow from here instead (one deployment only)"
    )
    add_compare_parser(commands)
    add_tokens_parser(commands)
    arguments = parser.parse_args(argv)

    if arguments.command == "embedded":
        return run_embedded()
    if arguments.command == "trace":
        return trace(arguments.deployments, arguments.entrypoint)
    if arguments.command == "compare":
        return run_compare(arguments)
    if arguments.command == "tokens":
        return run_tokens(arguments)
    return serve()


def trace(deployments: Sequence[str], entrypoint: str | None) -> int:
    """Trace and store each deployment's task graph; 1 if any failed, 2 if the arguments are wrong."""
    names = [DeploymentName(*each.split("/", 1)) for each in deployments if "/" in each]
    if len(names) != len(deployments) or (entrypoint and len(names) != 1):
        print("airflow-prefect-bridge: name deployments FLOW/DEPLOYMENT (--entrypoint: just one)", file=sys.stderr)
        return 2
    # Imported here: tracing imports Prefect, which the other commands do not need.
    from app.tracing import TraceError, trace_deployment

    failed = 0
    api_url = os.environ.get("PREFECT_API_URL") or Settings.model_fields["prefect_api_url"].default
    client = PrefectClient(api_url, api_key=os.environ.get("PREFECT_API_KEY"))
    try:
        for name in names:
            try:
                tasks = trace_deployment(client, name, entrypoint)
            except (TraceError, UpstreamError) as error:
                print(f"{name}: {error}", file=sys.stderr)
                failed += 1
                continue
            print(f"{name}: {len(tasks)} task(s) stored: {', '.join(task.task_id for task in tasks) or '-'}")
    finally:
        client.close()
    return 1 if failed else 0


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
