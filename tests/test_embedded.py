"""The embedded stack really runs flows, stops cleanly, and `serve` refuses bad config."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from app.embedded import REPO_ROOT, ManagedProcess
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
