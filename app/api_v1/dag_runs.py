"""DAG run operations of the v1 API; a DAG run is a Prefect flow run."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.api_v1 import serialize
from app.api_v1.authorization import readable_dags, scoped
from app.api_v1.params import PAGING, Body, Query
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import BadRequest
from app.services.dag_runs import Trigger
from app.translate.dag_runs import RunQuery
from app.translate.paging import Page, check_offset

blueprint = Blueprint("dag_runs", __name__)

ALL_DAGS = "~"
RUN_DATE_FILTERS = ("execution_date", "start_date", "end_date", "updated_at")
RUN_DATE_PARAMS = tuple(f"{name}_{bound}" for name in RUN_DATE_FILTERS for bound in ("gte", "lte"))
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
RUN_LIST_PARAMS = (*PAGING, *RUN_DATE_PARAMS, "state", "order_by", "fields")
RUN_BATCH_KEYS = ("order_by", "page_offset", "page_limit", "dag_ids", "states", *RUN_DATE_PARAMS)
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


def run_list_query(query: Query) -> RunQuery:
    """The filters and order of `GET …/dagRuns` (shared with the merged listing of the routing layer)."""
    return RunQuery(
        states=tuple(query.texts("state")),  # unchecked, as in Airflow 2.10: an unknown state matches no run
        execution_date=query.date_range("execution_date"),
        start_date=query.date_range("start_date"),
        end_date=query.date_range("end_date"),
        updated_at=query.date_range("updated_at"),
        order_by=query.text("order_by", "id"),
    )


def run_batch_query(body: Body) -> tuple[Page, RunQuery]:
    """The page, filters and order of the batch form (shared with the merged listing of the routing layer)."""
    body.not_null(["order_by", "page_offset", "page_limit"])
    page = Page(offset=check_offset(body.integer("page_offset", 0)), limit=body.integer("page_limit", 100))
    if page.limit < 1:
        raise BadRequest(f"{page.limit} is less than the minimum of 1 - 'page_limit'")
    run_query = RunQuery(
        states=tuple(body.texts("states")),
        execution_date=body.date_range("execution_date"),
        start_date=body.date_range("start_date"),
        end_date=body.date_range("end_date"),
        order_by=body.text("order_by", "id"),
    )
    # updated_at_* are read and validated but, as in Airflow 2.10 (get_dag_runs_batch passes them on to
    # nothing), not applied.
    body.date_range("updated_at")
    return page, run_query


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
