"""Notes of task instances; a note is a label of the DAG run's flow run (app/translate/task_notes.py)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.api_v1 import serialize
from app.api_v1.params import Body, Query
from app.api_v1.task_instances import INSTANCE, MAPPED_INSTANCE, ONE_RUN_CALLS
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import BadRequest

blueprint = Blueprint("task_notes", __name__)

NOTE_CALLS = (*ONE_RUN_CALLS, "PATCH /flow_runs/{id}/labels")


@blueprint.patch(INSTANCE + "/setNote")
@prefect_calls(*NOTE_CALLS)
def set_task_instance_note(dag_id: str, dag_run_id: str, task_id: str):
    return _set_note(dag_id, dag_run_id, task_id, None)


@blueprint.patch(MAPPED_INSTANCE + "/setNote")
@prefect_calls(*NOTE_CALLS)
def set_mapped_task_instance_note(dag_id: str, dag_run_id: str, task_id: str, map_index: int):
    return _set_note(dag_id, dag_run_id, task_id, map_index)


def _set_note(dag_id: str, dag_run_id: str, task_id: str, map_index: int | None):
    """`note` is required and may be null (no note); a `map_index` in the body is read and ignored, as in Airflow."""
    Query([])
    body = Body(["note", "map_index"])
    if "note" not in body.data:
        raise BadRequest("{'note': ['Missing data for required field.']}")
    if "map_index" in body.data and body.data["map_index"] is None:
        raise BadRequest("{'map_index': ['Field may not be null.']}")
    body.integer("map_index", -1)
    note = body.text("note")
    instance = current_bridge().task_instances.set_note(dag_id, dag_run_id, task_id, map_index, note)
    return jsonify(serialize.task_instance(instance))
