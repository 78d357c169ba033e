"""Scheduling dependencies of task instances, from upstream task states (app/translate/task_dependencies.py)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.api_v1.params import Query
from app.api_v1.task_instances import INSTANCE, MAPPED_INSTANCE, ONE_RUN_CALLS
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge

blueprint = Blueprint("task_dependencies", __name__)


@blueprint.get(INSTANCE + "/dependencies")
@prefect_calls(*ONE_RUN_CALLS)
def get_task_instance_dependencies(dag_id: str, dag_run_id: str, task_id: str):
    return _dependencies(dag_id, dag_run_id, task_id, None)


@blueprint.get(MAPPED_INSTANCE + "/dependencies")
@prefect_calls(*ONE_RUN_CALLS)
def get_mapped_task_instance_dependencies(dag_id: str, dag_run_id: str, task_id: str, map_index: int):
    return _dependencies(dag_id, dag_run_id, task_id, map_index)


def _dependencies(dag_id: str, dag_run_id: str, task_id: str, map_index: int | None):
    Query([])
    failed = current_bridge().task_instances.dependencies(dag_id, dag_run_id, task_id, map_index)
    return jsonify({"dependencies": [{"name": each.name, "reason": each.reason} for each in failed]})
