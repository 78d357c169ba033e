"""Airflow objects in Airflow 2.10's v1 JSON shapes (DAG, DAGDetail, DAGRun, TaskInstance, Task, XCom)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from app.errors import BadRequest
from app.translate.airflow import Dag, DagRun, EventLog, Task, TaskInstance, TaskTry, XComEntry
from app.translate.dags import AIRFLOW_DEFAULTS, CATCHUP
from app.translate.dates import format_datetime
from app.translate.task_instances import DEFAULT_POOL, DEFAULT_QUEUE, OPERATOR


def dag(item: Dag) -> dict[str, Any]:
    next_dagrun = format_datetime(item.next_dagrun)
    return {
        "dag_id": item.dag_id,
        "dag_display_name": item.dag_display_name,
        "root_dag_id": None,
        "is_paused": item.is_paused,
        "is_active": item.is_active,
        "is_subdag": False,
        "last_parsed_time": format_datetime(item.last_parsed_time),
        "last_pickled": None,
        "last_expired": None,
        "scheduler_lock": None,
        "pickle_id": None,
        "default_view": AIRFLOW_DEFAULTS["default_view"],
        "fileloc": item.fileloc,
        "file_token": item.file_token,
        "owners": list(item.owners),
        "description": item.description,
        "schedule_interval": item.schedule_interval,
        "timetable_description": item.timetable_description,
        "tags": [{"name": tag} for tag in item.tags],
        "max_active_tasks": AIRFLOW_DEFAULTS["max_active_tasks"],
        "max_active_runs": item.max_active_runs,
        "has_task_concurrency_limits": AIRFLOW_DEFAULTS["has_task_concurrency_limits"],
        "has_import_errors": False,
        "next_dagrun": next_dagrun,
        "next_dagrun_data_interval_start": next_dagrun,
        "next_dagrun_data_interval_end": next_dagrun,
        "next_dagrun_create_after": next_dagrun,
        "max_consecutive_failed_dag_runs": AIRFLOW_DEFAULTS["max_consecutive_failed_dag_runs"],
    }


def dag_detail(item: Dag) -> dict[str, Any]:
    return {
        **dag(item),
        "timezone": item.timezone,
        "catchup": CATCHUP,
        "orientation": AIRFLOW_DEFAULTS["orientation"],
        "concurrency": AIRFLOW_DEFAULTS["concurrency"],
        "start_date": format_datetime(item.start_date),
        "dag_run_timeout": AIRFLOW_DEFAULTS["dag_run_timeout"],
        "dataset_expression": AIRFLOW_DEFAULTS["dataset_expression"],
        "doc_md": AIRFLOW_DEFAULTS["doc_md"],
        "params": item.params,
        "end_date": AIRFLOW_DEFAULTS["end_date"],
        "is_paused_upon_creation": AIRFLOW_DEFAULTS["is_paused_upon_creation"],
        "last_parsed": format_datetime(item.last_parsed_time),
        "template_search_path": AIRFLOW_DEFAULTS["template_search_path"],
        "render_template_as_native_obj": AIRFLOW_DEFAULTS["render_template_as_native_obj"],
    }


def dag_run(item: DagRun) -> dict[str, Any]:
    logical_date = format_datetime(item.logical_date)
    return {
        "dag_run_id": item.dag_run_id,
        "dag_id": item.dag_id,
        "logical_date": logical_date,
        "execution_date": logical_date,
        "start_date": format_datetime(item.start_date),
        "end_date": format_datetime(item.end_date),
        "data_interval_start": logical_date,
        "data_interval_end": logical_date,
        "last_scheduling_decision": None,
        "run_type": item.run_type,
        "state": item.state,
        "external_trigger": item.external_trigger,
        "conf": item.conf,
        "note": item.note,
    }


def _task_instance_common(item: TaskInstance) -> dict[str, Any]:
    """The fields TaskInstance and TaskInstanceHistory share."""
    return {
        "task_id": item.task_id,
        "task_display_name": item.task_id,
        "dag_id": item.dag_id,
        "dag_run_id": item.dag_run_id,
        "start_date": format_datetime(item.start_date),
        "end_date": format_datetime(item.end_date),
        "duration": item.duration,
        "state": item.state,
        "try_number": item.try_number,
        "map_index": item.map_index,
        "max_tries": item.max_tries,
        "hostname": "",
        "unixname": "",
        "pool": DEFAULT_POOL,
        "pool_slots": 1,
        "queue": DEFAULT_QUEUE,
        "priority_weight": 1,
        "operator": OPERATOR,
        "queued_when": format_datetime(item.queued_when),
        "pid": None,
        "executor": None,
        "executor_config": "{}",
    }


def task_instance(item: TaskInstance) -> dict[str, Any]:
    return {
        **_task_instance_common(item),
        "execution_date": format_datetime(item.execution_date),
        "sla_miss": None,
        "rendered_map_index": str(item.map_index) if item.map_index >= 0 else None,
        "rendered_fields": {},
        "trigger": None,
        "triggerer_job": None,
        "note": item.note,
    }


def task_try(item: TaskInstance, attempt: TaskTry) -> dict[str, Any]:
    """One try of a task instance (TaskInstanceHistory)."""
    ended = attempt.end_date is not None and attempt.start_date is not None
    return {
        **_task_instance_common(item),
        "start_date": format_datetime(attempt.start_date),
        "end_date": format_datetime(attempt.end_date),
        "duration": (attempt.end_date - attempt.start_date).total_seconds() if ended else None,
        "state": attempt.state,
        "try_number": attempt.try_number,
    }


def task_reference(item: TaskInstance) -> dict[str, Any]:
    return {
        "task_id": item.task_id,
        "dag_id": item.dag_id,
        "execution_date": format_datetime(item.execution_date),
        "dag_run_id": item.dag_run_id,
    }


def task(item: Task) -> dict[str, Any]:
    delay = timedelta(seconds=item.retry_delay_seconds)
    return {
        "class_ref": {"module_path": "prefect.tasks", "class_name": "Task"},
        "task_id": item.task_id,
        "task_display_name": item.task_id,
        "owner": item.owner,
        "start_date": None,
        "end_date": None,
        "trigger_rule": "all_success",
        "extra_links": [],
        "depends_on_past": False,
        "is_mapped": item.is_mapped,
        "wait_for_downstream": False,
        "retries": item.retries,
        "queue": DEFAULT_QUEUE,
        "executor": None,
        "pool": DEFAULT_POOL,
        "pool_slots": 1,
        "execution_timeout": None,
        "retry_delay": {
            "__type": "TimeDelta",
            "days": delay.days,
            "seconds": delay.seconds,
            "microseconds": delay.microseconds,
        },
        "retry_exponential_backoff": False,
        "priority_weight": 1,
        "weight_rule": "downstream",
        "ui_color": "#fff",
        "ui_fgcolor": "#000",
        "template_fields": [],
        "downstream_task_ids": list(item.downstream_task_ids),
        "doc_md": None,
    }


def xcom_item(item: XComEntry) -> dict[str, Any]:
    return {
        "key": item.key,
        "timestamp": format_datetime(item.timestamp),
        "execution_date": format_datetime(item.execution_date),
        "map_index": item.map_index,
        "task_id": item.task_id,
        "dag_id": item.dag_id,
    }


def xcom(item: XComEntry, *, stringify: bool) -> dict[str, Any]:
    """With `stringify` (Airflow's default) the value is its Python string form, else the value as Prefect holds it."""
    value = str(item.value) if stringify and not isinstance(item.value, str) else item.value
    return {**xcom_item(item), "value": value}


def only_fields(document: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    """Airflow's `fields` parameter: keep only the named keys (all when none are named)."""
    if not fields:
        return document
    unknown = [name for name in fields if name not in document]
    if unknown:
        raise BadRequest(f"Unknown field(s) in 'fields': {', '.join(unknown)}")
    return {name: document[name] for name in fields}


def event_log(item: EventLog) -> dict[str, Any]:
    return {
        "event_log_id": item.event_log_id,
        "when": format_datetime(item.when),
        "dag_id": item.dag_id,
        "task_id": item.task_id,
        "run_id": item.run_id,
        "map_index": None,
        "try_number": None,
        "event": item.event,
        "execution_date": format_datetime(item.execution_date),
        "owner": None,
        "extra": item.extra,
    }


def empty_collection(name: str) -> dict[str, Any]:
    """A collection the bridge has nothing to put in, in Airflow's shape."""
    return {name: [], "total_entries": 0}


def dag_stats(counts: dict[str, dict[str, int]]) -> dict[str, Any]:
    """`GET /dagStats`: each DAG's run count per state, in the order given."""
    dags = [
        {"dag_id": dag_id, "stats": [{"state": state, "count": count} for state, count in states.items()]}
        for dag_id, states in counts.items()
    ]
    return {"dags": dags, "total_entries": len(dags)}
