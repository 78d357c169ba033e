"""DAG run operations of the v1 API; a DAG run is a Prefect flow run."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from app.api_v1 import serialize
from app.api_v1.params import PAGING, Query, json_body, reject_unknown_keys
from app.bridge import current_bridge
from app.errors import BadRequest
from app.services.dag_runs import Trigger
from app.translate.dag_runs import DateRange, RunQuery, check_states
from app.translate.dates import parse_body_datetime
from app.translate.paging import Page, check_offset
from app.translate.states import DAG_RUN_STATES

blueprint = Blueprint("dag_runs", __name__)

ALL_DAGS = "~"
RUN_DATE_FILTERS = ("execution_date", "start_date", "end_date", "updated_at")
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


@blueprint.get("/dags/<dag_id>/dagRuns")
def get_dag_runs(dag_id: str):
    date_params = [f"{name}_{bound}" for name in RUN_DATE_FILTERS for bound in ("gte", "lte")]
    query = Query([*PAGING, *date_params, "state", "order_by", "fields"])
    if query.text("updated_at_gte") or query.text("updated_at_lte"):
        raise BadRequest(
            "updated_at_gte/updated_at_lte cannot be honoured: Prefect cannot filter flow runs by update time"
        )
    bridge = current_bridge()
    page = query.page(maximum=bridge.settings.maximum_page_limit, fallback=bridge.settings.fallback_page_limit)
    run_query = RunQuery(
        states=check_states(query.texts("state"), DAG_RUN_STATES),
        execution_date=query.date_range("execution_date"),
        start_date=query.date_range("start_date"),
        end_date=query.date_range("end_date"),
        order_by=query.text("order_by") or "id",
    )
    found = bridge.dag_runs.list_runs(None if dag_id == ALL_DAGS else [dag_id], run_query, page)
    fields = query.texts("fields")
    runs = [serialize.only_fields(serialize.dag_run(run), fields) for run in found.runs]
    return jsonify({"dag_runs": runs, "total_entries": found.total})


@blueprint.post("/dags/~/dagRuns/list")
def get_dag_runs_batch():
    """The batch form: `page_limit` is not capped by the maximum page limit, as in Airflow."""
    Query([])
    body = json_body()
    date_keys = [f"{name}_{bound}" for name in RUN_DATE_FILTERS for bound in ("gte", "lte")]
    reject_unknown_keys(body, ["order_by", "page_offset", "page_limit", "dag_ids", "states", *date_keys])
    page = Page(offset=check_offset(_integer(body, "page_offset", 0)), limit=_integer(body, "page_limit", 100))
    if page.limit < 1:
        raise BadRequest(f"{page.limit} is less than the minimum of 1 - 'page_limit'")
    run_query = RunQuery(
        states=check_states(_strings(body, "states"), DAG_RUN_STATES),
        execution_date=_body_range(body, "execution_date"),
        start_date=_body_range(body, "start_date"),
        end_date=_body_range(body, "end_date"),
        order_by=_string(body, "order_by") or "id",
    )
    # updated_at_* are read and validated but, as in Airflow 2.10, not applied.
    _body_range(body, "updated_at")
    dag_ids = _strings(body, "dag_ids") or None
    found = current_bridge().dag_runs.list_runs(dag_ids, run_query, page)
    return jsonify({"dag_runs": [serialize.dag_run(run) for run in found.runs], "total_entries": found.total})


@blueprint.post("/dags/<dag_id>/dagRuns")
def post_dag_run(dag_id: str):
    Query([])
    body = json_body()
    reject_unknown_keys(body, TRIGGER_KEYS)
    run = current_bridge().dag_runs.trigger(dag_id, _trigger(body))
    return jsonify(serialize.dag_run(run))


@blueprint.get("/dags/<dag_id>/dagRuns/<dag_run_id>")
def get_dag_run(dag_id: str, dag_run_id: str):
    query = Query(["fields"])
    run = current_bridge().dag_runs.get_run(dag_id, dag_run_id)
    return jsonify(serialize.only_fields(serialize.dag_run(run), query.texts("fields")))


@blueprint.patch("/dags/<dag_id>/dagRuns/<dag_run_id>")
def update_dag_run_state(dag_id: str, dag_run_id: str):
    Query([])
    body = json_body()
    reject_unknown_keys(body, ["state"])
    state = body.get("state")
    if state not in PATCHABLE_STATES:
        raise BadRequest(f"'{state}' is not one of {list(PATCHABLE_STATES)} - 'state'")
    run = current_bridge().dag_runs.set_state(dag_id, dag_run_id, state)
    return jsonify(serialize.dag_run(run))


@blueprint.delete("/dags/<dag_id>/dagRuns/<dag_run_id>")
def delete_dag_run(dag_id: str, dag_run_id: str):
    Query([])
    current_bridge().dag_runs.delete(dag_id, dag_run_id)
    return Response(status=204)


@blueprint.post("/dags/<dag_id>/dagRuns/<dag_run_id>/clear")
def clear_dag_run(dag_id: str, dag_run_id: str):
    """Re-run the flow run; with `dry_run` (the default) only say what would be cleared.

    Task instances come from Prefect task runs in a later issue, so a dry
    run lists none yet: the run itself is what a clear re-runs.
    """
    Query([])
    body = json_body()
    reject_unknown_keys(body, ["dry_run"])
    dry_run = body.get("dry_run", True)
    if not isinstance(dry_run, bool):
        raise BadRequest(f"{dry_run!r} is not of type 'boolean' - 'dry_run'")
    runs = current_bridge().dag_runs
    if dry_run:
        runs.get_run(dag_id, dag_run_id)
        return jsonify({"task_instances": []})
    return jsonify(serialize.dag_run(runs.clear(dag_id, dag_run_id)))


@blueprint.patch("/dags/<dag_id>/dagRuns/<dag_run_id>/setNote")
def set_dag_run_note(dag_id: str, dag_run_id: str):
    Query([])
    body = json_body()
    reject_unknown_keys(body, ["note"])
    note = body.get("note")
    if not isinstance(note, str):
        raise BadRequest("'note' is required and must be a string")
    run = current_bridge().dag_runs.set_note(dag_id, dag_run_id, note)
    return jsonify(serialize.dag_run(run))


def _trigger(body: dict[str, Any]) -> Trigger:
    logical_date = _body_date(body, "logical_date")
    execution_date = _body_date(body, "execution_date")
    if logical_date and execution_date and logical_date != execution_date:
        raise BadRequest(
            "logical_date conflicts with execution_date",
            title="Bad Request",
        )
    logical_date = logical_date or execution_date
    interval = (_body_date(body, "data_interval_start"), _body_date(body, "data_interval_end"))
    if (interval[0] is None) != (interval[1] is None):
        raise BadRequest(
            "{'_schema': ['Both \"data_interval_start\" and \"data_interval_end\" must be specified together']}"
        )
    if interval[0] is not None and (logical_date is None or interval != (logical_date, logical_date)):
        raise BadRequest(
            "A data interval cannot be honoured: a Prefect run covers the instant of its logical date, "
            "so data_interval_start and data_interval_end must both equal logical_date"
        )
    conf = body.get("conf", {})
    if conf is None:
        conf = {}
    if not isinstance(conf, dict):
        raise BadRequest("{'conf': ['Not a valid mapping type.']}")
    return Trigger(
        dag_run_id=_string(body, "dag_run_id"),
        logical_date=logical_date,
        conf=conf,
        note=_string(body, "note"),
    )


def _body_date(body: dict[str, Any], name: str):
    value = body.get(name)
    return None if value is None else parse_body_datetime(name, value)


def _body_range(body: dict[str, Any], prefix: str) -> DateRange:
    return DateRange(gte=_body_date(body, f"{prefix}_gte"), lte=_body_date(body, f"{prefix}_lte"))


def _string(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"{{'{name}': ['Not a valid string.']}}")
    return value


def _strings(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name, [])
    if not isinstance(value, list) or not all(isinstance(each, str) for each in value):
        raise BadRequest(f"{{'{name}': ['Not a valid list of strings.']}}")
    return value


def _integer(body: dict[str, Any], name: str, default: int) -> int:
    value = body.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadRequest(f"{{'{name}': ['Not a valid integer.']}}")
    return value
