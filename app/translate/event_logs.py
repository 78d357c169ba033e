"""Prefect events as Airflow event log entries, and Airflow's event log queries as Prefect event filters.

Which events: those of flow runs and task runs (`prefect.flow-run.*`,
`prefect.task-run.*`), without the flow runs' heartbeats: the closest thing
Prefect has to Airflow's audit log of what happened to DAG runs and tasks.

Synthesised EventLog fields and their rules:
- event_log_id: the event's UUID read as an integer (`UUID(int=...)` finds it
  again: the rule is reversible and needs no table). The numbers are 128-bit:
  exact in Python and for any JSON reader with big integers, not in a
  JavaScript double.
- when <- occurred; event <- the Prefect event name, verbatim
  (`prefect.flow-run.Completed`), and `event`, `included_events` and
  `excluded_events` match those names exactly.
- dag_id: the deployment related to the event, through the DAG mapping;
  run_id: the dag_run_id of the flow run it concerns; execution_date: that
  run's expected start. Both are null while that start is in the future:
  the run is not an Airflow DAG run yet (dag_runs.py), though Prefect's
  scheduler has created it and recorded its events.
- task_id: the task run's task name, by the task-instance rule
  (task_instances.py: its name without Prefect's suffix), for task-run
  events.
- owner: null: Prefect's open-source server records no user with its events,
  so an `owner` filter matches nothing.
- map_index, try_number: null (Prefect events carry no map index, and
  their run count is the tries so far, 0 before a run starts, not the try
  an event belongs to); filtering by them is a 400.
- extra: the Prefect event payload as JSON text.

Order: Prefect returns events by occurrence only, so `when` and
`event_log_id` (creation order in Airflow) both sort by occurrence; other
keys are a 400. Paging: Prefect pages events 50 at a time behind opaque page
links, so an offset is reached by following them: `offset + limit` may not
exceed 1000 (narrow the window with `before`/`after` instead).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from app.errors import BadRequest
from app.prefect.models import Event, FlowRun
from app.translate.airflow import EventLog
from app.translate.ordering import parse_order_by
from app.translate.paging import Page
from app.translate.run_ids import dag_run_id_of
from app.translate.task_instances import task_id_from_name

EVENT_PREFIXES = ("prefect.flow-run.", "prefect.task-run.")
EXCLUDED_EVENTS = ("prefect.flow-run.heartbeat",)
#: Prefect's largest page of events, and the deepest window the bridge walks to.
PREFECT_EVENT_PAGE = 50
MAX_EVENT_WINDOW = 1000
#: Events since this instant; Prefect's own default looks back one day only.
EARLIEST = "1970-01-01T00:00:00+00:00"
UUID_INTEGERS = 1 << 128

FLOW_RUN = "prefect.flow-run."
DEPLOYMENT = "prefect.deployment."
TASK_RUN_EVENT = "prefect.task-run."
#: The Airflow order_by keys that sort by occurrence, the one order Prefect gives events in.
OCCURRENCE_ORDER_KEYS = ("event_log_id", "when")
AIRFLOW_EVENT_ORDER_KEYS = (
    "event_log_id",
    "when",
    "dag_id",
    "task_id",
    "run_id",
    "event",
    "execution_date",
    "owner",
    "extra",
)


@dataclass(frozen=True)
class EventLogQuery:
    """An Airflow event log query, validated, in Airflow's terms (dag and run resolved to Prefect ids)."""

    deployment_ids: tuple[UUID, ...] | None = None  # None: any deployment
    flow_run_ids: tuple[UUID, ...] | None = None  # None: any flow run
    event: str | None = None
    included_events: tuple[str, ...] = ()
    excluded_events: tuple[str, ...] = ()
    before: datetime | None = None
    after: datetime | None = None
    order_by: str = "event_log_id"


def event_log_id(event_id: UUID) -> int:
    return event_id.int


def event_id(event_log_id: int) -> UUID | None:
    """The Prefect event id behind an Airflow event_log_id, or None when no event can have it."""
    return UUID(int=event_log_id) if 0 <= event_log_id < UUID_INTEGERS else None


def check_window(page: Page) -> None:
    if page.offset + page.limit > MAX_EVENT_WINDOW:
        raise BadRequest(
            f"offset + limit may not exceed {MAX_EVENT_WINDOW} for event logs: Prefect pages events "
            f"{PREFECT_EVENT_PAGE} at a time by link only; narrow the window with 'before' and 'after'"
        )


def event_order(order_by: str) -> str:
    order = parse_order_by(order_by, AIRFLOW_EVENT_ORDER_KEYS)
    key, descending = order.key, order.descending
    if key not in OCCURRENCE_ORDER_KEYS:
        raise BadRequest(f"Ordering by '{key}' cannot be honoured: Prefect returns events in order of occurrence only")
    return "DESC" if descending else "ASC"


def event_filter(query: EventLogQuery) -> dict[str, Any]:
    """The Prefect `EventFilter` for an Airflow event log query."""
    names: dict[str, Any] = {"prefix": list(EVENT_PREFIXES), "exclude_name": [*EXCLUDED_EVENTS]}
    exact = [query.event] if query.event else []
    if query.included_events:
        exact = [name for name in exact if name in query.included_events] if exact else list(query.included_events)
        if not exact:  # `event` and `included_events` exclude each other: no name is left
            exact = [""]
    if exact:
        names["name"] = exact
    names["exclude_name"] += list(query.excluded_events)
    occurred = {"since": query.after.isoformat() if query.after else EARLIEST}
    if query.before:
        occurred["until"] = query.before.isoformat()
    criteria: dict[str, Any] = {"occurred": occurred, "event": names, "order": event_order(query.order_by)}
    if query.deployment_ids is not None:
        criteria["related"] = {"id": [DEPLOYMENT + str(each) for each in query.deployment_ids]}
    if query.flow_run_ids is not None:
        criteria["any_resource"] = {"id": [FLOW_RUN + str(each) for each in query.flow_run_ids]}
    return criteria


def event_to_event_log(event: Event, dag_ids: dict[UUID, str], runs: dict[UUID, FlowRun], *, now: datetime) -> EventLog:
    """`dag_ids`: dag_id per deployment id; `runs`: the flow runs the events concern, by id."""
    deployment_id = deployment_id_of(event)
    run = runs.get(flow_run_id_of(event))
    if run is not None and (run.expected_start_time is None or run.expected_start_time > now):
        run = None  # not a DAG run yet
    return EventLog(
        event_log_id=event_log_id(event.id),
        when=event.occurred,
        event=event.event,
        dag_id=dag_ids.get(deployment_id) if deployment_id else None,
        task_id=task_id_of(event),
        run_id=dag_run_id_of(run) if run else None,
        execution_date=run.expected_start_time if run else None,
        extra=extra_of(event),
    )


def deployment_id_of(event: Event) -> UUID | None:
    return _related_id(event, DEPLOYMENT)


def flow_run_id_of(event: Event) -> UUID | None:
    return _resource_id(event.resource, FLOW_RUN) or _related_id(event, FLOW_RUN)


def task_id_of(event: Event) -> str | None:
    if not event.event.startswith(TASK_RUN_EVENT):
        return None
    task_run = event.payload.get("task_run")
    if not isinstance(task_run, dict) or not isinstance(task_run.get("name"), str):
        return None
    dynamic_key = task_run.get("dynamic_key")
    return task_id_from_name(task_run["name"], dynamic_key if isinstance(dynamic_key, str) else "")


def extra_of(event: Event) -> str | None:
    return json.dumps(event.payload, sort_keys=True) if event.payload else None


def _related_id(event: Event, prefix: str) -> UUID | None:
    for resource in event.related:
        found = _resource_id(resource, prefix)
        if found is not None:
            return found
    return None


def _resource_id(resource: dict[str, str], prefix: str) -> UUID | None:
    resource_id = resource.get("prefect.resource.id", "")
    if not resource_id.startswith(prefix):
        return None
    try:
        return UUID(resource_id.removeprefix(prefix))
    except ValueError:
        return None
