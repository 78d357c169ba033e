"""Prefect flow runs as Airflow DAG runs, and Airflow run queries as Prefect filters.

Synthesised DAGRun fields and their rules:
- dag_run_id: run_ids.py. dag_id: the run's deployment through the mapping.
- logical_date = execution_date <- expected_start_time: the moment the run
  was scheduled for. data_interval_start = data_interval_end = logical_date:
  a Prefect run covers the instant it is scheduled for, not an interval.
- start_date <- start_time, end_date <- end_time.
- state: the state table (mappings/states.toml).
- run_type: `scheduled` for runs Prefect's scheduler created, else `manual`;
  external_trigger is its negation.
- conf <- the run's parameters; note <- the run's `airflow.note` label.
- last_scheduling_decision: null (Prefect has no such event).

Which runs exist: a run whose expected start is still in the future is not
an Airflow DAG run yet (Prefect's scheduler creates future runs ahead of
time; Airflow creates a run when its time comes): it is the DAG's
next_dagrun. Every query is therefore bounded by `expected_start_time <=
now`, and a trigger may not be dated in the future.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.errors import BadRequest
from app.prefect.models import FlowRun
from app.translate.airflow import DagRun
from app.translate.ordering import Order, cannot_honour, parse_order_by
from app.translate.run_ids import dag_run_id_of
from app.translate.states import StateTable

NOTE_LABEL = "airflow.note"

#: Airflow order_by key -> Prefect flow-run sort (ascending, descending).
#: Airflow's `id` is creation order; Prefect has no creation-time sort, and
#: the expected start is the closest order it has (a manual run is expected
#: to start when it is created). Keys missing here cannot be sorted by
#: Prefect (state, dag_run_id, updated_at, external_trigger, conf; end_date
#: ascending) and answer 400 rather than a silently different order.
#: `dag_id` is honoured when the runs are of one DAG, where it is constant.
RUN_SORTS: dict[str, tuple[str | None, str | None]] = {
    "id": ("EXPECTED_START_TIME_ASC", "EXPECTED_START_TIME_DESC"),
    "execution_date": ("EXPECTED_START_TIME_ASC", "EXPECTED_START_TIME_DESC"),
    "start_date": ("START_TIME_ASC", "START_TIME_DESC"),
    "end_date": (None, "END_TIME_DESC"),
}
AIRFLOW_RUN_ORDER_KEYS = (
    "id",
    "state",
    "dag_id",
    "execution_date",
    "dag_run_id",
    "start_date",
    "end_date",
    "updated_at",
    "external_trigger",
    "conf",
)


def flow_run_to_dag_run(run: FlowRun, dag_id: str, states: StateTable) -> DagRun:
    scheduled = run.auto_scheduled
    note = run.labels.get(NOTE_LABEL)
    state = states.airflow_state(run.state.type if run.state else None)
    return DagRun(
        dag_run_id=dag_run_id_of(run),
        dag_id=dag_id,
        flow_run_id=run.id,
        logical_date=run.expected_start_time,
        # Airflow empties start_date whenever a run is queued (again, after a clear); Prefect keeps the first start.
        start_date=None if state == "queued" else run.start_time,
        end_date=run.end_time,
        run_type="scheduled" if scheduled else "manual",
        state=state,
        external_trigger=not scheduled,
        conf=dict(run.parameters),
        note=note if isinstance(note, str) else None,
    )


@dataclass(frozen=True)
class DateRange:
    gte: datetime | None = None
    lte: datetime | None = None


@dataclass(frozen=True)
class RunQuery:
    """An Airflow DAG-run query, validated, in Airflow's terms."""

    states: tuple[str, ...] = ()
    execution_date: DateRange = DateRange()
    start_date: DateRange = DateRange()
    end_date: DateRange = DateRange()
    order_by: str = "id"


def check_states(values: list[str], allowed: tuple[str, ...]) -> tuple[str, ...]:
    unknown = [value for value in values if value not in allowed]
    if unknown:
        raise BadRequest(f"Invalid state(s) {', '.join(map(repr, unknown))}; expected one of {', '.join(allowed)}")
    return tuple(values)


def run_sort(order_by: str, *, single_dag: bool) -> str:
    """The Prefect sort for an Airflow `order_by` (400 when none is equal)."""
    order = parse_order_by(order_by, AIRFLOW_RUN_ORDER_KEYS)
    if order.key == "dag_id" and single_dag:
        order = Order("id", order.descending)
    ascending_sort, descending_sort = RUN_SORTS.get(order.key, (None, None))
    sort = descending_sort if order.descending else ascending_sort
    if sort is None:
        raise cannot_honour(order, "flow runs")
    return sort


def flow_run_filter(query: RunQuery, states: StateTable) -> dict[str, Any]:
    """The `flow_runs` part of a Prefect filter for an Airflow run query."""
    criteria: dict[str, Any] = {}
    if query.states:
        criteria["state"] = {"type": {"any_": states.prefect_types(list(query.states))}}
    if query.execution_date.gte or query.execution_date.lte:
        criteria["expected_start_time"] = _bounds(query.execution_date)
    if query.start_date.gte or query.start_date.lte:
        # Prefect compares coalesce(start_time, expected_start_time); Airflow
        # never matches a run that has not started.
        criteria["start_time"] = {**_bounds(query.start_date), "is_null_": False}
    if query.end_date.gte or query.end_date.lte:
        criteria["end_time"] = {**_bounds(query.end_date), "is_null_": False}
    return criteria


def visible(criteria: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    """`criteria`, further bounded to runs whose time has come."""
    bounds = dict(criteria.get("expected_start_time", {}))
    before = bounds.get("before_")
    if before is None or datetime.fromisoformat(before) > now:
        bounds["before_"] = now.isoformat()
    return {**criteria, "expected_start_time": bounds}


def _bounds(dates: DateRange) -> dict[str, str]:
    bounds: dict[str, str] = {}
    if dates.gte:
        bounds["after_"] = dates.gte.isoformat()
    if dates.lte:
        bounds["before_"] = dates.lte.isoformat()
    return bounds
