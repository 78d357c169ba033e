"""The operations the other end-to-end modules leave out, through apache-airflow-client 2.10.

Bulk DAG pausing, tasks, task-instance writes and clears, tries of mapped
and unmapped tasks, config, connection tests, warnings, datasets and
import errors: each called as Airflow tooling calls it, on the bridge's
live port in front of the real Prefect server.
"""

from __future__ import annotations

import httpx
import pytest
from airflow_client.client.api import (
    config_api,
    connection_api,
    dag_warning_api,
    dataset_api,
    event_log_api,
    import_error_api,
)
from airflow_client.client.exceptions import NotFoundException
from airflow_client.client.model.clear_task_instances import ClearTaskInstances
from airflow_client.client.model.connection import Connection
from airflow_client.client.model.dag import DAG
from airflow_client.client.model.list_task_instance_form import ListTaskInstanceForm
from airflow_client.client.model.update_task_instance import UpdateTaskInstance
from airflow_client.client.model.update_task_instances_state import UpdateTaskInstancesState
from airflow_client.client.model.update_task_state import UpdateTaskState

from conftest import ETL, FANOUT, HELLO, airflow_client, finish_run
from support.prefect_stack import wait_for_flow_run


@pytest.fixture
def failed_run(prefect_stack, failed_etl_run):
    """A fresh failed ETL run of this test's own (after the module's completed one, the task graph)."""
    return finish_run(prefect_stack, ETL, "etl/demo", {"fail": True}, 2)


def test_bulk_pause_and_resume_by_pattern(dags):
    try:
        paused = dags.patch_dags("hello", DAG(is_paused=True), update_mask=["is_paused"])
        assert [(dag.dag_id, dag.is_paused) for dag in paused.dags] == [(HELLO, True)]
        assert dags.get_dag(HELLO).is_paused is True
    finally:
        resumed = dags.patch_dags("hello", DAG(is_paused=False), update_mask=["is_paused"])
    assert [(dag.dag_id, dag.is_paused) for dag in resumed.dags] == [(HELLO, False)]


def test_one_task_of_a_dag(dags, failed_etl_run):
    task = dags.get_task(ETL, "transform")
    assert (task.task_id, task.downstream_task_ids) == ("transform", ["load"])
    with pytest.raises(NotFoundException):
        dags.get_task(ETL, "nope")


def test_task_instances_of_one_run_in_a_batch(task_instances, failed_etl_run):
    form = ListTaskInstanceForm(dag_ids=[ETL], dag_run_ids=[failed_etl_run.dag_run_id])
    found = task_instances.get_task_instances_batch(form)
    states = {each.task_id: each.state.value for each in found.task_instances}
    assert states == {"extract": "success", "transform": "failed", "load": "upstream_failed"}
    assert found.total_entries == 3


def marking(state: str, *, dry_run: bool = True) -> UpdateTaskInstance:
    return UpdateTaskInstance(new_state=UpdateTaskState(state), dry_run=dry_run)


def test_marking_one_task_instance(task_instances, failed_run):
    run_id = failed_run.dag_run_id
    dry = task_instances.patch_task_instance(ETL, run_id, "transform", update_task_instance=marking("success"))
    assert (dry.task_id, dry.dag_run_id) == ("transform", run_id)
    assert task_instances.get_task_instance(ETL, run_id, "transform").state.value == "failed"
    marked = marking("success", dry_run=False)
    task_instances.patch_task_instance(ETL, run_id, "transform", update_task_instance=marked)
    assert task_instances.get_task_instance(ETL, run_id, "transform").state.value == "success"


def test_marking_a_mapped_task_instance_dry_run(task_instances, fanout_run):
    run_id = fanout_run.dag_run_id
    ref = task_instances.patch_mapped_task_instance(FANOUT, run_id, "square", 3, update_task_instance=marking("failed"))
    assert (ref.task_id, ref.dag_run_id) == ("square", run_id)
    assert task_instances.get_mapped_task_instance(FANOUT, run_id, "square", 3).state.value == "success"


def test_setting_the_state_of_task_instances(dags, task_instances, failed_run):
    body = {"dag_run_id": failed_run.dag_run_id, "task_id": "extract", "new_state": UpdateTaskState("skipped")}
    affected = dags.post_set_task_instances_state(ETL, UpdateTaskInstancesState(**body, include_downstream=True))
    assert sorted(each.task_id for each in affected.task_instances) == ["extract", "transform"]
    assert task_instances.get_task_instance(ETL, failed_run.dag_run_id, "extract").state.value == "success"
    dags.post_set_task_instances_state(ETL, UpdateTaskInstancesState(**body, dry_run=False))
    assert task_instances.get_task_instance(ETL, failed_run.dag_run_id, "extract").state.value == "skipped"


def test_clearing_task_instances_runs_the_flow_run_again(dags, prefect_stack, failed_run):
    dry = dags.post_clear_task_instances(ETL, ClearTaskInstances(dag_run_id=failed_run.dag_run_id))
    assert sorted(each.task_id for each in dry.task_instances) == ["load", "transform"]
    dags.post_clear_task_instances(ETL, ClearTaskInstances(dag_run_id=failed_run.dag_run_id, dry_run=False))
    rerun = wait_for_flow_run(prefect_stack.api_url, failed_run.flow_run_id)
    assert (rerun["run_count"], rerun["state_type"]) == (2, "FAILED")  # ran again, failing again on its parameters


def test_tries_of_plain_and_mapped_task_instances(task_instances, fanout_run):
    first = task_instances.get_task_instance_try_details(FANOUT, fanout_run.dag_run_id, "flaky", 1)
    assert (first.try_number, first.state.value) == (1, "failed")
    tries = task_instances.get_mapped_task_instance_tries(FANOUT, fanout_run.dag_run_id, "square", 3)
    # client 2.10.0 has no model for TaskInstanceHistory items and hands them over as dicts
    assert [(each["try_number"], each["map_index"]) for each in tries.task_instances_history] == [(1, 3)]
    only = task_instances.get_mapped_task_instance_try_details(FANOUT, fanout_run.dag_run_id, "square", 3, 1)
    assert (only.map_index, only.try_number, only.state.value) == (3, 1, "success")


def test_exposed_config(serve_live):
    with airflow_client(serve_live(expose_config=True)) as api:
        config = config_api.ConfigApi(api)
        sections = {section.name for section in config.get_config().sections}
        assert {"api", "prefect", "bridge"} <= sections
        value = config.get_value("api", "maximum_page_limit")
        assert value.sections[0].options[0].value == "100"


def test_testing_a_connection_when_enabled(serve_live, prefect_stack):
    port = httpx.URL(prefect_stack.api_url).port
    with airflow_client(serve_live(test_connection="Enabled")) as api:
        tested = connection_api.ConnectionApi(api).test_connection(
            Connection(connection_id="prefect", conn_type="http", host="127.0.0.1", port=port)
        )
    assert tested.status is True


def test_what_prefect_has_none_of(api_client, runs, failed_etl_run):
    assert dag_warning_api.DagWarningApi(api_client).get_dag_warnings().total_entries == 0
    datasets = dataset_api.DatasetApi(api_client)
    assert datasets.get_datasets().total_entries == 0
    assert datasets.get_dataset_events().total_entries == 0
    with pytest.raises(NotFoundException):
        datasets.get_dataset("s3://bucket/key")
    with pytest.raises(NotFoundException):
        import_error_api.ImportErrorApi(api_client).get_import_error(1)
    upstream = runs.get_upstream_dataset_events(ETL, failed_etl_run.dag_run_id)
    assert upstream.total_entries == 0


def test_an_event_log_read_back_by_id(api_client, failed_etl_run):
    events = event_log_api.EventLogApi(api_client)
    page = events.get_event_logs(dag_id=ETL, run_id=failed_etl_run.dag_run_id, limit=5)
    assert page.event_logs, "a finished run has events"
    for entry in page.event_logs:
        read = events.get_event_log(entry.event_log_id)
        assert (read.event, read.run_id) == (entry.event, failed_etl_run.dag_run_id)
