"""DAG run counts per Airflow state, as Airflow's dagStats reports them.

Every requested DAG lists every DAG run state in Airflow's order, with 0
for states it has no runs in; a run's state comes from the state table
(mappings/states.toml), and only runs whose expected start has come count,
as everywhere else in the bridge.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from app.prefect.models import HistoryInterval
from app.translate.states import StateTable

#: Airflow's `State.dag_states`, in the order its dagStats lists them.
DAG_STATS_STATES = ("queued", "success", "running", "failed")

#: `/flow_runs/history` counts only runs expected to start in its span: it starts before any run can.
HISTORY_START = datetime(1, 1, 1, tzinfo=UTC)
#: Past `now`, so a run expected exactly at `now` is inside the one interval (its upper bound is exclusive).
HISTORY_END_MARGIN = timedelta(minutes=1)


def whole_history(flow_runs: dict[str, Any], *, now: datetime) -> dict[str, Any]:
    """A `/flow_runs/history` body counting the runs `flow_runs` selects in one interval spanning all time."""
    end = now + HISTORY_END_MARGIN
    return {
        "history_start": HISTORY_START.isoformat(),
        "history_end": end.isoformat(),
        "history_interval_seconds": (end - HISTORY_START).total_seconds(),
        "flow_runs": flow_runs,
    }


def count_history(intervals: Iterable[HistoryInterval], states: StateTable) -> dict[str, int]:
    """Airflow state -> number of runs, from Prefect's counts per state type (one DAG's history)."""
    counted: Counter[str] = Counter()
    for interval in intervals:
        for state in interval.states:
            counted[states.airflow_state(state.state_type)] += state.count_runs
    return {state: counted[state] for state in DAG_STATS_STATES}
