"""Task instance operations of the v1 API; a task instance is a Prefect task run (or a task that never ran).

Rules of identity, state and the task graph: app/translate/task_instances.py.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import Blueprint, jsonify

from app.api_v1 import serialize
from app.api_v1.authorization import readable_dags, scoped
from app.api_v1.listing_queries import TI_BATCH_KEYS, TI_LIST_PARAMS, instance_batch_query, instance_query
from app.api_v1.params import Body, Query
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import BadRequest, NotFound
from app.services.task_instances import RunTasks
from app.translate.airflow import TaskInstance
from app.translate.ordering import Order, postgres_sorted
from app.translate.states import SETTABLE_TASK_STATES

blueprint = Blueprint("task_instances", __name__)

ANY = "~"
#: One DAG run's task instances: the flow run, the DAG's template run (else its traced graph), the task runs.
ONE_RUN_CALLS = ("POST /flow_runs/filter", "POST /task_runs/filter", "GET /artifacts/{key}/latest")
#: A page across DAG runs: names of the DAGs' deployments, the page and its count, the flow runs on it.
#: `/deployments/count`: the estate index's check, when a migration's listing needs Prefect's dag_ids.
ACROSS_RUNS_CALLS = (
    "POST /deployments/filter",
    "POST /flows/filter",
    "POST /task_runs/count",
    "POST /deployments/count",
)
INSTANCE = "/dags/<dag_id>/dagRuns/<dag_run_id>/taskInstances/<task_id>"
MAPPED_INSTANCE = INSTANCE + "/<int:map_index>"
#: Airflow 2.10's `listMapped` orders, exactly: no order_by is map_index ascending, and only these values are
#: accepted (`map_index` itself is not); ties go by map_index ascending.
MAPPED_ORDERS = {
    None: Order("map_index", False),
    "-map_index": Order("map_index", True),
    **{
        f"{sign}{key}": Order(key, sign == "-")
        for key in ("state", "duration", "start_date", "end_date")
        for sign in ("", "-")
    },
}


def _collection(instances: Sequence[TaskInstance], total: int):
    return jsonify({"task_instances": [serialize.task_instance(each) for each in instances], "total_entries": total})


@blueprint.get("/dags/<dag_id>/dagRuns/<dag_run_id>/taskInstances")
@prefect_calls(*ONE_RUN_CALLS, *ACROSS_RUNS_CALLS)
def get_task_instances(dag_id: str, dag_run_id: str):
    query = Query(TI_LIST_PARAMS)
    ti_query, page = instance_query(query), query.page()
    service = current_bridge().task_instances
    if ANY not in (dag_id, dag_run_id):
        found = service.list_for_run(dag_id, dag_run_id, ti_query, page)
    else:
        dag_ids = scoped(None, readable_dags()) if dag_id == ANY else [dag_id]
        found = service.list_across(dag_ids, None if dag_run_id == ANY else [dag_run_id], ti_query, page)
    return _collection(found.instances, found.total)


@blueprint.post("/dags/~/dagRuns/~/taskInstances/list")
@prefect_calls(*ONE_RUN_CALLS, *ACROSS_RUNS_CALLS)
def get_task_instances_batch():
    """The batch form: `page_limit` is not capped by the maximum page limit, as in Airflow."""
    Query([])
    body = Body(TI_BATCH_KEYS)
    page, ti_query = instance_batch_query(body)
    dag_ids, dag_run_ids = scoped(body.texts("dag_ids") or None, readable_dags()), body.texts("dag_run_ids")
    service = current_bridge().task_instances
    if dag_ids is not None and len(dag_ids) == 1 and len(dag_run_ids) == 1:
        found = service.list_for_run(dag_ids[0], dag_run_ids[0], ti_query, page)
    else:
        found = service.list_across(dag_ids, dag_run_ids or None, ti_query, page)
    return _collection(found.instances, found.total)


@blueprint.get(INSTANCE)
@prefect_calls(*ONE_RUN_CALLS)
def get_task_instance(dag_id: str, dag_run_id: str, task_id: str):
    Query([])
    run = current_bridge().task_instances.run_tasks(dag_id, dag_run_id)
    return jsonify(serialize.task_instance(run.instance(task_id, None)))


@blueprint.get(MAPPED_INSTANCE)
@prefect_calls(*ONE_RUN_CALLS)
def get_mapped_task_instance(dag_id: str, dag_run_id: str, task_id: str, map_index: int):
    Query([])
    run = current_bridge().task_instances.run_tasks(dag_id, dag_run_id)
    return jsonify(serialize.task_instance(run.instance(task_id, map_index)))


@blueprint.get(INSTANCE + "/listMapped")
@prefect_calls(*ONE_RUN_CALLS)
def get_mapped_task_instances(dag_id: str, dag_run_id: str, task_id: str):
    query = Query([*TI_LIST_PARAMS, "order_by"])
    ti_query, page = instance_query(query), query.page()
    order_by = query.text("order_by")
    if order_by not in MAPPED_ORDERS:
        raise BadRequest(f"Ordering with '{order_by}' is not supported")
    order = MAPPED_ORDERS[order_by]
    run = current_bridge().task_instances.run_tasks(dag_id, dag_run_id)
    of_task = [each for each in run.instances if each.task_id == task_id]
    if not of_task:
        raise NotFound(f"Task id {task_id} not found", title="Task not found")
    mapped = [each for each in of_task if each.map_index >= 0]
    if not mapped:
        raise NotFound(f"Task id {task_id} is not mapped", title="Task not mapped")
    by_index = sorted((each for each in mapped if ti_query.matches(each)), key=lambda each: each.map_index)
    matching = postgres_sorted(by_index, lambda each: getattr(each, order.key), descending=order.descending)
    return _collection(matching[page.offset : page.offset + page.limit], len(matching))


@blueprint.patch(INSTANCE)
@prefect_calls(*ONE_RUN_CALLS, "POST /task_runs/{id}/set_state")
def patch_task_instance(dag_id: str, dag_run_id: str, task_id: str):
    return _patch(dag_id, dag_run_id, task_id, None)


@blueprint.patch(MAPPED_INSTANCE)
@prefect_calls(*ONE_RUN_CALLS, "POST /task_runs/{id}/set_state")
def patch_mapped_task_instance(dag_id: str, dag_run_id: str, task_id: str, map_index: int):
    return _patch(dag_id, dag_run_id, task_id, map_index)


def _patch(dag_id: str, dag_run_id: str, task_id: str, map_index: int | None):
    Query([])
    body = Body(["dry_run", "new_state"])
    new_state = _new_state(body)
    service = current_bridge().task_instances
    run = service.run_tasks(dag_id, dag_run_id)
    instance = run.instance(task_id, map_index)
    run.task_run(instance)  # a task that never ran cannot change state, dry run or not
    if not body.boolean("dry_run", True):
        service.set_state(run, [instance], new_state)
    return jsonify(serialize.task_reference(instance))


def _new_state(body: Body) -> str:
    new_state = body.text("new_state")
    if new_state not in SETTABLE_TASK_STATES:
        raise BadRequest(f"'new_state' must be one of {', '.join(SETTABLE_TASK_STATES)}, not {new_state!r}")
    return new_state


@blueprint.post("/dags/<dag_id>/updateTaskInstancesState")
@prefect_calls(*ONE_RUN_CALLS, "POST /task_runs/{id}/set_state")
def post_set_task_instances_state(dag_id: str):
    Query([])
    body = Body(
        [
            "dry_run",
            "task_id",
            "execution_date",
            "dag_run_id",
            "include_upstream",
            "include_downstream",
            "include_future",
            "include_past",
            "new_state",
        ]
    )
    new_state = _new_state(body)
    _refuse_other_runs(body)
    task_id = body.text("task_id")
    if not task_id:
        raise BadRequest("'task_id' is required")
    service = current_bridge().task_instances
    run = _named_run(dag_id, body)
    if not any(each.task_id == task_id for each in run.instances):
        raise NotFound(f"Task ID {task_id} not found in DAG {dag_id}", title="Task not found")
    task_ids = service.related(
        run,
        {task_id},
        upstream=bool(body.boolean("include_upstream", False)),
        downstream=bool(body.boolean("include_downstream", False)),
    )
    affected = [each for each in run.instances if each.task_id in task_ids and each.task_run_id is not None]
    if not body.boolean("dry_run", True):
        service.set_state(run, affected, new_state)
    return jsonify({"task_instances": [serialize.task_reference(each) for each in affected]})


def _named_run(dag_id: str, body: Body) -> RunTasks:
    """The DAG run a body names by `dag_run_id` or `execution_date` (exactly one of them)."""
    dag_run_id, execution_date = body.text("dag_run_id"), body.date("execution_date")
    if (dag_run_id is None) == (execution_date is None):
        raise BadRequest("Exactly one of 'dag_run_id' and 'execution_date' must be given")
    service = current_bridge().task_instances
    if dag_run_id is not None:
        return service.run_tasks(dag_id, dag_run_id)
    runs = service.runs_between(dag_id, execution_date, execution_date)
    if not runs:
        raise NotFound(f"DAG run of DAG '{dag_id}' at {execution_date.isoformat()} not found", title="DAGRun not found")
    return runs[0]


def _refuse_other_runs(body: Body) -> None:
    for flag in ("include_future", "include_past", "include_subdags", "include_parentdag"):
        if body.data.get(flag) is not None and body.boolean(flag, False):
            raise BadRequest(
                f"'{flag}' cannot be honoured: the bridge changes task runs of one DAG run at a time, "
                "and Prefect has no sub-DAGs"
            )


@blueprint.post("/dags/<dag_id>/clearTaskInstances")
@prefect_calls(
    "GET /deployments/name/{flow}/{deployment}", *ONE_RUN_CALLS, "POST /flow_runs/{id}/set_state", "GET /flow_runs/{id}"
)
def post_clear_task_instances(dag_id: str):
    """Clearing re-runs: Prefect cannot re-run one task, so the flow run of each affected DAG run runs again.

    Tasks that had succeeded in it run again too, unless the flow caches
    them. Only finished DAG runs can be re-run; the dry run (the default)
    lists the task instances that would be cleared.
    """
    Query([])
    body = Body(
        [
            "dry_run",
            "task_ids",
            "start_date",
            "end_date",
            "only_failed",
            "only_running",
            "include_subdags",
            "include_parentdag",
            "reset_dag_runs",
            "dag_run_id",
            "include_upstream",
            "include_downstream",
            "include_future",
            "include_past",
        ]
    )
    _refuse_other_runs(body)
    service = current_bridge().task_instances
    dag_run_id = body.text("dag_run_id")
    if dag_run_id is not None:
        runs = [service.run_tasks(dag_id, dag_run_id)]
    else:
        current_bridge().catalog.deployment(dag_id)  # an unknown DAG is a 404, not an empty answer
        runs = service.runs_between(dag_id, body.date("start_date"), body.date("end_date"))
    only_failed = body.boolean("only_failed", True)
    only_running = body.boolean("only_running", False)
    wanted_states = {"failed", "upstream_failed"} if only_failed else {"running"} if only_running else None
    task_ids = set(body.texts("task_ids"))
    cleared = []
    for run in runs:
        chosen = task_ids or {each.task_id for each in run.instances}
        chosen = service.related(
            run,
            chosen,
            upstream=bool(body.boolean("include_upstream", False)),
            downstream=bool(body.boolean("include_downstream", False)),
        )
        affected = [
            each
            for each in run.instances
            if each.task_id in chosen and (wanted_states is None or each.state in wanted_states)
        ]
        if affected:
            cleared.append((run, affected))
    if not body.boolean("dry_run", True):
        unfinished = [run.dag_run.dag_run_id for run, _ in cleared if run.dag_run.state not in ("success", "failed")]
        if unfinished:
            raise BadRequest(
                "Prefect re-runs whole flow runs, and only finished ones; still running: " + ", ".join(unfinished)
            )
        for run, _ in cleared:
            current_bridge().dag_runs.clear(dag_id, run.dag_run.dag_run_id)
    references = [serialize.task_reference(each) for _, affected in cleared for each in affected]
    return jsonify({"task_instances": references})
