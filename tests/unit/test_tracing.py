"""Tracing a flow's task graph from its code: the tasks never run, their edges come out as Airflow's."""

import pytest

from app.tracing import TraceError, trace_flow
from app.translate import task_graphs
from app.translate.airflow import Task
from support import traced_flows


def graph(flow, parameters=None) -> dict[str, tuple[list[str], bool, int, float]]:
    return {
        task.task_id: (task.downstream_task_ids, task.is_mapped, task.retries, task.retry_delay_seconds)
        for task in trace_flow(flow, parameters or {})
    }


def test_calls_submits_and_wait_for_make_the_edges():
    assert graph(traced_flows.diamond) == {
        "start": (["left", "right"], False, 0, 0.0),
        "left": (["join-them"], False, 2, 5.0),  # the first of its retry delays
        "right": (["join-them"], False, 0, 0.0),
        "join-them": (["notify"], False, 0, 0.0),  # a fixed task_run_name is the task_id, as at run time
        "notify": ([], False, 0, 0.0),
    }


def test_maps_subflows_and_stand_in_results():
    assert graph(traced_flows.fan) == {
        "rows": (["square"], True, 0, 0.0),  # called twice: two task runs of one task, as mapped at run time
        "square": (["child"], True, 0, 0.0),
        "child": ([], False, 0, 0.0),
    }


def test_async_flows_and_tasks():
    assert graph(traced_flows.asynchronous) == {"fetch": (["store"], False, 0, 0.0), "store": ([], False, 0, 0.0)}


def test_a_flow_that_computes_with_a_placeholder_says_how_to_trace_it():
    with pytest.raises(TraceError, match="viz_return_value"):
        trace_flow(traced_flows.computes_with_a_result, {})


def test_invalid_parameters_are_a_trace_error():
    with pytest.raises(TraceError, match="diamond"):
        trace_flow(traced_flows.diamond, {"width": "not a number"})


TASKS = [
    Task("extract", "", 0, 0.0, False, ["load"]),
    Task("load", "", 1, 30.0, True, []),
]


def test_a_stored_graph_reads_back_with_the_dags_owners():
    data = task_graphs.graph_data("etl", "demo", "flows.py:etl", TASKS)
    assert task_graphs.tasks_of_graph(data, ["a", "b"]) == [
        Task("extract", "a,b", 0, 0.0, False, ["load"]),
        Task("load", "a,b", 1, 30.0, True, []),
    ]


@pytest.mark.parametrize(
    "data",
    [
        None,
        "text",
        {"version": 2, "tasks": []},
        {"version": 1},
        {"version": 1, "tasks": [{"task_id": ""}]},
        {"version": 1, "tasks": [{"task_id": "a", "downstream_task_ids": "b", "is_mapped": False}]},
        {"version": 1, "tasks": [{"task_id": "a", "downstream_task_ids": ["b"], "is_mapped": False}]},
        {"version": 1, "tasks": [{"task_id": "a", "downstream_task_ids": [], "is_mapped": "no"}]},
        {"version": 1, "tasks": [{"task_id": "a", "downstream_task_ids": [], "is_mapped": False}] * 2},
    ],
)
def test_anything_else_is_not_a_task_graph(data):
    with pytest.raises(task_graphs.NotATaskGraph):
        task_graphs.tasks_of_graph(data, ["airflow"])


def test_the_key_names_the_deployment():
    assert task_graphs.artifact_key("02322d95-0cbc-4460-990f-c38b70c6723a") == (
        "airflow-task-graph-02322d95-0cbc-4460-990f-c38b70c6723a"
    )
