"""Extra links of a task instance: a Prefect task has none, so the answer is Airflow's `{}` for such an operator."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.api_v1.params import Query
from app.api_v1.task_instances import INSTANCE, ONE_RUN_CALLS
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge

blueprint = Blueprint("extra_links", __name__)


@blueprint.get(INSTANCE + "/links")
@prefect_calls(*ONE_RUN_CALLS)
def get_extra_links(dag_id: str, dag_run_id: str, task_id: str):
    """Airflow answers `{link name: url}` (not the spec's ExtraLinkCollection); `{}` for an operator without links.

    `map_index` (a query parameter here) defaults to -1, the unmapped instance, as in Airflow.
    """
    query = Query(["map_index"])
    map_index = query.integer("map_index")
    links = current_bridge().task_instances.extra_links(
        dag_id, dag_run_id, task_id, -1 if map_index is None else map_index
    )
    return jsonify(links)
