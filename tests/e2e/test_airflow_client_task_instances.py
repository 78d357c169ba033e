"""Task instances, tries, logs, XComs and tasks end to end through apache-airflow-client 2.10."""

from __future__ import annotations

import pytest
from airflow_client.client.api import x_com_api
from airflow_client.client.exceptions import NotFoundException
from airflow_client.client.model.dag_run import DAGRun

from conftest import ETL, FANOUT, FANOUT_WIDTH, finish_run
from support.prefect_stack import prefect_call, wait_for_flow_run, wait_for_task_runs


@pytest.fixture(scope="module")
def triggered_failure(runs, prefect_stack):
    """An ETL run triggered through the client with the failing parameter, followed to its end."""
    run = runs.post_dag_run(ETL, DAGRun(conf={"fail": True}))
    flow_run_id = _flow_run_id(prefect_stack.api_url, run.dag_run_id)
    wait_for_flow_run(prefect_stack.api_url, flow_run_id)
    wait_for_task_runs(prefect_stack.api_url, flow_run_id, 2)
    return run.dag_run_id


def _flow_run_id(api_url: str, name: str) -> str:

    body = {"flow_runs": {"name": {"any_": [name]}}, "limit": 1}
    return prefect_call("POST", f"{api_url}/flow_runs/filter", json=body).json()[0]["id"]


def test_a_failed_run_shows_which_task_failed(task_instances, triggered_failure, failed_etl_run):
    found = task_instances.get_task_instances(ETL, triggered_failure)
    states = {each.task_id: each.state.value for each in found.task_instances}
    assert states == {"extract": "success", "transform": "failed", "load": "upstream_failed"}
    load = task_instances.get_task_instance(ETL, triggered_failure, "load")
    assert load.try_number == 0 and load.map_index == -1


def test_a_retried_task_shows_both_tries_and_their_logs(task_instances, fanout_run):
    flaky = task_instances.get_task_instance(FANOUT, fanout_run.dag_run_id, "flaky")
    assert flaky.try_number == 2 and flaky.max_tries == 1 and flaky.state.value == "success"
    tries = task_instances.get_task_instance_tries(FANOUT, fanout_run.dag_run_id, "flaky")
    # client 2.10.0 has no model for TaskInstanceHistory items and hands them over as dicts
    assert [each["try_number"] for each in tries.task_instances_history] == [1, 2]
    first = task_instances.get_log(FANOUT, fanout_run.dag_run_id, "flaky", 1)
    second = task_instances.get_log(FANOUT, fanout_run.dag_run_id, "flaky", 2, full_content=True)
    assert "first try: failing on purpose" in first.content
    assert "second try: succeeding" in second.content


def test_a_mapped_task_shows_its_map_indexes(task_instances, fanout_run):
    listed = task_instances.get_mapped_task_instances(FANOUT, fanout_run.dag_run_id, "square", limit=100)
    assert sorted(each.map_index for each in listed.task_instances) == list(range(FANOUT_WIDTH))
    one = task_instances.get_mapped_task_instance(FANOUT, fanout_run.dag_run_id, "square", 7)
    assert one.map_index == 7 and one.state.value == "success"
    with pytest.raises(NotFoundException):
        task_instances.get_task_instance(FANOUT, fanout_run.dag_run_id, "square")


def test_tasks_and_xcoms(api_client, dags, prefect_stack, failed_etl_run):
    tasks = dags.get_tasks(ETL).tasks
    assert {task.task_id: task.downstream_task_ids for task in tasks}["extract"] == ["transform"]
    completed = finish_run(prefect_stack, ETL, "etl/demo", {}, 3)  # this test's own, with its `load` artifact
    xcoms = x_com_api.XComApi(api_client)
    entries = xcoms.get_xcom_entries(ETL, completed.dag_run_id, "load")
    assert [entry.key for entry in entries.xcom_entries] == ["load-summary"]
    assert xcoms.get_xcom_entry(ETL, completed.dag_run_id, "load", "load-summary").value.startswith("Loaded ")
