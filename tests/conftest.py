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
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
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
from support.prefect_stack import (
    SSL_CONTEXT,
    Stack,
    create_flow_run,
    start_stack,
    wait_for_flow_run,
    wait_for_task_runs,
)
from support.route_builders import share_compiled_route_builders

# The reversed second pass (make test), and every log record of the suite checked for known secrets.
pytest_plugins = ["support.file_order", "support.secret_log_guard"]

REPO = Path(__file__).resolve().parent.parent
PASSWORD = "test-password"
AUTH = {"Authorization": "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()}
ETL = "example_etl"  # mappings/dags.toml: etl/demo
HELLO = "hello.hourly"  # the automatic dag_id of hello/hourly
FANOUT = "fanout.demo"  # flaky (retried once), square (mapped over `width`), total
FANOUT_WIDTH = 48  # 50 task runs in all

share_compiled_route_builders()  # a fresh app per test, without compiling its URL builders again


def plain_transport() -> httpx.HTTPTransport:
    """A transport to the suite's Prefect, as the bridge's default one but with the suite's SSL context."""
    return httpx.HTTPTransport(verify=SSL_CONTEXT)


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
    return run_finished(stack, dag_id, start_run(stack, deployment, parameters), task_runs)


def start_run(stack: Stack, deployment: str, parameters: dict) -> str:
    """A flow run of `deployment`, created (the runner picks it up within a second); its id."""
    return create_flow_run(stack.api_url, deployment, parameters)["id"]


def run_finished(stack: Stack, dag_id: str, flow_run_id: str, task_runs: int) -> FinishedRun:
    """The flow run once it and its `task_runs` task runs are finished and recorded."""
    state = wait_for_flow_run(stack.api_url, flow_run_id)["state_type"]
    wait_for_task_runs(stack.api_url, flow_run_id, task_runs)
    return FinishedRun(dag_id, f"prefect__{flow_run_id}", flow_run_id, state)


# Module-scoped: each module makes the runs it reads, so another module's
# runs (a failed run marked success becomes the DAG's latest completed run,
# the task graph the bridge shows) never change what it sees.
@pytest.fixture(scope="module")
def failed_etl_run(prefect_stack) -> FinishedRun:
    """An ETL run that failed in `transform`, after a completed one (the DAG's task graph).

    Both are created first and then waited for: they execute side by side.
    """
    completed = start_run(prefect_stack, "etl/demo", {})
    failed = start_run(prefect_stack, "etl/demo", {"fail": True})
    run_finished(prefect_stack, ETL, completed, 3)
    return run_finished(prefect_stack, ETL, failed, 2)


# Session-scoped: 50 task runs take long to execute, and no test changes this run or
# its DAG's task graph (every fanout run has the same tasks). Tests that set notes on
# it each use a task instance of their own (flaky and square 2, 3 and 7), and
# clear or mark it only as a dry run.
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
        # Tests change Prefect directly and list at once; tests/api/test_estate_index_api.py runs the default.
        estate_check_seconds=0,
    )


@dataclass
class CountingTransport(httpx.BaseTransport):
    """Passes requests to Prefect and remembers each one Prefect answered (method, path).

    A 503 (SQLite busy) or a timeout is Prefect not answering yet; the client's
    retry of it is the same call, so it is not counted again: call budgets
    hold on a loaded machine as on an idle one.
    """

    inner: httpx.BaseTransport = field(default_factory=plain_transport)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        if response.status_code != 503:
            self.calls.append((request.method, request.url.path))
        return response

    def reset(self) -> None:
        self.calls.clear()


def validated(app: Flask) -> ValidatingMiddleware:
    middleware = ValidatingMiddleware(app.wsgi_app, default_validator())
    app.wsgi_app = middleware
    return middleware


@pytest.fixture
def prefect_calls() -> CountingTransport:
    return CountingTransport()


def assert_conforming(checker: ValidatingMiddleware) -> None:
    assert not checker.failures, "responses that break Airflow's v1 spec:\n" + "\n".join(map(str, checker.failures))


@pytest.fixture
def make_app(settings) -> Iterator[Callable[..., Flask]]:
    """`make_app(**setting_overrides, prefect_transport=None)`: an app whose every
    /api/v1 response is checked against the spec when the test ends."""
    checkers: list[ValidatingMiddleware] = []

    def make(prefect_transport: httpx.BaseTransport | None = None, **overrides) -> Flask:
        transport = prefect_transport or plain_transport()
        app = create_app(settings.model_copy(update=overrides), prefect_transport=transport)
        checkers.append(validated(app))
        return app

    yield make
    for checker in checkers:
        assert_conforming(checker)


@pytest.fixture
def app(make_app, prefect_calls) -> Flask:
    return make_app(prefect_transport=prefect_calls)


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

    def wait_for_run(self, dag_id: str, dag_run_id: str, states=("success", "failed"), timeout: float = 180) -> dict:
        """Poll the run until its state is one of `states`; fail the test if it never gets there."""
        deadline = time.monotonic() + timeout
        while True:
            response = self.get(f"/dags/{dag_id}/dagRuns/{dag_run_id}")
            assert response.status_code == 200, response.get_json()
            run = response.get_json()
            if run["state"] in states:
                return run
            if time.monotonic() > deadline:
                raise TimeoutError(f"DAG run {dag_id}/{dag_run_id} still {run['state']} after {timeout:g} s")
            time.sleep(0.3)


@pytest.fixture
def api(app) -> ApiClient:
    return ApiClient(app)


@dataclass
class LiveBridge:
    url: str
    checker: ValidatingMiddleware


@contextmanager
def serving(app: Flask) -> Iterator[LiveBridge]:
    """`app` on a real HTTP port (threaded), its responses checked against the spec."""
    checker = validated(app)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield LiveBridge(f"http://127.0.0.1:{server.server_port}/api/v1", checker)
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def live_checkers() -> list[ValidatingMiddleware]:
    """The checkers of every live bridge of the session: what the real client was answered."""
    return []


@pytest.fixture(scope="session")
def live_server(settings, live_checkers) -> Iterator[LiveBridge]:
    """The bridge on a real HTTP port, for the real Airflow client (one for the session)."""
    with serving(create_app(settings)) as bridge:
        live_checkers.append(bridge.checker)
        yield bridge
        assert_conforming(bridge.checker)


@pytest.fixture
def serve_live(settings, live_checkers) -> Iterator[Callable[..., LiveBridge]]:
    """`serve_live(**setting_overrides)`: another live bridge, for this test only."""
    mine: list[ValidatingMiddleware] = []
    with ExitStack() as servers:

        def serve(**overrides) -> LiveBridge:
            bridge = servers.enter_context(serving(create_app(settings.model_copy(update=overrides))))
            mine.append(bridge.checker)
            live_checkers.append(bridge.checker)
            return bridge

        yield serve
    for checker in mine:
        assert_conforming(checker)


@pytest.fixture
def live_bridge(live_server) -> Iterator[LiveBridge]:
    """The session's live bridge; the test fails if it gave a response that breaks the spec."""
    before = len(live_server.checker.failures)
    yield live_server
    assert live_server.checker.failures[before:] == [], live_server.checker.failures[before:]


def airflow_client(bridge: LiveBridge):
    """apache-airflow-client 2.10, configured for `bridge` (use it as a context manager)."""
    from airflow_client import client

    return client.ApiClient(client.Configuration(host=bridge.url, username="admin", password=PASSWORD))


@pytest.fixture(scope="module")
def api_client(live_server):
    """The real apache-airflow-client 2.10, configured for the bridge on its live port."""
    before = len(live_server.checker.failures)
    with airflow_client(live_server) as api:
        yield api
    assert live_server.checker.failures[before:] == [], live_server.checker.failures[before:]
