"""dagStats: how many runs of each DAG are in each Airflow state.

Prefect counts flow runs (`/flow_runs/count`, `/flow_runs/history`) only
for a whole filter, never grouped by deployment, so exact per-DAG counts
would cost a call per DAG and state. The bridge instead reads the runs of
all requested DAGs together (one call per 200 runs, after one or two to
find the deployments) and counts them itself, up to `MAX_COUNTED_RUNS` in
one request; beyond that it answers 400 and asks for fewer DAGs, rather
than report counts it did not make.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.errors import BadRequest
from app.prefect import PrefectClient
from app.prefect.models import FlowRun
from app.services.catalog import DagCatalog
from app.translate.dag_runs import visible
from app.translate.dag_stats import count_states
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
        deployments = {dag_id: each.id for dag_id, each in self.catalog.deployments_of(dag_ids).items()}
        if not deployments:
            return {}
        body = {
            "flow_runs": visible(
                {"deployment_id": {"any_": sorted(map(str, set(deployments.values())))}}, now=now or datetime.now(UTC)
            ),
            "sort": "ID_DESC",
        }
        return count_states(self._runs(body), deployments, self.states)

    def _runs(self, body: dict) -> list[FlowRun]:
        runs: list[FlowRun] = []
        while True:
            batch = self.client.filter_flow_runs({**body, "offset": len(runs), "limit": PREFECT_MAX_PAGE_SIZE})
            runs.extend(batch)
            if len(batch) < PREFECT_MAX_PAGE_SIZE:
                return runs
            if len(runs) > MAX_COUNTED_RUNS:
                raise BadRequest(
                    f"The requested DAGs have more than {MAX_COUNTED_RUNS} runs, more than the bridge counts in one "
                    "request: Prefect cannot count runs per DAG in one call. Ask for fewer dag_ids."
                )
