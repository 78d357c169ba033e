"""A clear's dry run, task-instance notes, dependencies and extra links through apache-airflow-client 2.10."""

from __future__ import annotations

import pytest
from airflow_client.client.exceptions import NotFoundException
from airflow_client.client.model.clear_dag_run import ClearDagRun
from airflow_client.client.model.set_task_instance_note import SetTaskInstanceNote

from conftest import ETL, FANOUT
from support.prefect_stack import create_held_flow_run, prefect_call


def test_a_clear_dry_run_lists_the_task_instances(runs, task_instances, failed_etl_run):
    # client 2.10.0 answers this operation with a plain dict (DAGRun or TaskInstanceReferenceCollection)
    answer = runs.clear_dag_run(ETL, failed_etl_run.dag_run_id, ClearDagRun(dry_run=True))
    listed = task_instances.get_task_instances(ETL, failed_etl_run.dag_run_id).task_instances
    assert sorted(each["task_id"] for each in answer["task_instances"]) == ["extract", "load", "transform"]
    assert [each["task_id"] for each in answer["task_instances"]] == [each.task_id for each in listed]
    assert {each["dag_run_id"] for each in answer["task_instances"]} == {failed_etl_run.dag_run_id}
    assert runs.get_dag_run(ETL, failed_etl_run.dag_run_id).state.value == "failed"


def test_a_note_is_set_and_read_back(task_instances, fanout_run):
    run_id = fanout_run.dag_run_id
    noted = task_instances.set_task_instance_note(FANOUT, run_id, "flaky", SetTaskInstanceNote(note="retried once"))
    assert noted.note == "retried once" and noted.task_id == "flaky"
    assert task_instances.get_task_instance(FANOUT, run_id, "flaky").note == "retried once"
    mapped = task_instances.set_mapped_task_instance_note(FANOUT, run_id, "square", 7, SetTaskInstanceNote(note="7"))
    assert mapped.note == "7" and mapped.map_index == 7
    assert task_instances.get_mapped_task_instance(FANOUT, run_id, "square", 7).note == "7"


def test_dependencies_name_what_a_task_waits_for(task_instances, prefect_stack, failed_etl_run):
    flow_run = create_held_flow_run(prefect_stack.api_url, "etl/demo", "RUNNING")
    try:
        waiting = task_instances.get_task_instance_dependencies(ETL, f"prefect__{flow_run['id']}", "load")
        (dependency,) = waiting.dependencies
        assert dependency.name == "Trigger Rule"
        assert "found 1 non-success(es)" in dependency.reason and "upstream_task_ids={'transform'}" in dependency.reason
    finally:
        prefect_call("DELETE", f"{prefect_stack.api_url}/flow_runs/{flow_run['id']}")
    # upstream_failed: Airflow checks no dependencies of an instance that has a state
    run_id = failed_etl_run.dag_run_id
    assert task_instances.get_task_instance_dependencies(ETL, run_id, "load").dependencies == []


def test_a_task_has_no_extra_links(task_instances, failed_etl_run):
    assert task_instances.get_extra_links(ETL, failed_etl_run.dag_run_id, "extract").to_dict() == {}


def test_a_finished_mapped_instance_waits_for_nothing(task_instances, fanout_run):
    # Airflow checks the dependencies of an instance with no state or `scheduled` only: a finished one has none.
    answer = task_instances.get_mapped_task_instance_dependencies(FANOUT, fanout_run.dag_run_id, "square", 3)
    assert answer.dependencies == []
    with pytest.raises(NotFoundException):
        task_instances.get_mapped_task_instance_dependencies(FANOUT, fanout_run.dag_run_id, "square", 10_000)
