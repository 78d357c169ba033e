"""A real Prefect server with the demo flows served against it, for tests.

    stack = start_stack(tmp_path)        # ~10 s: fresh database, both demo deployments registered
    run = create_flow_run(stack.api_url, "etl/demo", {"fail": False})
    wait_for_flow_run(stack.api_url, run["id"])["state_type"]   # "COMPLETED"
    stack.stop()

Built on app.embedded, so the tests start Prefect exactly as the product does.
"""

from __future__ import annotations

import ssl
import time
import uuid
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from app.embedded import ManagedProcess, serve_demo_flows, start_prefect_server

FINAL_STATES = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})
#: The suite reaches its servers over plain HTTP: one SSL context for every client and transport it
#: makes, where each new one would load the CA bundle again (~50 ms; thousands of them in a session).
SSL_CONTEXT = ssl.create_default_context()


@dataclass
class Stack:
    api_url: str
    server: ManagedProcess
    flows: ManagedProcess

    def stop(self) -> None:
        """Stop the flows first: on SIGTERM, serve() pauses its deployments
        through the API, which needs the server still up."""
        try:
            self.flows.stop()
        finally:
            self.server.stop()


def start_stack(tmp_dir: Path) -> Stack:
    """Start a Prefect server (database in tmp_dir) and serve the demo flows on it."""
    server, api_url = start_prefect_server(tmp_dir / "prefect-home")
    try:
        flows = serve_demo_flows(api_url, tmp_dir)
    except BaseException:
        server.stop()
        raise
    return Stack(api_url=api_url, server=server, flows=flows)


def repeating(client: httpx.Client, method: str, path: str, deadline: float, **kwargs: Any) -> httpx.Response:
    """`method path`, repeated until `deadline` while Prefect is busy (503) or too slow to answer.

    Prefect on SQLite answers 503 while another writer holds the database
    (SQLITE_BUSY), and on a loaded machine may take longer than a request's
    timeout. Only for requests that are safe to repeat: reads, and creates
    that carry an idempotency key.
    """
    while True:
        try:
            response = client.request(method, path, **kwargs)
        except httpx.TimeoutException:
            if time.monotonic() > deadline:
                raise
            continue
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        time.sleep(0.3)


def create_flow_run(
    api_url: str,
    deployment: str,
    parameters: Mapping[str, Any] | None = None,
    timeout: float = 120,
) -> dict[str, Any]:
    """Create a flow run of `deployment` ("flow/deployment"); return it.

    An idempotency key makes repeating the create safe: if an attempt did
    get through, Prefect returns that run instead of creating a second.
    """
    body = {"parameters": dict(parameters or {}), "idempotency_key": str(uuid.uuid4())}
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=api_url, timeout=30, trust_env=False, verify=SSL_CONTEXT) as client:
        found = repeating(client, "GET", f"/deployments/name/{deployment}", deadline)
        deployment_id = found.raise_for_status().json()["id"]
        path = f"/deployments/{deployment_id}/create_flow_run"
        return repeating(client, "POST", path, deadline, json=body).raise_for_status().json()


def wait_for_flow_run(
    api_url: str,
    flow_run_id: str,
    states: Collection[str] = FINAL_STATES,
    timeout: float = 120,
) -> dict[str, Any]:
    """Poll the flow run until its state type is one of `states`; return it."""
    deadline = time.monotonic() + timeout
    with httpx.Client(base_url=api_url, timeout=30, trust_env=False, verify=SSL_CONTEXT) as client:
        while True:
            flow_run = repeating(client, "GET", f"/flow_runs/{flow_run_id}", deadline).raise_for_status().json()
            state = flow_run["state_type"]
            if state in states:
                return flow_run
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"flow run {flow_run_id} still {state} after {timeout:g} s, expected one of {sorted(states)}"
                )
            time.sleep(0.2)


def wait_for_task_runs(api_url: str, flow_run_id: str, count: int, timeout: float = 120) -> list[dict[str, Any]]:
    """Poll until the flow run has `count` task runs, all finished, and their logs are in; return the task runs.

    Prefect records task runs and logs from events, a moment after the flow
    run itself has finished.
    """
    deadline = time.monotonic() + timeout
    body = {"task_runs": {"flow_run_id": {"any_": [flow_run_id]}}, "limit": 200}
    logs = {"logs": {"flow_run_id": {"any_": [flow_run_id]}, "task_run_id": {"is_null_": False}}, "limit": 200}
    with httpx.Client(base_url=api_url, timeout=30, trust_env=False, verify=SSL_CONTEXT) as client:
        while True:
            task_runs = repeating(client, "POST", "/task_runs/filter", deadline, json=body).raise_for_status().json()
            finished = {run["id"] for run in task_runs if run["state_type"] in FINAL_STATES}
            # Every task run logs at least its end ("Finished in state ...").
            lines = repeating(client, "POST", "/logs/filter", deadline, json=logs).raise_for_status().json()
            if len(finished) == count and finished <= {line["task_run_id"] for line in lines}:
                return task_runs
            if time.monotonic() > deadline:
                raise TimeoutError(
                    f"flow run {flow_run_id}: {len(finished)} of {count} task runs finished and logged "
                    f"after {timeout:g} s"
                )
            time.sleep(0.3)


def prefect_call(method: str, url: str, timeout: float = 60, **kwargs: Any) -> httpx.Response:
    """One request straight to Prefect, repeated while a busy SQLite database answers 503."""
    deadline = time.monotonic() + timeout
    while True:
        response = httpx.request(method, url, trust_env=False, timeout=30, verify=SSL_CONTEXT, **kwargs)
        if response.status_code != 503 or time.monotonic() > deadline:
            return response
        time.sleep(0.3)


def create_held_flow_run(api_url: str, deployment: str, state_type: str = "PENDING") -> dict[str, Any]:
    """A flow run of `deployment` created straight in `state_type` (not SCHEDULED: no runner picks it up).

    It stays as created, with no task runs, until the test moves it on or deletes it.
    """
    deployment_id = prefect_call("GET", f"{api_url}/deployments/name/{deployment}").raise_for_status().json()["id"]
    body = {"state": {"type": state_type}, "parameters": {}}
    response = prefect_call("POST", f"{api_url}/deployments/{deployment_id}/create_flow_run", json=body)
    return response.raise_for_status().json()
