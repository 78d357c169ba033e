"""DELETE /dags/{id}: the DAG's runs go, the deployment stays; 409 while a run may be executing."""

from datetime import UTC, datetime, timedelta

import pytest

from support.deployments import create_deployment


@pytest.fixture
def deployment(prefect_stack):
    return create_deployment(prefect_stack.api_url, "delete-dag")


def test_delete_dag_removes_its_runs_and_keeps_the_dag(api, deployment, prefect_calls):
    finished = {deployment.create_run("COMPLETED"), deployment.create_run("FAILED"), deployment.create_run()}
    future = deployment.create_run(scheduled_for=datetime.now(UTC) + timedelta(days=1))
    assert len(api.get(f"/dags/{deployment.dag_id}/dagRuns").get_json()["dag_runs"]) == 3

    prefect_calls.reset()
    response = api.delete(f"/dags/{deployment.dag_id}")
    assert response.status_code == 204 and response.data == b""
    assert [path for _, path in prefect_calls.calls] == [
        f"/api/deployments/name/{deployment.flow}/d",
        "/api/flow_runs/filter",
        "/api/flow_runs/bulk_delete",
    ]

    assert deployment.run_ids() == {future}  # the next scheduled run is not a DAG run yet
    assert not finished & deployment.run_ids()
    assert api.get(f"/dags/{deployment.dag_id}").status_code == 200  # the DAG comes back: it never left
    assert api.get(f"/dags/{deployment.dag_id}/dagRuns").get_json() == {"dag_runs": [], "total_entries": 0}
    assert api.delete(f"/dags/{deployment.dag_id}").status_code == 204  # nothing left to delete is fine


@pytest.mark.parametrize("executing", ["RUNNING", "PENDING", "CANCELLING", "PAUSED"])
def test_delete_dag_is_a_409_while_a_run_may_be_executing(api, deployment, executing):
    done = deployment.create_run("COMPLETED")
    running = deployment.create_run("RUNNING")  # Prefect cancels a run that never started at once
    deployment.set_state(running, executing)
    response = api.delete(f"/dags/{deployment.dag_id}")
    assert response.status_code == 409
    assert response.get_json()["detail"] == f"Task instances of dag with id: '{deployment.dag_id}' are still running"
    assert deployment.run_ids() == {done, running}  # nothing was deleted

    deployment.set_state(running, "CANCELLED")
    assert api.delete(f"/dags/{deployment.dag_id}").status_code == 204
    assert deployment.run_ids() == set()


def test_delete_dag_deletes_fifty_runs_per_call(api, deployment, prefect_calls):
    for _ in range(55):
        deployment.create_run("COMPLETED")
    prefect_calls.reset()
    assert api.delete(f"/dags/{deployment.dag_id}").status_code == 204
    assert [path for _, path in prefect_calls.calls].count("/api/flow_runs/bulk_delete") == 2
    assert len(prefect_calls.calls) == 4 and deployment.run_ids() == set()


def test_delete_unknown_dag_is_404(api):
    response = api.delete("/dags/no.such")
    assert response.status_code == 404
    assert response.get_json()["detail"] == "DAG with dag_id: 'no.such' not found"
