"""Tasks of a DAG: its latest completed flow run's, else its traced task graph's (TaskInstanceService.tasks)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.api_v1 import serialize
from app.api_v1.params import Query
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import NotFound
from app.translate.ordering import parse_order_by

blueprint = Blueprint("tasks", __name__)

TASK_ORDER_KEYS = ("task_id", "retries", "owner", "is_mapped")


@blueprint.get("/dags/<dag_id>/tasks")
@prefect_calls(
    "GET /deployments/name/{flow}/{deployment}",
    "POST /flow_runs/filter",
    "POST /task_runs/filter",
    "GET /artifacts/{key}/latest",
)
def get_tasks(dag_id: str):
    query = Query(["order_by"])
    order = parse_order_by(query.text("order_by") or "task_id", TASK_ORDER_KEYS)
    tasks = sorted(
        current_bridge().task_instances.tasks(dag_id),
        key=lambda task: getattr(task, order.key),
        reverse=order.descending,
    )
    return jsonify({"tasks": [serialize.task(task) for task in tasks], "total_entries": len(tasks)})


@blueprint.get("/dags/<dag_id>/tasks/<task_id>")
@prefect_calls(
    "GET /deployments/name/{flow}/{deployment}",
    "POST /flow_runs/filter",
    "POST /task_runs/filter",
    "GET /artifacts/{key}/latest",
)
def get_task(dag_id: str, task_id: str):
    Query([])
    for task in current_bridge().task_instances.tasks(dag_id):
        if task.task_id == task_id:
            return jsonify(serialize.task(task))
    raise NotFound(f"Task with id '{task_id}' not found", title="Task not found")
