"""DAG run operations of the v1 API; a DAG run is a Prefect flow run."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.api_v1 import serialize
from app.api_v1.authorization import readable_dags, scoped
from app.api_v1.listing_queries import RUN_BATCH_KEYS, RUN_LIST_PARAMS, run_batch_query, run_list_query
from app.api_v1.params import Body, Query
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import BadRequest
from app.services.dag_runs import Trigger

blueprint = Blueprint("dag_runs", __name__)

ALL_DAGS = "~"
TRIGGER_KEYS = (
    "dag_run_id",
    "logical_date",
    "execution_date",
    "conf",
    "note",
    "data_interval_start",
    "data_interval_end",
)
PATCHABLE_STATES = ("success", "failed", "queued")
#: A page of runs: paginate (aligned pages) or filter and count, and the dag_ids of new deployments.
RUN_PAGE_CALLS = (
    "POST /flow_runs/paginate",
    "POST /flow_runs/filter",
    "POST /flow_runs/count",
    "POST /deployments/filter",
    "POST /flows/filter",
    "POST /deployments/count",  # the estate index's check, when a migration's listing needs Prefect's dag_ids
)


@blueprint.get("/dags/<dag_id>/dagRuns")
@prefect_calls(*RUN_PAGE_CALLS)
def get_dag_runs(dag_id: str):
    query = Query(RUN_LIST_PARAMS)
    bridge = current_bridge()
    page = query.page()
    dag_ids = scoped(None, readable_dags()) if dag_id == ALL_DAGS else [dag_id]
    found = bridge.dag_runs.list_runs(dag_ids, run_list_query(query), page)
    fields = query.texts("fields")
    runs = [serialize.only_fields(serialize.dag_run(run), fields) for run in found.runs]
    return jsonify({"dag_runs": runs, "total_entries": found.total})


@blueprint.post("/dags/~/dagRuns/list")
@prefect_calls(*RUN_PAGE_CALLS)
def get_dag_runs_batch():
    """The batch form: `page_limit` is not capped by the maximum page limit, as in Airflow."""
    Query([])
    body = Body(RUN_BATCH_KEYS)
    page, run_query = run_batch_query(body)
    dag_ids = scoped(body.texts("dag_ids") or None, readable_dags())
    found = current_bridge().dag_runs.list_runs(dag_ids, run_query, page)
    return jsonify({"dag_runs": [serialize.dag_run(run) for run in found.runs], "total_entries": found.total})


@blueprint.post("/dags/<dag_id>/dagRuns")
@prefect_calls(
    "GET /deployments/name/{flow}/{deployment}",
    "POST /flow_runs/filter",
    "POST /deployments/{id}/create_flow_run",
    "DELETE /flow_runs/{id}",
)
def post_dag_run(dag_id: str):
    Query([])
    run = current_bridge().dag_runs.trigger(dag_id, _trigger(Body(TRIGGER_KEYS)))
    return jsonify(serialize.dag_run(run))


@blueprint.get("/dags/<dag_id>/dagRuns/<dag_run_id>")
@prefect_calls("POST /flow_runs/filter")
def get_dag_run(dag_id: str, dag_run_id: str):
    query = Query(["fields"])
    run = current_bridge().dag_runs.get_run(dag_id, dag_run_id)
    return jsonify(serialize.only_fields(serialize.dag_run(run), query.texts("fields")))


@blueprint.patch("/dags/<dag_id>/dagRuns/<dag_run_id>")
@prefect_calls("POST /flow_runs/filter", "POST /flow_runs/{id}/set_state", "GET /flow_runs/{id}")
def update_dag_run_state(dag_id: str, dag_run_id: str):
    Query([])
    state = Body(["state"]).text("state")
    if state not in PATCHABLE_STATES:
        raise BadRequest(f"'{state}' is not one of {list(PATCHABLE_STATES)} - 'state'")
    run = current_bridge().dag_runs.set_state(dag_id, dag_run_id, state)
    return jsonify(serialize.dag_run(run))


@blueprint.delete("/dags/<dag_id>/dagRuns/<dag_run_id>")
@prefect_calls("POST /flow_runs/filter", "DELETE /flow_runs/{id}")
def delete_dag_run(dag_id: str, dag_run_id: str):
    Query([])
    current_bridge().dag_runs.delete(dag_id, dag_run_id)
    return Response(status=204)


@blueprint.post("/dags/<dag_id>/dagRuns/<dag_run_id>/clear")
@prefect_calls(
    "POST /flow_runs/filter",
    "POST /task_runs/filter",
    "GET /artifacts/{key}/latest",
    "POST /flow_runs/{id}/set_state",
    "GET /flow_runs/{id}",
)
def clear_dag_run(dag_id: str, dag_run_id: str):
    """Re-run the flow run; with `dry_run` (the default) list the task instances that would be cleared."""
    Query([])
    dry_run = Body(["dry_run"]).boolean("dry_run", True)
    bridge = current_bridge()
    if dry_run:
        cleared = bridge.task_instances.to_clear(dag_id, dag_run_id)
        return jsonify({"task_instances": [serialize.task_reference(each) for each in cleared]})
    return jsonify(serialize.dag_run(bridge.dag_runs.clear(dag_id, dag_run_id)))


@blueprint.patch("/dags/<dag_id>/dagRuns/<dag_run_id>/setNote")
@prefect_calls("POST /flow_runs/filter", "PATCH /flow_runs/{id}/labels")
def set_dag_run_note(dag_id: str, dag_run_id: str):
    """`note` is required and may be null (no note), as Airflow's form allows."""
    Query([])
    body = Body(["note"])
    if "note" not in body.data:
        raise BadRequest("{'note': ['Missing data for required field.']}")
    run = current_bridge().dag_runs.set_note(dag_id, dag_run_id, body.text("note"))
    return jsonify(serialize.dag_run(run))


def _trigger(body: Body) -> Trigger:
    logical_date = body.date("logical_date")
    execution_date = body.date("execution_date")
    if logical_date and execution_date and logical_date != execution_date:
        raise BadRequest("logical_date conflicts with execution_date")
    logical_date = logical_date or execution_date
    interval = (body.date("data_interval_start"), body.date("data_interval_end"))
    if (interval[0] is None) != (interval[1] is None):
        raise BadRequest(
            "{'_schema': ['Both \"data_interval_start\" and \"data_interval_end\" must be specified together']}"
        )
    if interval[0] is not None and (logical_date is None or interval != (logical_date, logical_date)):
        raise BadRequest(
            "A data interval cannot be honoured: a Prefect run covers the instant of its logical date, "
            "so data_interval_start and data_interval_end must both equal logical_date"
        )
    return Trigger(
        dag_run_id=body.text("dag_run_id"),
        logical_date=logical_date,
        conf=body.mapping("conf"),
        note=body.text("note"),
    )
