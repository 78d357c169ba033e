"""Fixtures: a real Prefect server with the demo flows, and the bridge in front of it.

The Prefect stack starts once per session (fresh SQLite database, demo
flows really executing). Each test gets a fresh app whose every /api/v1
response is checked against Airflow 2.10.5's own spec, and whose calls to
Prefect are counted.
"""

from __future__ import annotations

import base64
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from flask import Flask
from werkzeug.serving import make_server

from app import create_app
from app.prefect import PrefectClient
from app.settings import Settings
from support.airflow_spec import ValidatingMiddleware, default_validator
from support.prefect_call_recorder import prefect_calls_are_declared, record_prefect_calls  # noqa: F401 (autouse)
from support.prefect_stack import Stack, create_flow_run, start_stack, wait_for_flow_run, wait_for_task_runs

pytest_plugins = ["support.secret_log_guard"]  # every log record of the suite checked for known secrets
REPO = Path(__file__).resolve().parent.parent
PASSWORD = "test-password"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()}
ETL = "example_etl"  # mappings/dags.toml: etl/demo
HELLO = "hello.hourly"  # the automatic dag_id of hello/hourly
FANOUT = "fanout.demo"  # flaky (retried once), square (mapped over `width`), total
FANOUT_WIDTH = 48  # 50 task runs in all


@pytest.fixture(scope="session")
def prefect_stack(tmp_path_factory) -> Iterator[Stack]:
    stack = start_stack(tmp_path_factory.mktemp("prefect"))
    yield stack
    stack.stop()


@dataclass(frozen=True)
class FinishedRun:
    """A flow run that has finished, with its task runs and their logs recorded."""

    dag_id: str
    dag_run_id: str
    flow_run_id: str
    state: str


def finish_run(stack: Stack, dag_id: str, deployment: str, parameters: dict, task_runs: int) -> FinishedRun:
    """Run `deployment` with `parameters` and wait until it and its `task_runs` task runs are recorded."""
    flow_run = create_flow_run(stack.api_url, deployment, parameters)
    state = wait_for_flow_run(stack.api_url, flow_run["id"])["state_type"]
    wait_for_task_runs(stack.api_url, flow_run["id"], task_runs)
    return FinishedRun(dag_id, f"prefect__{flow_run['id']}", flow_run["id"], state)


@pytest.fixture(scope="session")
def failed_etl_run(prefect_stack) -> FinishedRun:
    """An ETL run that failed in `transform`, after a completed one (the DAG's task graph)."""
    finish_run(prefect_stack, ETL, "etl/demo", {}, 3)
    return finish_run(prefect_stack, ETL, "etl/demo", {"fail": True}, 2)


@pytest.fixture(scope="session")
def fanout_run(prefect_stack) -> FinishedRun:
    return finish_run(prefect_stack, FANOUT, "fanout/demo", {"width": FANOUT_WIDTH}, FANOUT_WIDTH + 2)


@pytest.fixture(scope="module")
def prefect_client(prefect_stack):
    """The bridge's Prefect client, on the suite's Prefect server."""
    client = PrefectClient(prefect_stack.api_url)
    yield client
    client.close()


@pytest.fixture(scope="session")
def settings(prefect_stack) -> Settings:
    return Settings(
        prefect_api_url=prefect_stack.api_url,
        admin_password=PASSWORD,
        mapping_file=REPO / "mappings" / "dags.toml",
        prefect_timeout=10,
    )


@dataclass
class CountingTransport(httpx.BaseTransport):
    """Passes requests to Prefect and remembers each one (method, path)."""

    inner: httpx.BaseTransport = field(default_factory=httpx.HTTPTransport)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls.append((request.method, request.url.path))
        return self.inner.handle_request(request)

    def reset(self) -> None:
        self.calls.clear()


def validated(app: Flask) -> ValidatingMiddleware:
    middleware = ValidatingMiddleware(app.wsgi_app, default_validator())
    app.wsgi_app = middleware
    return middleware


@pytest.fixture
def prefect_calls() -> CountingTransport:
    return CountingTransport()


@pytest.fixture
def app(settings, prefect_calls) -> Iterator[Flask]:
    app = create_app(settings, prefect_transport=prefect_calls)
    checker = validated(app)
    yield app
    assert not checker.failures, "responses that break Airflow's v1 spec:\n" + "\n".join(map(str, checker.failures))


class ApiClient:
    """Flask's test client, authenticated by default, with paths relative to /api/v1."""

    def __init__(self, app: Flask) -> None:
        self._client = app.test_client()

    def request(self, method: str, path: str, *, auth: bool = True, **kwargs):
        headers = {**(AUTH if auth else {}), **kwargs.pop("headers", {})}
        return self._client.open("/api/v1" + path, method=method, headers=headers, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, **kwargs):
        return self.request("POST", path, **kwargs)

    def patch(self, path, **kwargs):
        return self.request("PATCH", path, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)

    def wait_for_run(self, dag_id: str, dag_run_id: str, states=("success", "failed"), timeout: float = 60) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            run = self.get(f"/dags/{dag_id}/dagRuns/{dag_run_id}").get_json()
            if run.get("state") in states or time.monotonic() > deadline:
                return run
            time.sleep(0.3)


@pytest.fixture
def api(app) -> ApiClient:
    return ApiClient(app)


@dataclass
class LiveBridge:
    url: str
    checker: ValidatingMiddleware


@pytest.fixture(scope="session")
def live_bridge(settings) -> Iterator[LiveBridge]:
    """The bridge on a real HTTP port, for the real Airflow client."""
    app = create_app(settings)
    checker = validated(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield LiveBridge(f"http://127.0.0.1:{server.server_port}/api/v1", checker)
    server.shutdown()


@pytest.fixture(scope="module")
def api_client(live_bridge):
    """The real apache-airflow-client 2.10, configured for the bridge on its live port."""
    from airflow_client import client

    configuration = client.Configuration(host=live_bridge.url, username="admin", password=PASSWORD)
    with client.ApiClient(configuration) as api:
        yield api
    assert not live_bridge.checker.failures, live_bridge.checker.failures
