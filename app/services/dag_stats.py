"""dagStats: how many runs of each DAG are in each Airflow state.

Prefect counts flow runs (`/flow_runs/count`, `/flow_runs/history`) only
for a whole filter, never grouped by deployment, so exact per-DAG counts
would cost a call per DAG and state. The bridge instead reads the runs of
all requested DAGs together (one call per 200 runs, after the estate
index's check finds the deployments: two calls, see estate.py) and counts them itself, up to `MAX_COUNTED_RUNS`.
DAGs with more runs than that are counted by Prefect instead, one count
per DAG and state: more calls, but exact whatever the history's length.
"""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import UUID

from app.prefect import PrefectClient
from app.prefect.models import FlowRun
from app.services.catalog import DagCatalog
from app.translate.dag_runs import visible
from app.translate.dag_stats import DAG_STATS_STATES, count_states
from app.translate.paging import PREFECT_MAX_PAGE_SIZE
from app.translate.states import StateTable

MAX_COUNTED_RUNS = 2000


class DagStatsService:
    def __init__(self, client: PrefectClient, catalog: DagCatalog, states: StateTable) -> None:
        self.client = client
        self.catalog = catalog
        self.states = states

    def stats(self, dag_ids: list[str], *, now: datetime | None = None) -> dict[str, dict[str, int]]:
        """Counts per state for each known dag_id, in request order; unknown dag_ids are left out."""
        deployments = self.catalog.estate.ids_of(dag_ids)
        if not deployments:
            return {}
        body = {
            "flow_runs": visible(
                {"deployment_id": {"any_": sorted(map(str, set(deployments.values())))}}, now=now or datetime.now(UTC)
            ),
            "sort": "ID_DESC",
        }
        runs = self._runs(body)
        if runs is not None:
            return count_states(runs, deployments, self.states)
        return {dag_id: self._counts(deployment_id, body["flow_runs"]) for dag_id, deployment_id in deployments.items()}

    def _runs(self, body: dict) -> list[FlowRun] | None:
        """The runs `body` selects, or None when there are more than the bridge counts itself."""
        runs: list[FlowRun] = []
        while True:
            batch = self.client.filter_flow_runs({**body, "offset": len(runs), "limit": PREFECT_MAX_PAGE_SIZE})
            runs.extend(batch)
            if len(batch) < PREFECT_MAX_PAGE_SIZE:
                return runs
            if len(runs) >= MAX_COUNTED_RUNS:
                return None

    def _counts(self, deployment_id: UUID, criteria: dict) -> dict[str, int]:
        """One DAG's counts, one Prefect count per Airflow state."""
        counts = {}
        for state in DAG_STATS_STATES:
            scoped = {**criteria, "deployment_id": {"any_": [str(deployment_id)]}}
            scoped["state"] = {"type": {"any_": self.states.prefect_types([state])}}
            counts[state] = self.client.count_flow_runs({"flow_runs": scoped})
        return counts
