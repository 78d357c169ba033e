"""`airflow-prefect-bridge compare` and the status page, over a real legacy Airflow and the suite's real Prefect.

One shadow-style pair is made: the same dag_run_id and logical date
triggered in Airflow (its API) and in Prefect (the bridge's API). The
command, run as a process, must agree on it in all three formats (exit 0);
after Airflow's run is set to failed through Airflow's API, it must flag the
state mismatch in all three formats (exit 1), keep it in Prefect, and the
status page must show it.

Durations are kept out of the verdict (`--min-difference` of a day): the
tolerance rule is tested with tables in tests/unit/test_comparison.py, and
the two schedulers' speeds are no fact of this test.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from app import create_app
from app.embedded import free_port
from app.migration.findings import FindingStore
from app.prefect import PrefectClient
from app.settings import Settings
from support.legacy_airflow import LegacyAirflow

DAG = "example_etl"
FORMATS = ("table", "json", "html")
COMMAND = Path(sys.executable).parent / "airflow-prefect-bridge"
RUN_TIMEOUT = 240  # seconds: a 3-task run on a busy 2-core machine, either side


@dataclass
class Outcome:
    """What the command answered, per format: exit status and report text."""

    status: dict[str, int] = field(default_factory=dict)
    report: dict[str, str] = field(default_factory=dict)


@dataclass
class Scenario:
    dag_run_id: str
    logical_date: datetime
    agreeing: Outcome
    disagreeing: Outcome


def environment(legacy: LegacyAirflow, prefect_api_url: str, repo: Path, legacy_url: str | None = None) -> dict:
    """A clean environment: the command reads nothing of the developer's own settings."""
    return {
        "PATH": "/usr/bin:/bin",
        "PREFECT_API_URL": prefect_api_url,
        "BRIDGE_MAPPING_FILE": str(repo / "mappings" / "dags.toml"),
        "BRIDGE_LEGACY_AIRFLOW_URL": legacy_url or legacy.url,
        "BRIDGE_LEGACY_AIRFLOW_USERNAME": legacy.username,
        "BRIDGE_LEGACY_AIRFLOW_PASSWORD": legacy.password,
    }


def compare(env: dict, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(COMMAND), "compare", *arguments], env=env, capture_output=True, text=True, timeout=300)


def compare_formats(env: dict, tmp: Path, since: datetime, until: datetime, name: str) -> Outcome:
    outcome = Outcome()
    for format_name in FORMATS:
        output = tmp / f"{name}.{format_name}"
        window = ["--since", since.isoformat(), "--until", until.isoformat()]
        done = compare(
            env, "--dag", DAG, *window, "--min-difference", "86400", "--format", format_name, "--output", str(output)
        )
        assert done.returncode in (0, 1) and output.exists(), done.stderr
        outcome.status[format_name] = done.returncode
        outcome.report[format_name] = output.read_text(encoding="utf-8")
    return outcome


def wait_for(read_state, what: str) -> str:
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        state = read_state()
        if state in ("success", "failed"):
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} still {state!r} after {RUN_TIMEOUT} s")
        time.sleep(1)


@pytest.fixture(scope="module")
def scenario(legacy_airflow, prefect_stack, settings, tmp_path_factory) -> Scenario:
    repo = Path(__file__).resolve().parents[2]
    dag_run_id = f"compare__{uuid.uuid4().hex[:12]}"
    # A logical date of its own, a day back: no other test's run falls into the compared window.
    logical_date = (datetime.now(UTC) - timedelta(days=1)).replace(microsecond=0)
    trigger = {"dag_run_id": dag_run_id, "logical_date": logical_date.isoformat()}

    bridge = create_app(settings).test_client()
    password = settings.admin_password.get_secret_value()
    auth = {"Authorization": "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()}
    answer = bridge.post(f"/api/v1/dags/{DAG}/dagRuns", json=trigger, headers=auth)
    assert answer.status_code == 200, answer.get_json()
    with legacy_airflow.client() as airflow:
        answer = airflow.post(f"/dags/{DAG}/dagRuns", json=trigger)
        assert answer.status_code == 200, answer.text
        run_path = f"/dags/{DAG}/dagRuns/{dag_run_id}"
        assert wait_for(lambda: airflow.get(run_path).json()["state"], "Airflow's run") == "success"
        prefect_path = f"/api/v1{run_path}"
        assert (
            wait_for(lambda: bridge.get(prefect_path, headers=auth).get_json()["state"], "Prefect's run") == "success"
        )

        env = environment(legacy_airflow, prefect_stack.api_url, repo)
        tmp = tmp_path_factory.mktemp("compare")
        since, until = logical_date - timedelta(seconds=1), logical_date + timedelta(seconds=1)
        agreeing = compare_formats(env, tmp, since, until, "agreeing")

        # The injected mismatch: Airflow's run marked failed through Airflow's own API.
        answer = airflow.patch(run_path, json={"state": "failed"})
        assert answer.status_code == 200, answer.text
        disagreeing = compare_formats(env, tmp, since, until, "disagreeing")
    return Scenario(dag_run_id, logical_date, agreeing, disagreeing)


def test_agreeing_runs_exit_0_in_every_format(scenario):
    assert scenario.agreeing.status == {"table": 0, "json": 0, "html": 0}
    report = json.loads(scenario.agreeing.report["json"])
    (dag,) = report["dags"]
    assert (dag["dag_id"], dag["agrees"], dag["findings"]) == (DAG, True, [])
    assert dag["runs"] == {"airflow": 1, "prefect": 1, "paired": 1, "pending": 0}
    assert [pair["joined_by"] for pair in dag["pairs"]] == ["dag_run_id"]
    assert "No disagreement." in scenario.agreeing.report["table"]
    assert "<svg" in scenario.agreeing.report["html"] and "disagrees" not in scenario.agreeing.report["html"]


def test_an_injected_state_mismatch_exits_1_in_every_format(scenario):
    assert scenario.disagreeing.status == {"table": 1, "json": 1, "html": 1}
    (dag,) = json.loads(scenario.disagreeing.report["json"])["dags"]
    assert dag["agrees"] is False
    state = [finding for finding in dag["findings"] if finding["kind"] == "state"]
    assert state == [
        {
            "kind": "state",
            "dag_run_id": scenario.dag_run_id,
            "logical_date": scenario.logical_date.isoformat(),
            "task": None,
            "airflow": "failed",
            "prefect": "success",
            "detail": "the runs ended in different states",
        }
    ]
    table = scenario.disagreeing.report["table"]
    assert any(scenario.dag_run_id in line and " state " in line for line in table.splitlines())
    html = scenario.disagreeing.report["html"]
    assert "disagrees" in html and scenario.dag_run_id in html and 'class="flag"' in html


def test_the_disagreement_is_kept_in_prefect(scenario, prefect_stack):
    client = PrefectClient(prefect_stack.api_url)
    try:
        stored = FindingStore(client).latest()[DAG]
    finally:
        client.close()
    assert stored.since == (scenario.logical_date - timedelta(seconds=1)).isoformat()
    assert [(row["kind"], row["dag_run_id"]) for row in stored.findings if row["kind"] == "state"] == [
        ("state", scenario.dag_run_id)
    ]


def test_the_status_page_shows_routes_last_runs_and_mismatches(scenario, settings, legacy_airflow):
    with_legacy = Settings(
        **{
            **settings.model_dump(),
            "legacy_airflow_url": legacy_airflow.url,
            "legacy_airflow_username": legacy_airflow.username,
            "legacy_airflow_password": legacy_airflow.password,
        }
    )
    client = create_app(with_legacy).test_client()
    password = settings.admin_password.get_secret_value()
    auth = {"Authorization": "Basic " + base64.b64encode(f"admin:{password}".encode()).decode()}

    assert client.get("/migration.json").status_code == 401
    status = client.get("/migration.json", headers=auth).get_json()
    dags = {dag["dag_id"]: dag for dag in status["dags"]}
    etl = dags[DAG]
    assert (etl["in_airflow"], etl["in_prefect"]) == (True, True)
    assert etl["last_run"]["airflow"] is not None and etl["last_run"]["prefect"] is not None
    assert etl["comparison"]["mismatches"] >= 1
    assert scenario.dag_run_id in {finding["dag_run_id"] for finding in etl["comparison"]["findings"]}
    assert dags["legacy_report_1"]["route"] == "airflow" and dags["legacy_report_1"]["in_prefect"] is False
    assert status["progress"]["total"] == len(dags)
    assert status["airflow_error"] is None

    as_json = client.get("/migration", headers={**auth, "Accept": "application/json"})
    assert as_json.mimetype == "application/json"
    page = client.get("/migration", headers={**auth, "Accept": "text/html"})
    html = page.get_data(as_text=True)
    assert page.mimetype == "text/html" and "legacy_report_1" in html
    assert f'<tr id="finding-{DAG}-0">' in html and scenario.dag_run_id in html


def test_usage_and_connection_errors_have_their_own_exit_status(legacy_airflow, prefect_stack):
    repo = Path(__file__).resolve().parents[2]
    env = environment(legacy_airflow, prefect_stack.api_url, repo)
    unknown = compare(env, "--dag", "no_such_dag", "--no-store")
    assert unknown.returncode == 2 and "no_such_dag" in unknown.stderr
    closed = environment(legacy_airflow, prefect_stack.api_url, repo, legacy_url=f"http://127.0.0.1:{free_port()}")
    unreachable = compare(closed, "--dag", DAG, "--no-store")
    assert unreachable.returncode == 3 and "unreachable" in unreachable.stderr
    assert legacy_airflow.password not in unreachable.stderr
