"""DAG operations of the v1 API; a DAG is a Prefect deployment."""

from __future__ import annotations

from dataclasses import replace

from flask import Blueprint, Response, jsonify

from app.api_v1 import serialize
from app.api_v1.authorization import editable_dags, readable_dags
from app.api_v1.listing_queries import DAG_LIST_PARAMS, dag_query
from app.api_v1.params import PAGING, Body, Query
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import BadRequest

blueprint = Blueprint("dags", __name__)


@blueprint.get("/dags")
@prefect_calls("POST /deployments/count", "POST /deployments/filter", "POST /flows/filter")
def get_dags():
    query = Query(DAG_LIST_PARAMS)
    bridge = current_bridge()
    page = query.page()
    # only_active is accepted and has no effect: every deployment is an active DAG.
    query.boolean("only_active")
    found = bridge.dags.list_dags(replace(dag_query(query), dag_ids=readable_dags()), page)
    fields = query.texts("fields")
    dags = [serialize.only_fields(serialize.dag(dag), fields) for dag in found.dags]
    return jsonify({"dags": dags, "total_entries": found.total})


@blueprint.get("/dags/<dag_id>")
@prefect_calls("GET /deployments/name/{flow}/{deployment}")
def get_dag(dag_id: str):
    query = Query(["fields"])
    dag = current_bridge().dags.get_dag(dag_id)
    return jsonify(serialize.only_fields(serialize.dag(dag), query.texts("fields")))


@blueprint.get("/dags/<dag_id>/details")
@prefect_calls("GET /deployments/name/{flow}/{deployment}")
def get_dag_details(dag_id: str):
    query = Query(["fields"])
    dag = current_bridge().dags.get_dag(dag_id)
    return jsonify(serialize.only_fields(serialize.dag_detail(dag), query.texts("fields")))


@blueprint.patch("/dags/<dag_id>")
@prefect_calls(
    "GET /deployments/name/{flow}/{deployment}",
    "POST /deployments/{id}/pause_deployment",
    "POST /deployments/{id}/resume_deployment",
)
def patch_dag(dag_id: str):
    query = Query(["update_mask"])
    paused = _requested_pause(query)
    bridge = current_bridge()
    dag = bridge.dags.set_paused(bridge.dags.get_dag(dag_id), paused)
    return jsonify(serialize.dag(dag))


@blueprint.delete("/dags/<dag_id>")
@prefect_calls("GET /deployments/name/{flow}/{deployment}", "POST /flow_runs/filter", "POST /flow_runs/bulk_delete")
def delete_dag(dag_id: str):
    """Delete the DAG's runs; the deployment stays, as Airflow's DAG comes back from its file."""
    Query([])
    current_bridge().dags.delete_dag(dag_id)
    return Response(status=204)


@blueprint.patch("/dags")
@prefect_calls(
    "POST /deployments/count",
    "POST /deployments/filter",
    "POST /flows/filter",
    "POST /deployments/{id}/pause_deployment",
    "POST /deployments/{id}/resume_deployment",
)
def patch_dags():
    """Pause or resume the page of DAGs matching `dag_id_pattern` (`~`: all)."""
    query = Query([*PAGING, "tags", "update_mask", "only_active", "dag_id_pattern"])
    if query.text("dag_id_pattern") is None:
        raise BadRequest("Missing query parameter 'dag_id_pattern'")
    paused = _requested_pause(query)
    bridge = current_bridge()
    page = query.page()
    query.boolean("only_active")
    found = bridge.dags.list_dags(replace(dag_query(query), dag_ids=editable_dags()), page)
    dags = [serialize.dag(bridge.dags.set_paused(dag, paused)) for dag in found.dags]
    return jsonify({"dags": dags, "total_entries": found.total})


def _requested_pause(query: Query) -> bool:
    """`is_paused` from the body: the only field Airflow lets a client change."""
    update_mask = query.texts("update_mask")
    if update_mask and update_mask != ["is_paused"]:
        raise BadRequest("Only `is_paused` field can be updated through the REST API")
    # With an update mask Airflow reads only the masked field; without one,
    # the body is a DAG of which only is_paused may be given.
    paused = Body(None if update_mask else ["is_paused"]).boolean("is_paused", None)
    if paused is None:
        raise BadRequest("'is_paused' is required")
    return paused
