"""Event log operations of the v1 API: Prefect's flow-run and task-run events.

The rules (which events, ids, order, paging) are in app/translate/event_logs.py.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.api_v1 import serialize
from app.api_v1.authorization import readable_dags
from app.api_v1.listing_queries import EVENT_LOG_PARAMS, event_log_query
from app.api_v1.params import Query
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge

blueprint = Blueprint("event_logs", __name__)

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


@blueprint.get("/eventLogs/<int:event_log_id>")
@prefect_calls(*EVENT_LOG_CALLS)
def get_event_log(event_log_id: int):
    """A path that is not a whole number is routed nowhere (404), as in Airflow, whose route takes an int."""
    Query([])
    entry = current_bridge().event_logs.get_entry(event_log_id, readable=readable_dags())
    return jsonify(serialize.event_log(entry))
