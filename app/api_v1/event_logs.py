"""Event log operations of the v1 API: Prefect's flow-run and task-run events.

The rules (which events, ids, order, paging) are in app/translate/event_logs.py.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.api_v1 import serialize
from app.api_v1.authorization import readable_dags
from app.api_v1.params import PAGING, Query
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import BadRequest
from app.translate.event_logs import EventLogQuery, event_order

blueprint = Blueprint("event_logs", __name__)

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
UNSUPPORTED_FILTERS = {
    "task_id": "Prefect cannot filter events by task (a task run's events do not carry its task key as a label)",
    "map_index": "Prefect task runs have no map index",
    "try_number": "Prefect's events carry the tries so far (0 before a run starts), not the try they belong to",
}
#: Reading events, then the runs and DAGs they concern.
EVENT_LOG_CALLS = ("POST /events/filter", "POST /flow_runs/filter", "POST /deployments/filter", "POST /flows/filter")


@blueprint.get("/eventLogs")
@prefect_calls(
    *EVENT_LOG_CALLS,
    "GET /events/filter/next",
    "GET /deployments/name/{flow}/{deployment}",
    "POST /deployments/count",  # the estate index's check: the deployments of a caller's readable DAGs
)
def get_event_logs():
    query = Query(EVENT_LOG_PARAMS)
    bridge = current_bridge()
    page = query.page()
    event_query = event_log_query(query)
    if query.text("owner") is not None:
        # Prefect's events name no user: no entry has an owner to match.
        return jsonify(serialize.empty_collection("event_logs"))
    found = bridge.event_logs.list_entries(
        event_query, page, dag_id=query.text("dag_id"), run_id=query.text("run_id"), readable=readable_dags()
    )
    entries = [serialize.event_log(entry) for entry in found.entries]
    return jsonify({"event_logs": entries, "total_entries": found.total})


def event_log_query(query: Query) -> EventLogQuery:
    """The filters and order of `GET /eventLogs`; a 400 for those Prefect cannot honour."""
    query.integer("map_index")
    query.integer("try_number")
    for name, reason in UNSUPPORTED_FILTERS.items():
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


@blueprint.get("/eventLogs/<int:event_log_id>")
@prefect_calls(*EVENT_LOG_CALLS)
def get_event_log(event_log_id: int):
    """A path that is not a whole number is routed nowhere (404), as in Airflow, whose route takes an int."""
    Query([])
    entry = current_bridge().event_logs.get_entry(event_log_id, readable=readable_dags())
    return jsonify(serialize.event_log(entry))
