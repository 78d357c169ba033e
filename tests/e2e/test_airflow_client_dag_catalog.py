"""What a catalog reads through apache-airflow-client 2.10 before anything ran, and deleting a DAG."""

from __future__ import annotations

import pytest
from airflow_client.client.exceptions import ApiException

from app import cli
from conftest import REPO
from support.deployments import create_deployment


@pytest.fixture
def never_ran(prefect_stack, monkeypatch):
    """A deployment of the diamond flow, traced, that never ran."""
    deployment = create_deployment(prefect_stack.api_url, "catalog", entrypoint="tests/support/traced_flows.py:diamond")
    monkeypatch.setenv("PREFECT_API_URL", prefect_stack.api_url)
    monkeypatch.chdir(REPO)
    assert cli.main(["trace", f"{deployment.flow}/d"]) == 0
    return deployment


def test_a_dag_that_never_ran_lists_its_tasks_and_reads_one(dags, never_ran):
    tasks = dags.get_tasks(never_ran.dag_id).tasks
    assert {task.task_id: list(task.downstream_task_ids) for task in tasks} == {
        "join-them": ["notify"],
        "left": ["join-them"],
        "notify": [],
        "right": ["join-them"],
        "start": ["left", "right"],
    }
    left = dags.get_task(never_ran.dag_id, "left")
    assert (left.task_id, left.owner, left.retries, left.retry_delay.seconds) == ("left", "airflow", 2, 5)


def test_owners_are_never_empty(dags, never_ran):
    listed = dags.get_dags(limit=100).dags
    assert listed and all(list(dag.owners) for dag in listed)
    assert list(dags.get_dag_details(never_ran.dag_id).owners) == ["airflow"]
    details = dags.get_dag_details(never_ran.dag_id)
    assert (details.max_active_tasks, details.max_active_runs, details.default_view) == (16, 16, "grid")
    assert details.timetable_description == "Never, external triggers only"


def test_delete_dag_removes_its_runs_and_the_dag_stays(dags, runs, prefect_stack):
    deployment = create_deployment(prefect_stack.api_url, "deleted")
    deployment.create_run("COMPLETED")
    running = deployment.create_run("RUNNING")

    with pytest.raises(ApiException) as refused:
        dags.delete_dag(deployment.dag_id)
    assert refused.value.status == 409 and "are still running" in refused.value.body
    assert runs.get_dag_runs(deployment.dag_id).total_entries == 2

    deployment.set_state(running, "COMPLETED")
    dags.delete_dag(deployment.dag_id)
    assert runs.get_dag_runs(deployment.dag_id).total_entries == 0
    assert dags.get_dag(deployment.dag_id).dag_id == deployment.dag_id
