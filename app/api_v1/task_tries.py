"""Tries of a task instance (Airflow's TaskInstanceHistory); a try is one start of a Prefect task run."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.api_v1 import serialize
from app.api_v1.params import PAGING, Query
from app.api_v1.task_instances import INSTANCE, MAPPED_INSTANCE, ONE_RUN_CALLS
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import NotFound
from app.translate.ordering import postgres_sorted
from app.translate.paging import Page, check_limit, check_offset

blueprint = Blueprint("task_tries", __name__)



@blueprint.get(INSTANCE + "/tries")
@prefect_calls(*ONE_RUN_CALLS, "GET /task_run_states/")
def get_task_instance_tries(dag_id: str, dag_run_id: str, task_id: str):
    return _tries(dag_id, dag_run_id, task_id, None)


@blueprint.get(MAPPED_INSTANCE + "/tries")
@prefect_calls(*ONE_RUN_CALLS, "GET /task_run_states/")
def get_mapped_task_instance_tries(dag_id: str, dag_run_id: str, task_id: str, map_index: int):
    return _tries(dag_id, dag_run_id, task_id, map_index)


@blueprint.get(INSTANCE + "/tries/<int:task_try_number>")
@prefect_calls(*ONE_RUN_CALLS, "GET /task_run_states/")
def get_task_instance_try_details(dag_id: str, dag_run_id: str, task_id: str, task_try_number: int):
    return _try(dag_id, dag_run_id, task_id, None, task_try_number)


@blueprint.get(MAPPED_INSTANCE + "/tries/<int:task_try_number>")
@prefect_calls(*ONE_RUN_CALLS, "GET /task_run_states/")
def get_mapped_task_instance_try_details(
    dag_id: str, dag_run_id: str, task_id: str, map_index: int, task_try_number: int
):
    return _try(dag_id, dag_run_id, task_id, map_index, task_try_number)


def _tries(dag_id: str, dag_run_id: str, task_id: str, map_index: int | None):
    """Tries in try order; `order_by` naming a scalar field of a try sorts by it (NULLs as PostgreSQL places them).

    Airflow 2.10 takes `order_by`, `limit` and `offset` here and applies none
    of them (its handler has no such arguments), so nothing here is a 400
    Airflow would never give: any other `order_by` keeps try order, and a
    negative `limit` reads as none (the fallback page limit).
    """
    query = Query([*PAGING, "order_by"])
    limit = query.integer("limit")
    if limit is not None and limit < 0:
        limit = None  # Airflow does not apply limit here, so it refuses none: no limit is the fallback
    settings = current_bridge().settings
    page = Page(
        offset=check_offset(query.integer("offset")),
        limit=check_limit(limit, maximum=settings.maximum_page_limit, fallback=settings.fallback_page_limit),
    )
    order_by = query.text("order_by") or ""
    _, rows = _history(dag_id, dag_run_id, task_id, map_index)
    key = order_by.lstrip("-")
    if rows and key in rows[0] and all(isinstance(row[key], str | int | float | type(None)) for row in rows):
        rows = postgres_sorted(rows, lambda row: row[key], descending=order_by.startswith("-"))
    return jsonify({"task_instances_history": rows[page.offset : page.offset + page.limit], "total_entries": len(rows)})


def _try(dag_id: str, dag_run_id: str, task_id: str, map_index: int | None, try_number: int):
    Query([])
    _, rows = _history(dag_id, dag_run_id, task_id, map_index)
    for row in rows:
        if row["try_number"] == try_number:
            return jsonify(row)
    raise NotFound(f"Task instance '{task_id}' has no try {try_number}", title="Task instance not found")


def _history(dag_id: str, dag_run_id: str, task_id: str, map_index: int | None):
    service = current_bridge().task_instances
    run = service.run_tasks(dag_id, dag_run_id)
    instance = run.instance(task_id, map_index)
    tries = service.tries(run, instance) if instance.task_run_id else []
    return instance, [serialize.task_try(instance, attempt) for attempt in tries]
