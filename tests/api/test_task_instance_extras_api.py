"""A clear's dry run, task-instance notes, dependencies and extra links, over real Prefect runs."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from conftest import ETL, FANOUT, FANOUT_WIDTH
from support.prefect_call_recorder import RECORDED
from support.prefect_stack import create_held_flow_run, prefect_call


def _references(api, run) -> list[tuple[str, str, str]]:
    response = api.post(f"/dags/{run.dag_id}/dagRuns/{run.dag_run_id}/clear", json={})
    assert response.status_code == 200, response.get_json()
    references = response.get_json()["task_instances"]
    return [(each["task_id"], each["dag_id"], each["dag_run_id"]) for each in references]


def _listed(api, run) -> list[tuple[str, str, str]]:
    body = api.get(f"/dags/{run.dag_id}/dagRuns/{run.dag_run_id}/taskInstances").get_json()
    return [(each["task_id"], each["dag_id"], each["dag_run_id"]) for each in body["task_instances"]]


def test_a_clear_dry_run_lists_every_task_instance_of_the_run(api, failed_etl_run, prefect_calls):
    prefect_calls.reset()
    references = _references(api, failed_etl_run)
    # extract succeeded, transform failed, load never ran: Airflow lists all three, whatever their state
    assert sorted(task_id for task_id, _, _ in references) == ["extract", "load", "transform"]
    assert references == _listed(api, failed_etl_run)
    assert len(prefect_calls.calls) == 3 + 3, prefect_calls.calls  # the run's task instances, twice
    run = api.get(f"/dags/{ETL}/dagRuns/{failed_etl_run.dag_run_id}").get_json()
    body = api.post(f"/dags/{ETL}/dagRuns/{failed_etl_run.dag_run_id}/clear", json={"dry_run": True}).get_json()
    assert {each["execution_date"] for each in body["task_instances"]} == {run["execution_date"]}
    assert api.get(f"/dags/{ETL}/dagRuns/{failed_etl_run.dag_run_id}").get_json()["state"] == "failed"


def test_a_clear_dry_run_lists_each_mapped_instance(api, fanout_run):
    references = _references(api, fanout_run)
    assert len(references) == FANOUT_WIDTH + 2
    assert sum(1 for task_id, _, _ in references if task_id == "square") == FANOUT_WIDTH


def test_a_clear_dry_run_of_an_unknown_run_is_a_404(api):
    assert api.post(f"/dags/{ETL}/dagRuns/nope/clear", json={}).status_code == 404
    assert api.post(f"/dags/{ETL}/dagRuns/nope/clear", json={"dry_run": "yes"}).status_code == 400


def test_a_note_round_trips_and_shows_on_the_task_instance(api, failed_etl_run, fanout_run, prefect_calls):
    path = f"/dags/{ETL}/dagRuns/{failed_etl_run.dag_run_id}/taskInstances/transform"
    prefect_calls.reset()
    response = api.patch(f"{path}/setNote", json={"note": "looked at it"})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["note"] == "looked at it" and response.get_json()["task_id"] == "transform"
    assert ("PATCH", f"/api/flow_runs/{failed_etl_run.flow_run_id}/labels") in prefect_calls.calls
    assert api.get(path).get_json()["note"] == "looked at it"
    listed = api.get(f"/dags/{ETL}/dagRuns/{failed_etl_run.dag_run_id}/taskInstances").get_json()["task_instances"]
    assert {each["task_id"]: each["note"] for each in listed}["transform"] == "looked at it"
    batch = {"dag_run_ids": [failed_etl_run.dag_run_id]}
    across = api.post("/dags/~/dagRuns/~/taskInstances/list", json=batch).get_json()["task_instances"]
    assert {each["task_id"]: each["note"] for each in across}["transform"] == "looked at it"
    # A null note removes it, as in Airflow.
    assert api.patch(f"{path}/setNote", json={"note": None}).get_json()["note"] is None
    assert api.get(path).get_json()["note"] is None

    mapped = f"/dags/{FANOUT}/dagRuns/{fanout_run.dag_run_id}/taskInstances/square"
    assert api.patch(f"{mapped}/3/setNote", json={"note": "third"}).get_json()["note"] == "third"
    assert api.get(f"{mapped}/3").get_json()["note"] == "third"
    assert api.get(f"{mapped}/4").get_json()["note"] is None


def test_a_note_on_a_task_that_never_ran(api, failed_etl_run):
    path = f"/dags/{ETL}/dagRuns/{failed_etl_run.dag_run_id}/taskInstances/load"
    assert api.patch(f"{path}/setNote", json={"note": "never ran"}).status_code == 200
    assert api.get(path).get_json()["note"] == "never ran"


def test_bad_notes_get_airflows_errors(api, failed_etl_run, fanout_run):
    path = f"/dags/{ETL}/dagRuns/{failed_etl_run.dag_run_id}/taskInstances"
    assert api.patch(f"{path}/extract/setNote", json={}).status_code == 400
    assert api.patch(f"{path}/extract/setNote", json={"note": 1}).status_code == 400
    assert api.patch(f"{path}/extract/setNote", json={"note": "x" * 1001}).status_code == 400
    assert api.patch(f"{path}/extract/setNote", json={"note": "x", "other": 1}).status_code == 400
    assert api.patch(f"{path}/nope/setNote", json={"note": "x"}).status_code == 404
    mapped = f"/dags/{FANOUT}/dagRuns/{fanout_run.dag_run_id}/taskInstances/square"
    assert api.patch(f"{mapped}/setNote", json={"note": "x"}).status_code == 404  # mapped: needs its index


@pytest.fixture
def unfinished_etl_run(prefect_stack, failed_etl_run) -> Iterator[dict]:
    """An ETL flow run held PENDING (no worker picks it up), with the DAG's task graph known; deleted afterwards."""
    flow_run = create_held_flow_run(prefect_stack.api_url, "etl/demo")
    yield flow_run
    prefect_call("DELETE", f"{prefect_stack.api_url}/flow_runs/{flow_run['id']}")


def test_dependencies_give_airflows_reasons_from_upstream_states(api, prefect_stack, unfinished_etl_run):
    path = f"/dags/{ETL}/dagRuns/prefect__{unfinished_etl_run['id']}/taskInstances"
    extract = api.get(f"{path}/extract/dependencies").get_json()["dependencies"]
    assert extract == [
        {
            "name": "Dagrun Running",
            "reason": "Task instance's dagrun was not in the 'running' state but in the state 'queued'.",
        }
    ]
    state = {"state": {"type": "RUNNING", "name": "Running"}, "force": True}
    prefect_call("POST", f"{prefect_stack.api_url}/flow_runs/{unfinished_etl_run['id']}/set_state", json=state)
    assert api.get(f"{path}/extract/dependencies").get_json() == {"dependencies": []}
    transform = api.get(f"{path}/transform/dependencies").get_json()["dependencies"]
    assert transform == [
        {
            "name": "Trigger Rule",
            "reason": "Task's trigger rule 'all_success' requires all upstream tasks to have succeeded, but found 1 "
            "non-success(es). upstream_states=_UpstreamTIStates(success=0, skipped=0, failed=0, upstream_failed=0, "
            "removed=0, done=0, success_setup=0, skipped_setup=0), upstream_task_ids={'extract'}",
        }
    ]


def test_dependencies_of_finished_instances_are_empty_as_in_airflow(api, failed_etl_run, fanout_run):
    path = f"/dags/{ETL}/dagRuns/{failed_etl_run.dag_run_id}/taskInstances"
    # Airflow checks dependencies only of instances with no state or `scheduled`: upstream_failed gives none.
    for task_id in ("extract", "transform", "load"):
        assert api.get(f"{path}/{task_id}/dependencies").get_json() == {"dependencies": []}
    assert api.get(f"{path}/nope/dependencies").status_code == 404
    mapped = f"/dags/{FANOUT}/dagRuns/{fanout_run.dag_run_id}/taskInstances/square"
    assert api.get(f"{mapped}/5/dependencies").get_json() == {"dependencies": []}
    assert api.get(f"{mapped}/dependencies").status_code == 404


def test_extra_links_are_none_as_for_an_operator_without_links(api, failed_etl_run, fanout_run):
    path = f"/dags/{ETL}/dagRuns/{failed_etl_run.dag_run_id}/taskInstances"
    response = api.get(f"{path}/extract/links")
    assert response.status_code == 200 and response.get_json() == {}
    assert api.get(f"{path}/nope/links").status_code == 404
    square = f"/dags/{FANOUT}/dagRuns/{fanout_run.dag_run_id}/taskInstances/square/links"
    assert api.get(square).status_code == 404  # map_index -1: a mapped task has no such instance
    assert api.get(f"{square}?map_index=5").get_json() == {}
    assert api.get(f"{square}?map_index=999").status_code == 404


def test_the_recorder_sees_the_calls_each_handler_makes(api, failed_etl_run):
    api.get(f"/dags/{ETL}/dagRuns/{failed_etl_run.dag_run_id}")
    assert ("POST", "/flow_runs/filter") in RECORDED["api_v1.dag_runs.get_dag_run"]
