"""The v1 listings' requests read into query objects: DAGs, DAG runs, task instances, event logs.

One reader per listing, used by its handler and by the merged form of the
routing layer (app/api_v1/routing.py) alike, so a listing over one system
and the same listing over both accept, refuse and mean the same
parameters. The query objects are the services' terms; what each side does
with them is theirs (app/services/).
"""

from __future__ import annotations

from collections.abc import Sequence

from app.api_v1.params import PAGING, Body, Query
from app.errors import BadRequest
from app.services.dags import DagQuery
from app.translate.dag_runs import RunQuery
from app.translate.event_logs import EventLogQuery, event_order
from app.translate.ordering import parse_order_by
from app.translate.paging import Page, check_offset
from app.translate.task_instances import TaskInstanceQuery, check_task_states

# -- DAGs --------------------------------------------------------------------------

DAG_ORDER_KEYS = ("dag_id",)
DAG_LIST_PARAMS = (*PAGING, "order_by", "tags", "only_active", "paused", "dag_id_pattern", "fields")


def dag_query(query: Query) -> DagQuery:
    """The filters and direction of `GET /dags` (and of the page `PATCH /dags` pauses)."""
    order = parse_order_by(query.text("order_by") or "dag_id", DAG_ORDER_KEYS)
    return DagQuery(
        tags=query.texts("tags"),
        paused=query.boolean("paused"),
        dag_id_pattern=query.text("dag_id_pattern"),
        descending=order.descending,
    )


# -- DAG runs ----------------------------------------------------------------------

RUN_DATE_FILTERS = ("execution_date", "start_date", "end_date", "updated_at")
RUN_DATE_PARAMS = tuple(f"{name}_{bound}" for name in RUN_DATE_FILTERS for bound in ("gte", "lte"))
RUN_LIST_PARAMS = (*PAGING, *RUN_DATE_PARAMS, "state", "order_by", "fields")
RUN_BATCH_KEYS = ("order_by", "page_offset", "page_limit", "dag_ids", "states", *RUN_DATE_PARAMS)


def run_list_query(query: Query) -> RunQuery:
    """The filters and order of `GET …/dagRuns`."""
    return RunQuery(
        states=tuple(query.texts("state")),  # unchecked, as in Airflow 2.10: an unknown state matches no run
        execution_date=query.date_range("execution_date"),
        start_date=query.date_range("start_date"),
        end_date=query.date_range("end_date"),
        updated_at=query.date_range("updated_at"),
        order_by=query.text("order_by", "id"),
    )


def run_batch_query(body: Body) -> tuple[Page, RunQuery]:
    """The page, filters and order of `POST /dags/~/dagRuns/list`."""
    body.not_null(["order_by", "page_offset", "page_limit"])
    page = batch_page(body)
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


# -- task instances ----------------------------------------------------------------

TI_DATE_PARAMS = tuple(
    f"{name}_{bound}" for name in ("execution_date", "start_date", "end_date") for bound in ("gte", "lte")
)
#: What both forms filter by; the query form has updated_at_* too, the batch form task_ids.
TI_FILTERS = (*TI_DATE_PARAMS, "duration_gte", "duration_lte", "state", "pool", "queue", "executor")
TI_LIST_PARAMS = (*PAGING, *TI_FILTERS, "updated_at_gte", "updated_at_lte")
TI_BATCH_KEYS = ("page_offset", "page_limit", "dag_ids", "dag_run_ids", "task_ids", *TI_FILTERS)


def instance_query(reader: Query | Body, task_ids: Sequence[str] = ()) -> TaskInstanceQuery:
    """The filters a query string or a batch body carries (both readers speak the same methods)."""
    return TaskInstanceQuery(
        execution_date=reader.date_range("execution_date"),
        start_date=reader.date_range("start_date"),
        end_date=reader.date_range("end_date"),
        updated_at=reader.date_range("updated_at"),  # the batch form has none: Body refuses the key
        duration_gte=reader.number("duration_gte"),
        duration_lte=reader.number("duration_lte"),
        states=check_task_states(
            reader.texts("state", nulls=True) if isinstance(reader, Body) else reader.texts("state")
        ),
        pools=tuple(reader.texts("pool")),
        queues=tuple(reader.texts("queue")),
        executors=tuple(reader.texts("executor")),
        task_ids=tuple(task_ids),
    )


def instance_batch_query(body: Body) -> tuple[Page, TaskInstanceQuery]:
    """The page and filters of `POST /dags/~/dagRuns/~/taskInstances/list`."""
    body.not_null(["page_offset", "page_limit"])
    return batch_page(body), instance_query(body, body.texts("task_ids"))


def batch_page(body: Body) -> Page:
    """A batch body's page: `page_limit` is not capped by the maximum page limit, as in Airflow."""
    page = Page(offset=check_offset(body.integer("page_offset", 0)), limit=body.integer("page_limit", 100))
    if page.limit < 1:
        raise BadRequest(f"{page.limit} is less than the minimum of 1 - 'page_limit'")
    return page


# -- event logs --------------------------------------------------------------------

EVENT_LOG_PARAMS = (
    *PAGING,
    "order_by",
    "dag_id",
    "task_id",
    "run_id",
    "map_index",
    "try_number",
    "event",
    "owner",
    "before",
    "after",
    "included_events",
    "excluded_events",
)
#: Filters Prefect cannot apply to events, and why.
UNSUPPORTED_EVENT_LOG_FILTERS = {
    "task_id": "Prefect cannot filter events by task (a task run's events do not carry its task key as a label)",
    "map_index": "Prefect task runs have no map index",
    "try_number": "Prefect's events carry the tries so far (0 before a run starts), not the try they belong to",
}


def event_log_query(query: Query) -> EventLogQuery:
    """The filters and order of `GET /eventLogs`; a 400 for those Prefect cannot honour.

    `dag_id` and `run_id` name what the service resolves to Prefect ids,
    `owner` what no Prefect event has: the caller reads those three.
    """
    query.integer("map_index")
    query.integer("try_number")
    for name, reason in UNSUPPORTED_EVENT_LOG_FILTERS.items():
        if query.text(name) is not None:
            raise BadRequest(f"The '{name}' filter cannot be honoured: {reason}")
    order_by = query.text("order_by") or "event_log_id"
    event_order(order_by)
    return EventLogQuery(
        event=query.text("event"),
        included_events=tuple(query.texts("included_events")),
        excluded_events=tuple(query.texts("excluded_events")),
        before=query.date("before"),
        after=query.date("after"),
        order_by=order_by,
    )
