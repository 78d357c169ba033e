"""Pure rules: task identity, map indexes, tasks that never ran, task states, tries and log tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.errors import BadRequest
from app.prefect.models import LogEntry, State, TaskRun
from app.translate import task_logs
from app.translate.airflow import DagRun, Task
from app.translate.states import load_state_table
from app.translate.task_instances import (
    TaskInstanceQuery,
    check_task_states,
    downstream_task_ids,
    map_indexes,
    run_task_instances,
    task_id_of,
    task_run_filter,
    tasks_of,
)

STATES = load_state_table()
FLOW_RUN = uuid.uuid4()
T0 = datetime(2026, 11, 30, 12, tzinfo=UTC)


def _task_run(name: str, *, seconds: int = 0, state=("COMPLETED", "Completed"), inputs=None, **fields) -> TaskRun:
    key = uuid.uuid4().hex
    return TaskRun.model_validate(
        {
            "id": uuid.uuid4(),
            "name": f"{name}-{key[:3]}",
            "dynamic_key": key,
            "flow_run_id": FLOW_RUN,
            "run_count": 1,
            "state": {"type": state[0], "name": state[1]},
            "expected_start_time": T0 + timedelta(seconds=seconds),
            "task_inputs": inputs or {},
            **fields,
        }
    )


def _dag_run(state: str) -> DagRun:
    return DagRun("r1", "etl", FLOW_RUN, T0, T0, None, "manual", state, True, {}, None)


def _from(run: TaskRun) -> dict:
    return {"x": [{"input_type": "task_run", "id": str(run.id)}]}


@pytest.mark.parametrize(
    ("name", "dynamic_key", "task_id"),
    [
        ("extract-4fc", "4fc553b8-62a4", "extract"),
        ("my-task-name-0ab", "0ab12", "my-task-name"),
        ("custom run name", "0ab12", "custom run name"),  # task_run_name= given: kept whole
        ("-0ab", "0ab12", "-0ab"),
    ],
)
def test_task_id_is_the_task_name_without_prefects_suffix(name, dynamic_key, task_id):
    run = TaskRun.model_validate({"id": uuid.uuid4(), "name": name, "dynamic_key": dynamic_key})
    assert task_id_of(run) == task_id


def test_repeated_runs_of_a_task_are_mapped_in_start_order():
    runs = [_task_run("square", seconds=2), _task_run("square", seconds=1), _task_run("total", seconds=3)]
    indexes = map_indexes(runs)
    assert [indexes[run.id] for run in runs] == [1, 0, -1]


@pytest.mark.parametrize(
    ("dag_run_state", "never_ran_state"),
    [("failed", "upstream_failed"), ("success", "skipped"), ("running", None), ("queued", None)],
)
def test_tasks_of_the_template_that_never_ran(dag_run_state, never_ran_state):
    extract = _task_run("extract")
    transform = _task_run("transform", state=("FAILED", "Failed"), inputs=_from(extract))
    template = [_task_run("extract"), _task_run("transform"), _task_run("load")]
    instances = run_task_instances(_dag_run(dag_run_state), [extract, transform], template, STATES)
    by_task = {each.task_id: each for each in instances}
    assert by_task["load"].state == never_ran_state and by_task["load"].try_number == 0
    assert by_task["load"].task_run_id is None and by_task["transform"].state == "failed"


def test_the_task_graph_comes_from_task_inputs():
    extract = _task_run("extract")
    transform = _task_run("transform", inputs=_from(extract))
    load = _task_run("load", inputs={**_from(transform), "__parents__": _from(extract)["x"], "n": []})
    assert downstream_task_ids([extract, transform, load]) == {
        "extract": ["load", "transform"],
        "transform": ["load"],
        "load": [],
    }
    tasks = {task.task_id: task for task in tasks_of([extract, transform, load], ["data"])}
    assert tasks["extract"].owner == "data" and not tasks["extract"].is_mapped


@pytest.mark.parametrize(
    ("prefect", "airflow"),
    [
        (("SCHEDULED", "Scheduled"), "scheduled"),
        (("SCHEDULED", "AwaitingRetry"), "up_for_retry"),
        (("RUNNING", "Retrying"), "up_for_retry"),
        (("RUNNING", "Running"), "running"),
        (("PENDING", "Pending"), "queued"),
        (("COMPLETED", "Skipped"), "skipped"),
        (("COMPLETED", "Cached"), "success"),
        (("FAILED", "Failed"), "failed"),
        (("CRASHED", "Crashed"), "failed"),
        (("PAUSED", "Suspended"), "deferred"),
    ],
)
def test_task_state_table(prefect, airflow):
    assert STATES.task_state(*prefect) == airflow


def test_filtering_by_task_state_uses_names_where_a_type_reads_two_ways():
    assert STATES.task_run_state_filter(["up_for_retry"]) == {
        "operator": "or_",
        "name": {"any_": ["AwaitingRetry", "Retrying"]},
    }
    assert STATES.task_run_state_filter(["failed"]) == {
        "operator": "or_",
        "type": {"any_": ["FAILED", "CRASHED", "CANCELLED"]},
    }
    assert STATES.task_run_state_filter(["upstream_failed"]) is None  # no task run has it


def test_task_state_values_are_unchecked_as_in_airflow():
    assert check_task_states(["success", "none"]) == ("success", None)
    assert check_task_states(["pending"]) == ("pending",)  # matches no task instance, as in Airflow 2.10


def test_synthesised_fields_rule_out_prefect_queries():
    assert task_run_filter(TaskInstanceQuery(pools=("other",)), STATES) is None
    assert task_run_filter(TaskInstanceQuery(executors=("CeleryExecutor",)), STATES) is None
    assert task_run_filter(TaskInstanceQuery(pools=("default_pool",)), STATES) == {}


def test_tries_split_a_task_runs_state_history():
    run = _task_run("flaky", run_count=2, end_time=T0 + timedelta(seconds=5))
    history = [
        State(type="PENDING", name="Pending", timestamp=T0),
        State(type="RUNNING", name="Running", timestamp=T0 + timedelta(seconds=1)),
        State(type="RUNNING", name="Retrying", timestamp=T0 + timedelta(seconds=3)),
        State(type="COMPLETED", name="Completed", timestamp=T0 + timedelta(seconds=5)),
    ]
    tries = task_logs.tries_of(run, history, STATES)
    assert [(each.try_number, each.state) for each in tries] == [(1, "failed"), (2, "success")]
    first, second = task_logs.try_window(tries, 1), task_logs.try_window(tries, 2)
    assert first.after is None and first.before == second.after == T0 + timedelta(seconds=3)
    line = LogEntry(id=uuid.uuid4(), timestamp=T0 + timedelta(seconds=3), message="x")
    assert not task_logs.in_window(line, first) and task_logs.in_window(line, second)


def test_log_lines_and_tokens():
    entry = LogEntry(id=uuid.uuid4(), name="prefect.task_runs", level=30, message="careful", timestamp=T0)
    assert task_logs.format_line(entry) == "[2026-11-30T12:00:00+00:00] {prefect.task_runs} WARNING - careful"
    assert task_logs.json_content("", "a\nb") == "[('', 'a\\nb')]"
    assert task_logs.decode_token(task_logs.encode_token(42, False)) == 42
    for garbage in ("garbage", task_logs.encode_token(0, True)[:-2] + "!!", "e30"):
        with pytest.raises(BadRequest, match="Bad Signature"):
            task_logs.decode_token(garbage)


@pytest.mark.parametrize(("dag_run_state", "never_ran_state"), [("failed", "upstream_failed"), ("running", None)])
def test_without_a_template_the_traced_graph_names_the_tasks_that_never_ran(dag_run_state, never_ran_state):
    extract = _task_run("extract")
    traced = [
        Task("extract", "", 0, 0.0, False, ["load"]),
        Task("load", "", 3, 0.0, False, []),
    ]
    instances = run_task_instances(_dag_run(dag_run_state), [extract], [], STATES, traced)
    assert [(each.task_id, each.state, each.max_tries, each.task_run_id) for each in instances[1:]] == [
        ("load", never_ran_state, 3, None)
    ]
    assert len(instances) == 2  # extract ran: its task run is its instance
