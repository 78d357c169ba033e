"""DAG run counts per Airflow state, as Airflow's dagStats reports them.

Every requested DAG lists every DAG run state in Airflow's order, with 0
for states it has no runs in; a run's state comes from the state table
(mappings/states.toml), and only runs whose expected start has come count,
as everywhere else in the bridge.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from uuid import UUID

from app.prefect.models import FlowRun
from app.translate.states import StateTable

#: Airflow's `State.dag_states`, in the order its dagStats lists them.
DAG_STATS_STATES = ("queued", "success", "running", "failed")


def count_states(
    runs: Iterable[FlowRun], deployments: Mapping[str, UUID], states: StateTable
) -> dict[str, dict[str, int]]:
    """dag_id -> Airflow state -> number of runs, for the DAGs of `deployments` (dag_id -> deployment id)."""
    counted = Counter((run.deployment_id, states.airflow_state(run.state.type if run.state else None)) for run in runs)
    return {
        dag_id: {state: counted[(deployment_id, state)] for state in DAG_STATS_STATES}
        for dag_id, deployment_id in deployments.items()
    }
