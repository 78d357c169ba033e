"""The embedded stack really runs flows and stops cleanly; `serve` serves, and refuses bad config; `embedded` works."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from app.embedded import REPO_ROOT, ManagedProcess, free_port
from conftest import AUTH, PASSWORD
from support.prefect_stack import SSL_CONTEXT, create_flow_run, start_stack, wait_for_flow_run


def test_stack_runs_demo_flows_and_stops_cleanly(tmp_path: Path) -> None:
    stack = start_stack(tmp_path)
    try:
        with httpx.Client(base_url=stack.api_url, timeout=10, trust_env=False, verify=SSL_CONTEXT) as prefect:
            assert prefect.get("/deployments/name/etl/demo").status_code == 200
            assert prefect.get("/deployments/name/hello/hourly").status_code == 200

        # Both created before waiting: the runner executes them side by side.
        succeeding = create_flow_run(stack.api_url, "etl/demo", {"fail": False})
        failing = create_flow_run(stack.api_url, "etl/demo", {"fail": True})
        assert wait_for_flow_run(stack.api_url, succeeding["id"], timeout=60)["state_type"] == "COMPLETED"
        assert wait_for_flow_run(stack.api_url, failing["id"], timeout=60)["state_type"] == "FAILED"
    finally:
        stack.stop()

    assert_group_gone(stack.flows)
    assert_group_gone(stack.server)


def assert_group_gone(process: ManagedProcess) -> None:
    """The process has exited and nothing it started (e.g. a flow-run engine) lives on."""
    assert not process.is_running()
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)


def test_serve_rejects_invalid_configuration() -> None:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("PREFECT_", "BRIDGE_"))}
    env.update(PREFECT_API_URL="ftp://x", BRIDGE_ADMIN_PASSWORD="x")

    result = subprocess.run(
        [sys.executable, "-m", "app.cli", "serve"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )

    assert result.returncode == 2, result.stderr
    assert "PREFECT_API_URL" in result.stderr


def bridge_environ(**settings: str) -> dict[str, str]:
    env = {name: value for name, value in os.environ.items() if not name.startswith(("PREFECT_", "BRIDGE_"))}
    return {**env, "NO_PROXY": "127.0.0.1,localhost", **settings}


def wait_for_http(process: ManagedProcess, url: str, timeout: float = 120, **kwargs) -> httpx.Response:
    deadline = time.monotonic() + timeout
    while True:
        assert process.is_running(), process.tail()
        try:
            return httpx.get(url, trust_env=False, timeout=5, **kwargs)
        except httpx.TransportError:
            if time.monotonic() > deadline:
                raise AssertionError(f"{process.name} did not answer at {url}:\n{process.tail()}") from None
            time.sleep(0.3)


def test_serve_replaces_itself_with_gunicorn_serving_the_bridge(prefect_stack, tmp_path: Path) -> None:
    port = free_port()
    environ = bridge_environ(
        PREFECT_API_URL=prefect_stack.api_url, BRIDGE_ADMIN_PASSWORD=PASSWORD, BRIDGE_PORT=str(port),
        BRIDGE_WORKERS="1", BRIDGE_THREADS="2",
    )
    command = [sys.executable, "-m", "app.cli", "serve"]
    with ManagedProcess("serve", command, tmp_path / "serve.log", env=environ, cwd=REPO_ROOT) as process:
        base = f"http://127.0.0.1:{port}/api/v1"
        assert wait_for_http(process, f"{base}/version").json()["version"]
        assert httpx.get(f"{base}/dags", headers=AUTH, trust_env=False, timeout=30).status_code == 200
        assert "Booting worker" in process.tail(200)  # the serve command's own process became gunicorn's master
        assert process.stop() == 0  # SIGTERM: gunicorn stops gracefully


def test_embedded_prints_credentials_that_work_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "app.cli", "embedded"]
    with ManagedProcess("embedded", command, tmp_path / "embedded.log", env=bridge_environ(BRIDGE_PORT=str(port)),
                        cwd=tmp_path) as process:
        deadline = time.monotonic() + 180
        while "Press Ctrl+C to stop." not in process.tail(40):
            assert process.is_running() and time.monotonic() < deadline, process.tail()
            time.sleep(0.5)
        banner = process.tail(40)
        password = re.search(r"Password:\s+(\S+)", banner).group(1)
        assert f"http://localhost:{port}/api/v1" in banner
        dags = httpx.get(f"http://127.0.0.1:{port}/api/v1/dags", auth=("admin", password), trust_env=False, timeout=30)
        assert dags.status_code == 200, dags.text
        assert {"example_etl", "hello.hourly"} <= {dag["dag_id"] for dag in dags.json()["dags"]}
        process.popen.send_signal(signal.SIGINT)
        assert process.popen.wait(timeout=60) == 0, process.tail()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{port}/api/v1/version", trust_env=False, timeout=5)
