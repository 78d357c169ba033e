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

import pickle
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.prefect.models import FlowRun
from app.translate.airflow import DagRun
from app.translate.ordering import Order, parse_order_by, postgres_sorted
from app.translate.run_ids import dag_run_id_of
from app.translate.states import StateTable

NOTE_LABEL = "airflow.note"

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


@dataclass(frozen=True)
class Segment:
    """One stretch of an ordered listing that Prefect can read in order.

    `criteria` narrow the query's flow-run filter to this stretch, `sort` is
    the Prefect sort to read it with, and `reverse` reads it with `sort` from
    the far end and reverses the rows (Prefect sorts end times one way only).
    """

    criteria: dict[str, Any]
    sort: str
    reverse: bool = False
    #: The Prefect field whose Airflow value is NULL on every row here: a bound on it rules the stretch out.
    null_of: str | None = None


def run_order_segments(order_by: str, *, single_dag: bool, states: StateTable) -> list[Segment] | None:
    """How Prefect reads runs in Airflow's `order_by` order: stretches to concatenate; None to sort in the bridge.

    Airflow sorts on PostgreSQL: NULLs last ascending, first descending.
    - `id` and `execution_date` (and `dag_id` within one DAG, where it is
      constant): expected start, never null. Airflow's `id` is creation
      order; Prefect has no creation-time sort and a run is expected to
      start when it is created, unless triggered with a past logical date.
    - `start_date`: the started runs by start time, then (ascending) the
      queued runs and the runs never started (no start date in Airflow's
      terms). Prefect's START_TIME sort alone would mix them in by expected
      start.
    - `end_date`: the ended runs by END_TIME_DESC (read from the far end
      for ascending), the unended ones after (ascending) or before them.
    - `state`: one stretch per Airflow state, in its name's order.
    - `dag_run_id`, `updated_at`, `external_trigger`, `conf` and `dag_id`
      across DAGs: Prefect cannot sort by them: None (a bounded read sorted
      by the bridge, see `run_sort_value`).
    Ties within a stretch go by expected start, in the direction asked.
    """
    order = parse_order_by(order_by, AIRFLOW_RUN_ORDER_KEYS)
    key = "id" if order.key == "dag_id" and single_dag else order.key
    direction = "DESC" if order.descending else "ASC"
    by_expected_start = f"EXPECTED_START_TIME_{direction}"
    if key in ("id", "execution_date"):
        return [Segment({}, by_expected_start)]
    if key == "start_date":
        # A queued run shows no start date (flow_run_to_dag_run), even one Prefect started before a clear.
        queued = states.prefect_types(["queued"])
        other = [each for each in states.dag_run_state if each not in queued]
        started = Segment({"start_time": NOT_NULL, "state": _types(other)}, f"START_TIME_{direction}")
        unstarted = [
            Segment({"state": _types(queued)}, by_expected_start, null_of="start_time"),
            Segment({"start_time": NULL, "state": _types(other)}, by_expected_start, null_of="start_time"),
        ]
        return _nulls_placed([started], unstarted, order)
    if key == "end_date":
        ended = Segment({"end_time": NOT_NULL}, "END_TIME_DESC", reverse=not order.descending)
        return _nulls_placed([ended], [Segment({"end_time": NULL}, by_expected_start, null_of="end_time")], order)
    if key == "state":
        names = sorted(set(states.dag_run_state.values()), reverse=order.descending)
        return [
            Segment({"state": {"type": {"any_": states.prefect_types([name])}}}, by_expected_start) for name in names
        ]
    return None


NOT_NULL, NULL = {"is_null_": False}, {"is_null_": True}


def _types(prefect_types: list[str]) -> dict[str, Any]:
    return {"type": {"any_": prefect_types}}


def _nulls_placed(values: list[Segment], nulls: list[Segment], order: Order) -> list[Segment]:
    return [*nulls, *values] if order.descending else [*values, *nulls]


def segment_criteria(criteria: dict[str, Any], segment: Segment) -> dict[str, Any] | None:
    """The query's flow-run `criteria` narrowed to `segment`; None when no run can be in both."""
    if segment.null_of is not None and segment.null_of in criteria:  # a date bound never matches NULL
        return None
    merged = dict(criteria)
    for field_name, wanted in segment.criteria.items():
        present = criteria.get(field_name)
        if field_name == "state":
            types = wanted["type"]["any_"]
            if present is not None:
                types = [each for each in types if each in present["type"]["any_"]]
            if not types:
                return None
            merged["state"] = {"type": {"any_": types}}
        elif wanted.get("is_null_"):
            if present is not None:  # a date bound on this field rules out runs without it
                return None
            merged[field_name] = wanted
        else:
            merged[field_name] = {**(present or {}), **wanted}
    return merged


#: The value each `order_by` key sorts a DAG run by, when the bridge sorts.
RUN_SORT_VALUES: dict[str, Callable[[DagRun], Any]] = {
    "id": lambda run: run.logical_date,
    "execution_date": lambda run: run.logical_date,
    "state": lambda run: run.state,
    "dag_id": lambda run: run.dag_id,
    "dag_run_id": lambda run: run.dag_run_id,
    "start_date": lambda run: run.start_date,
    "end_date": lambda run: run.end_date,
    "updated_at": lambda run: run.updated_at,
    "external_trigger": lambda run: run.external_trigger,
    # Airflow keeps conf as a pickle (PickleType): PostgreSQL orders the pickled bytes.
    "conf": lambda run: pickle.dumps(run.conf, protocol=pickle.HIGHEST_PROTOCOL),
}


def sort_runs(runs: list[DagRun], order_by: str) -> list[DagRun]:
    """`runs` in Airflow's `order_by` order, sorted by the bridge (strings by code point, as C collation)."""
    order = parse_order_by(order_by, AIRFLOW_RUN_ORDER_KEYS)
    by_expected_start = postgres_sorted(runs, RUN_SORT_VALUES["id"], descending=order.descending)
    return postgres_sorted(by_expected_start, RUN_SORT_VALUES[order.key], descending=order.descending)


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
        updated_at=run.updated,
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
    updated_at: DateRange = DateRange()
    order_by: str = "id"

    def __post_init__(self) -> None:
        parse_order_by(self.order_by, AIRFLOW_RUN_ORDER_KEYS)  # a bad order_by is a 400 even when no run matches

    def matches_in_bridge(self, run: DagRun) -> bool:
        """The filters Prefect cannot apply (`updated_at_*`), applied to a run it selected."""
        return within(run.updated_at, self.updated_at)


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


def within(value: datetime | None, dates: DateRange) -> bool:
    """Whether `value` is in `dates` (inclusive); a missing value is in no bounded range, as SQL's NULL."""
    if dates.gte is None and dates.lte is None:
        return True
    if value is None:
        return False
    return (dates.gte is None or value >= dates.gte) and (dates.lte is None or value <= dates.lte)


def _bounds(dates: DateRange) -> dict[str, str]:
    bounds: dict[str, str] = {}
    if dates.gte:
        bounds["after_"] = dates.gte.isoformat()
    if dates.lte:
        bounds["before_"] = dates.lte.isoformat()
    return bounds
