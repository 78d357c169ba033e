"""Airflow objects in Airflow 2.10's v1 JSON shapes (DAG, DAGDetail, DAGRun)."""

from __future__ import annotations

from typing import Any

from app.errors import BadRequest
from app.translate.airflow import Dag, DagRun, EventLog
from app.translate.dates import format_datetime


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
        "default_view": "grid",
        "fileloc": item.fileloc,
        "file_token": item.file_token,
        "owners": list(item.owners),
        "description": item.description,
        "schedule_interval": item.schedule_interval,
        "timetable_description": item.timetable_description,
        "tags": [{"name": tag} for tag in item.tags],
        "max_active_tasks": None,
        "max_active_runs": item.max_active_runs,
        "has_task_concurrency_limits": False,
        "has_import_errors": False,
        "next_dagrun": next_dagrun,
        "next_dagrun_data_interval_start": next_dagrun,
        "next_dagrun_data_interval_end": next_dagrun,
        "next_dagrun_create_after": next_dagrun,
        "max_consecutive_failed_dag_runs": 0,
    }


def dag_detail(item: Dag) -> dict[str, Any]:
    return {
        **dag(item),
        "timezone": "UTC",
        "catchup": False,
        "orientation": "LR",
        "concurrency": None,
        "start_date": format_datetime(item.start_date),
        "dag_run_timeout": None,
        "dataset_expression": None,
        "doc_md": None,
        "params": item.params,
        "end_date": None,
        "is_paused_upon_creation": None,
        "last_parsed": format_datetime(item.last_parsed_time),
        "template_search_path": None,
        "render_template_as_native_obj": False,
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
