"""Task instances, tries, logs, XComs and tasks, read from real Prefect task runs."""

from __future__ import annotations

import pytest

from conftest import ETL, FANOUT, FANOUT_WIDTH, finish_run
from support.prefect_stack import wait_for_flow_run


def _instances(api, run) -> dict:
    response = api.get(f"/dags/{run.dag_id}/dagRuns/{run.dag_run_id}/taskInstances")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_failed_run_shows_success_failed_and_upstream_failed(api, failed_etl_run):
    body = _instances(api, failed_etl_run)
    states = {each["task_id"]: (each["state"], each["try_number"]) for each in body["task_instances"]}
    assert states == {"extract": ("success", 1), "transform": ("failed", 1), "load": ("upstream_failed", 0)}
    assert body["total_entries"] == 3
    load = api.get(f"/dags/{ETL}/dagRuns/{failed_etl_run.dag_run_id}/taskInstances/load").get_json()
    assert load["hostname"] == "" and load["duration"] == 0.0 and load["start_date"] is None


def test_a_50_task_run_costs_a_fixed_number_of_prefect_calls(api, fanout_run, prefect_calls):
    prefect_calls.reset()
    body = _instances(api, fanout_run)
    assert body["total_entries"] == FANOUT_WIDTH + 2 == len(body["task_instances"])
    # the flow run, then the task runs of a completed run (its own template)
    assert len(prefect_calls.calls) == 2, prefect_calls.calls
    mapped = sorted(each["map_index"] for each in body["task_instances"] if each["task_id"] == "square")
    assert mapped == list(range(FANOUT_WIDTH))


def test_a_page_across_runs_costs_a_fixed_number_of_calls(api, fanout_run, failed_etl_run, prefect_calls):
    prefect_calls.reset()
    response = api.get("/dags/~/dagRuns/~/taskInstances?limit=100")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["task_instances"] and len(body["task_instances"]) == min(100, body["total_entries"])
    # page + count, the flow runs on it, their task runs (map indexes), and
    # the names of deployments this app has not seen yet (2, cold)
    assert len(prefect_calls.calls) <= 6, prefect_calls.calls


def test_one_failed_run_page_is_three_calls(api, failed_etl_run, prefect_calls):
    prefect_calls.reset()
    _instances(api, failed_etl_run)
    # the flow run, the DAG's template run, the task runs of both
    assert len(prefect_calls.calls) == 3, prefect_calls.calls


def test_paging_and_filters_within_a_run(api, fanout_run):
    path = f"/dags/{FANOUT}/dagRuns/{fanout_run.dag_run_id}/taskInstances"
    pages = [api.get(f"{path}?limit=7&offset={offset}").get_json() for offset in range(0, FANOUT_WIDTH + 2, 7)]
    seen = [(each["task_id"], each["map_index"]) for page in pages for each in page["task_instances"]]
    assert len(seen) == len(set(seen)) == FANOUT_WIDTH + 2
    assert api.get(f"{path}?state=failed").get_json()["total_entries"] == 0
    assert api.get(f"{path}?pool=other").get_json()["total_entries"] == 0
    assert api.get(f"{path}?duration_gte=0").get_json()["total_entries"] == FANOUT_WIDTH + 2


@pytest.mark.parametrize(
    ("query", "detail"),
    [("limit=-1", "Page limit"), ("updated_at_gte=", "ISO 8601")],
)
def test_bad_queries_are_400(api, fanout_run, query, detail):
    response = api.get(f"/dags/{FANOUT}/dagRuns/{fanout_run.dag_run_id}/taskInstances?{query}")
    assert response.status_code == 400 and detail in response.get_json()["detail"]


def test_across_runs_filters_that_prefect_cannot_apply_are_applied_by_the_bridge(api, failed_etl_run, fanout_run):
    found = api.post("/dags/~/dagRuns/~/taskInstances/list", json={"task_ids": ["load"], "page_limit": 500}).get_json()
    assert found["total_entries"] >= 1 and {each["task_id"] for each in found["task_instances"]} == {"load"}
    assert len(found["task_instances"]) == found["total_entries"]
    slow = api.get("/dags/~/dagRuns/~/taskInstances?duration_gte=100000").get_json()
    assert slow == {"task_instances": [], "total_entries": 0}


def test_batch_within_one_run_filters_by_task_ids(api, failed_etl_run):
    body = {"dag_ids": [ETL], "dag_run_ids": [failed_etl_run.dag_run_id], "task_ids": ["load", "extract"]}
    found = api.post("/dags/~/dagRuns/~/taskInstances/list", json=body).get_json()
    assert sorted(each["task_id"] for each in found["task_instances"]) == ["extract", "load"]


def test_batch_across_runs_by_dag_run_ids(api, failed_etl_run, fanout_run):
    body = {"dag_run_ids": [failed_etl_run.dag_run_id, fanout_run.dag_run_id], "state": ["failed"]}
    found = api.post("/dags/~/dagRuns/~/taskInstances/list", json=body).get_json()
    assert [(each["dag_id"], each["task_id"]) for each in found["task_instances"]] == [(ETL, "transform")]


def test_mapped_instances(api, fanout_run):
    base = f"/dags/{FANOUT}/dagRuns/{fanout_run.dag_run_id}/taskInstances/square"
    assert api.get(base).status_code == 404
    assert api.get(f"{base}/3").get_json()["map_index"] == 3
    listed = api.get(f"{base}/listMapped?limit=5&order_by=-map_index").get_json()
    assert [each["map_index"] for each in listed["task_instances"]] == [47, 46, 45, 44, 43]
    assert listed["total_entries"] == FANOUT_WIDTH
    assert api.get(f"/dags/{FANOUT}/dagRuns/{fanout_run.dag_run_id}/taskInstances/flaky/listMapped").status_code == 404


def test_a_retried_task_has_two_tries_and_a_log_for_each(api, fanout_run):
    base = f"/dags/{FANOUT}/dagRuns/{fanout_run.dag_run_id}/taskInstances/flaky"
    assert api.get(base).get_json()["try_number"] == 2
    tries = api.get(f"{base}/tries").get_json()
    assert [(each["try_number"], each["state"]) for each in tries["task_instances_history"]] == [
        (1, "failed"),
        (2, "success"),
    ]
    assert api.get(f"{base}/tries/2").get_json()["state"] == "success"
    first = api.get(f"{base}/logs/1").get_json()
    assert "first try: failing on purpose" in first["content"] and "second try" not in first["content"]
    second = api.get(f"{base}/logs/2", headers={"Accept": "text/plain"})
    assert second.content_type.startswith("text/plain") and "second try: succeeding" in second.get_data(as_text=True)
    assert api.get(f"{base}/logs/3").status_code == 404


def test_logs_page_with_continuation_tokens(api, fanout_run):
    base = f"/dags/{FANOUT}/dagRuns/{fanout_run.dag_run_id}/taskInstances/flaky/logs/2"
    first = api.get(base).get_json()
    again = api.get(f"{base}?token={first['continuation_token']}").get_json()
    assert again["content"] == "[('', '')]"
    assert api.get(f"{base}?token=garbage").status_code == 400


def test_xcom_entries_are_the_task_runs_artifacts(api, prefect_stack, failed_etl_run):
    run = finish_run(prefect_stack, ETL, "etl/demo", {}, 3)
    base = f"/dags/{ETL}/dagRuns/{run.dag_run_id}/taskInstances"
    listed = api.get(f"{base}/load/xcomEntries").get_json()
    assert [each["key"] for each in listed["xcom_entries"]] == ["load-summary"] and listed["total_entries"] == 1
    entry = api.get(f"{base}/load/xcomEntries/load-summary").get_json()
    assert entry["value"] == "Loaded 3 values, total 6."
    assert api.get(f"{base}/~/xcomEntries").get_json()["total_entries"] == 1
    assert api.get(f"{base}/extract/xcomEntries/load-summary").status_code == 404


def test_tasks_of_a_dag_come_from_its_latest_completed_run(api, failed_etl_run):
    tasks = api.get(f"/dags/{ETL}/tasks").get_json()["tasks"]
    assert {task["task_id"]: task["downstream_task_ids"] for task in tasks} == {
        "extract": ["transform"],
        "load": [],
        "transform": ["load"],
    }
    assert api.get(f"/dags/{ETL}/tasks/load").get_json()["task_id"] == "load"
    assert api.get(f"/dags/{ETL}/tasks/nope").status_code == 404
    assert api.get("/dags/nope/tasks").status_code == 404
    assert api.get(f"/dags/{ETL}/tasks?order_by=color").status_code == 400


def test_marking_a_task_instance_changes_its_task_run(api, prefect_stack, failed_etl_run):
    # failed_etl_run: the module's completed run gives the DAG's task graph (`load` that never ran)
    run = finish_run(prefect_stack, ETL, "etl/demo", {"fail": True}, 2)
    base = f"/dags/{ETL}/dagRuns/{run.dag_run_id}/taskInstances"
    dry = api.patch(f"{base}/transform", json={"new_state": "success"})
    assert dry.status_code == 200 and api.get(f"{base}/transform").get_json()["state"] == "failed"
    api.patch(f"{base}/transform", json={"new_state": "success", "dry_run": False})
    assert api.get(f"{base}/transform").get_json()["state"] == "success"
    assert api.patch(f"{base}/load", json={"new_state": "success"}).status_code == 400  # never ran
    assert api.patch(f"{base}/transform", json={"new_state": "running"}).status_code == 400

    body = {"dag_run_id": run.dag_run_id, "task_id": "extract", "new_state": "skipped"}
    affected = api.post(f"/dags/{ETL}/updateTaskInstancesState", json={**body, "include_downstream": True})
    assert sorted(each["task_id"] for each in affected.get_json()["task_instances"]) == ["extract", "transform"]
    assert api.get(f"{base}/extract").get_json()["state"] == "success"  # a dry run by default
    api.post(f"/dags/{ETL}/updateTaskInstancesState", json={**body, "dry_run": False})
    assert api.get(f"{base}/extract").get_json()["state"] == "skipped"
    refused = api.post(f"/dags/{ETL}/updateTaskInstancesState", json={**body, "include_past": True})
    assert refused.status_code == 400


def test_clearing_task_instances_reruns_the_flow_run(api, prefect_stack, failed_etl_run):
    run = finish_run(prefect_stack, ETL, "etl/demo", {"fail": True}, 2)
    dag_run_id = run.dag_run_id
    dry = api.post(f"/dags/{ETL}/clearTaskInstances", json={"dag_run_id": dag_run_id})
    assert sorted(each["task_id"] for each in dry.get_json()["task_instances"]) == ["load", "transform"]
    assert api.get(f"/dags/{ETL}/dagRuns/{dag_run_id}").get_json()["state"] == "failed"
    cleared = api.post(f"/dags/{ETL}/clearTaskInstances", json={"dag_run_id": dag_run_id, "dry_run": False})
    assert cleared.status_code == 200
    # Prefect really runs the flow again: a second try (it fails again: its parameters did not change).
    rerun = wait_for_flow_run(prefect_stack.api_url, run.flow_run_id)
    assert (rerun["run_count"], rerun["state_type"]) == (2, "FAILED")
    assert api.wait_for_run(ETL, dag_run_id)["state"] == "failed"
    assert api.post("/dags/nope/clearTaskInstances", json={}).status_code == 404
