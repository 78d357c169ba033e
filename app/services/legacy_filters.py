"""The bridge's listing queries in the legacy Airflow's terms (its v1 API), for the merged listings.

The merged listings (merged.py) ask both systems the same question: the
Prefect side takes the query objects, the legacy side the parameters and
batch bodies built here from the very same objects, so the two sides cannot
read a request differently, whichever dialect the client spoke. Dates go
as ISO 8601 in UTC, which Airflow reads as the client's own text.
"""

from __future__ import annotations

from typing import Any

from app.services.dags import DagQuery
from app.translate.dag_runs import DateRange, RunQuery
from app.translate.dates import format_datetime
from app.translate.event_logs import EventLogQuery
from app.translate.task_instances import TaskInstanceQuery

#: The date filters both sides apply; `updated_at_*` only Prefect's (Airflow 2.10's batch forms ignore them).
SHARED_DATE_RANGES = ("execution_date", "start_date", "end_date")


def dag_params(query: DagQuery, only_active: bool | None) -> dict[str, Any]:
    """`GET /dags` filters (the order is the listing's to add); None values are not sent."""
    return {
        "tags": list(query.tags),
        "only_active": only_active,
        "paused": query.paused,
        "dag_id_pattern": query.dag_id_pattern,
    }


def run_filters(query: RunQuery) -> dict[str, Any]:
    """The filters of a `POST /dags/~/dagRuns/list` body (dag_ids, order and page are the listing's)."""
    filters = _date_filters(query)
    if query.states:
        filters["states"] = list(query.states)
    return filters


def instance_filters(query: TaskInstanceQuery) -> dict[str, Any]:
    """The filters of a `POST /dags/~/dagRuns/~/taskInstances/list` body (scopes and page are the listing's)."""
    filters = _date_filters(query)
    lists = {
        "state": query.states,
        "pool": query.pools,
        "queue": query.queues,
        "executor": query.executors,
        "task_ids": query.task_ids,
    }
    filters.update({name: list(values) for name, values in lists.items() if values})
    for name in ("duration_gte", "duration_lte"):
        if getattr(query, name) is not None:
            filters[name] = getattr(query, name)
    return filters


def event_log_params(query: EventLogQuery, *, run_id: str | None, owner: str | None) -> dict[str, Any]:
    """`GET /eventLogs` filters (the order is the listing's to add); None values are not sent."""
    return {
        "run_id": run_id,
        "event": query.event,
        "owner": owner,
        "before": format_datetime(query.before),
        "after": format_datetime(query.after),
        "included_events": list(query.included_events),
        "excluded_events": list(query.excluded_events),
    }


def _date_filters(query: RunQuery | TaskInstanceQuery) -> dict[str, str]:
    filters = {}
    for name in SHARED_DATE_RANGES:
        dates: DateRange = getattr(query, name)
        for bound in ("gte", "lte"):
            value = getattr(dates, bound)
            if value is not None:
                filters[f"{name}_{bound}"] = format_datetime(value)
    return filters
