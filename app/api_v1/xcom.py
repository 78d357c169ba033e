"""XCom entries of the v1 API: the artifacts a task run published in Prefect.

An XCom's key is the artifact's key (its id when it has none), its value
the artifact's data, its timestamp the artifact's creation. A task's return
value is not an XCom here: Prefect keeps results where the flow ran
(result storage), not on the server, unless the flow publishes them as an
artifact. `deserialize` has no meaning for artifacts and is accepted as in
Airflow's default XCom backend.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.api_v1 import serialize
from app.api_v1.authorization import readable_dags, scoped
from app.api_v1.params import PAGING, Query
from app.api_v1.task_instances import INSTANCE, ONE_RUN_CALLS
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import NotFound

blueprint = Blueprint("xcom", __name__)

ANY = "~"


@blueprint.get(INSTANCE + "/xcomEntries")
@prefect_calls(*ONE_RUN_CALLS, "POST /artifacts/filter", "POST /deployments/filter", "POST /flows/filter")
def get_xcom_entries(dag_id: str, dag_run_id: str, task_id: str):
    query = Query([*PAGING, "map_index", "xcom_key"])
    page = query.page()
    key = query.text("xcom_key")
    entries = [
        entry
        for entry in _entries(dag_id, dag_run_id, task_id, query.integer("map_index"), key)
        if key is None or entry.key == key
    ]
    return jsonify(
        {
            "xcom_entries": [serialize.xcom_item(entry) for entry in entries[page.offset : page.offset + page.limit]],
            "total_entries": len(entries),
        }
    )


@blueprint.get(INSTANCE + "/xcomEntries/<xcom_key>")
@prefect_calls(*ONE_RUN_CALLS, "POST /artifacts/filter")
def get_xcom_entry(dag_id: str, dag_run_id: str, task_id: str, xcom_key: str):
    query = Query(["map_index", "deserialize", "stringify"])
    query.boolean("deserialize")
    stringify = query.boolean("stringify")
    if ANY in (dag_id, dag_run_id, task_id):  # Airflow reads `~` literally here: no such DAG, run or task
        raise NotFound("XCom entry not found", title="XCom entry not found")
    for entry in _entries(dag_id, dag_run_id, task_id, query.integer("map_index"), xcom_key):
        if entry.key == xcom_key:
            return jsonify(serialize.xcom(entry, stringify=stringify is not False))
    raise NotFound("XCom entry not found", title="XCom entry not found")


def _entries(dag_id: str, dag_run_id: str, task_id: str, map_index: int | None, key: str | None):
    """The entries Airflow lists; `~` stands for any DAG, DAG run or task, as in Airflow."""
    service = current_bridge().task_instances
    if ANY in (dag_id, dag_run_id):
        dag_ids = scoped(None, readable_dags()) if dag_id == ANY else [dag_id]
        found = service.xcoms_across(dag_ids, None if dag_run_id == ANY else [dag_run_id], key)
        return [
            each
            for each in found
            if (task_id == ANY or each.task_id == task_id) and (map_index is None or each.map_index == map_index)
        ]
    run = service.run_tasks(dag_id, dag_run_id)
    instances = [
        each
        for each in run.instances
        if (task_id == ANY or each.task_id == task_id) and (map_index is None or each.map_index == map_index)
    ]
    if task_id != ANY and not any(each.task_id == task_id for each in run.instances):
        raise NotFound(f"Task instance with task_id '{task_id}' not found", title="Task instance not found")
    return service.xcoms(instances, key)
