"""Reading past Prefect's page boundaries, with real rows on the real server.

Prefect answers at most 200 flow runs or task runs per filter call and 50
events per page (the rest by link); dagStats lets Prefect count runs
rather than reading them. This module makes enough real rows to
cross those boundaries, fast, through
Prefect's API: runs of a deployment no runner serves, created finished
(COMPLETED) in bulk, and task runs created finished in one of them. No flow
executes, so nothing else picks them up. Everything is deleted at the end.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass

import httpx
import pytest

from support.prefect_stack import SSL_CONTEXT, repeating

FLOW, DEPLOYMENT = "bulk-pages", "unserved"
DAG = "bulk-pages.unserved"  # the automatic dag_id
RUNS = 430  # past two 200-row pages
TASK_RUNS = 205  # in one run: past one 200-row page
BULK_CREATE = 25  # runs per bulk create (Prefect takes 100): a short write, less often refused by a busy SQLite


@dataclass(frozen=True)
class Bulk:
    run_ids: list[str]  # flow run ids, in order of expected start
    task_run_names: list[str]  # of the first run, newest task run (by id) first

    @property
    def dag_run_ids(self) -> list[str]:
        return [f"prefect__{each}" for each in self.run_ids]


def prefect(api_url: str, method: str, path: str, **kwargs) -> httpx.Response:
    """One call to Prefect, repeated while it is busy or slow: every call here is safe to
    repeat (creates carry idempotency keys or are upserts)."""
    with httpx.Client(base_url=api_url, trust_env=False, timeout=60, verify=SSL_CONTEXT) as client:
        response = repeating(client, method, path, time.monotonic() + 180, **kwargs)
    assert response.status_code < 300, (path, response.status_code, response.text[:300])
    return response


def read_all(api_url: str, path: str, body: dict) -> list[dict]:
    rows: list[dict] = []
    while True:
        batch = prefect(api_url, "POST", path, json={**body, "offset": len(rows), "limit": 200}).json()
        rows += batch
        if len(batch) < 200:
            return rows


@pytest.fixture(scope="module")
def bulk(prefect_stack) -> Bulk:
    api_url = prefect_stack.api_url
    flow_id = prefect(api_url, "POST", "/flows/", json={"name": FLOW}).json()["id"]
    deployment_id = prefect(
        api_url, "POST", "/deployments/", json={"name": DEPLOYMENT, "flow_id": flow_id, "paused": True}
    ).json()["id"]
    tag = uuid.uuid4().hex[:8]
    # An idempotency key per run: a create repeated after a 503 makes nothing twice.
    pending = [
        {"name": f"bulk-{number:04d}", "idempotency_key": f"{tag}-{number}", "state": {"type": "COMPLETED"}}
        for number in range(RUNS)
    ]
    deadline = time.monotonic() + 300
    while pending:
        chunk, pending = pending[:BULK_CREATE], pending[BULK_CREATE:]
        path = f"/deployments/{deployment_id}/create_flow_run/bulk"
        results = prefect(api_url, "POST", path, json=chunk).json()["results"]
        # A bulk create reports each run apart: those a busy SQLite refused are sent again.
        refused = [run for run, result in zip(chunk, results, strict=True) if result["status"] != "CREATED"]
        assert not refused or time.monotonic() < deadline, results
        if refused:
            pending += refused
            time.sleep(0.5)  # let the other writer finish
    runs = read_all(
        api_url,
        "/flow_runs/filter",
        {"deployments": {"id": {"any_": [deployment_id]}}, "sort": "EXPECTED_START_TIME_ASC"},
    )
    assert len(runs) == RUNS
    starts = [run["expected_start_time"] for run in runs]
    assert len(set(starts)) == RUNS, "two runs share an expected start: their order would be ambiguous"
    first_run = runs[0]["id"]
    for number in range(TASK_RUNS):
        body = {
            "name": f"t{number:03d}",
            "flow_run_id": first_run,
            "task_key": f"t{number:03d}",
            "dynamic_key": "0",
            "state": {"type": "COMPLETED"},
        }
        prefect(api_url, "POST", "/task_runs/", json=body)
    task_runs = read_all(
        api_url, "/task_runs/filter", {"task_runs": {"flow_run_id": {"any_": [first_run]}}, "sort": "ID_DESC"}
    )
    yield Bulk([run["id"] for run in runs], [task_run["name"] for task_run in task_runs])
    prefect(api_url, "DELETE", f"/flows/{flow_id}")  # its deployment, flow runs and task runs with it
    leftover = {"flow_runs": {"id": {"any_": [runs[0]["id"], runs[-1]["id"]]}}}
    assert prefect(api_url, "POST", "/flow_runs/count", json=leftover).json() == 0


def run_ids_of(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [run["dag_run_id"] for run in response.get_json()["dag_runs"]]


@pytest.mark.parametrize(("offset", "limit"), [(0, 100), (190, 20), (200, 100), (399, 3), (RUNS - 7, 100)])
def test_dag_run_pages_past_200_rows(api, bulk, offset, limit):
    response = api.get(f"/dags/{DAG}/dagRuns?offset={offset}&limit={limit}")
    assert run_ids_of(response) == bulk.dag_run_ids[offset : offset + limit]
    assert response.get_json()["total_entries"] == RUNS


def test_newest_first_past_200_rows(api, bulk):
    response = api.get(f"/dags/{DAG}/dagRuns?order_by=-execution_date&offset=195&limit=10")
    assert run_ids_of(response) == bulk.dag_run_ids[::-1][195:205]
    assert response.get_json()["total_entries"] == RUNS


def test_batch_form_with_a_page_larger_than_prefects(api, bulk):
    body = {"dag_ids": [DAG], "page_offset": 150, "page_limit": 1000, "order_by": "execution_date"}
    response = api.post("/dags/~/dagRuns/list", json=body)
    assert run_ids_of(response) == bulk.dag_run_ids[150:]
    assert response.get_json()["total_entries"] == RUNS


def test_dag_stats_past_200_runs_counts_every_run(api, bulk, prefect_calls):
    response = api.get(f"/dagStats?dag_ids={DAG}")
    assert response.status_code == 200, response.get_json()
    [dag] = response.get_json()["dags"]
    assert {stat["state"]: stat["count"] for stat in dag["stats"]} == {
        "queued": 0,
        "success": RUNS,
        "running": 0,
        "failed": 0,
    }
    assert ("POST", "/api/flow_runs/history") in prefect_calls.calls  # counted by Prefect, not read
    assert ("POST", "/api/flow_runs/filter") not in prefect_calls.calls


def test_task_instances_of_one_run_past_200(api, bulk):
    path = f"/dags/{DAG}/dagRuns/{bulk.dag_run_ids[0]}/taskInstances"
    everything = []
    for offset in (0, 100, 200):
        response = api.get(f"{path}?offset={offset}&limit=100")
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["total_entries"] == TASK_RUNS
        everything += [each["task_id"] for each in response.get_json()["task_instances"]]
    assert sorted(everything) == [f"t{number:03d}" for number in range(TASK_RUNS)]


def test_task_instances_across_runs_past_200(api, bulk):
    response = api.get(f"/dags/{DAG}/dagRuns/~/taskInstances?offset=195&limit=100")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["total_entries"] == TASK_RUNS
    assert [each["task_id"] for each in response.get_json()["task_instances"]] == bulk.task_run_names[195:]


def test_event_logs_past_50_events(api, bulk):
    # Each run was created COMPLETED: one prefect.flow-run.Completed event each, in creation order.
    query = f"dag_id={DAG}&event=prefect.flow-run.Completed"
    deadline = time.monotonic() + 60
    while (total := api.get(f"/eventLogs?{query}&limit=1").get_json()["total_entries"]) < RUNS:
        assert time.monotonic() < deadline, f"{total} of {RUNS} events persisted after 60 s"
        time.sleep(0.5)
    response = api.get(f"/eventLogs?{query}&offset=140&limit=100")
    assert response.status_code == 200 and response.get_json()["total_entries"] == RUNS
    entries = response.get_json()["event_logs"]
    assert [entry["run_id"] for entry in entries] == bulk.dag_run_ids[140:240]
    assert {entry["dag_id"] for entry in entries} == {DAG}
