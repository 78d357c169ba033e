"""dagStats: how many runs of each DAG are in each Airflow state.

Prefect counts flow runs grouped by state (`/flow_runs/history`, one SQL
aggregate) but never grouped by deployment. After the estate index finds
the requested DAGs' deployments (estate.py), the answer costs:

- one `/deployments/filter` for the requested DAGs that have runs at all
  (per 200 DAGs);
- one `/flow_runs/history` per such DAG, every state at once, in a single
  interval spanning all time.

1 + A calls, A the requested DAGs with runs (a page of the UI: at most
100), whatever the number of runs and the estate's size. Reading the runs
and counting them here costs one call per 200 runs, and Prefect takes
longer to serialise 200 runs than to count thousands; counting each state
with `/flow_runs/count` costs four calls per DAG.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from app.prefect import PrefectClient
from app.services.catalog import DagCatalog
from app.translate.dag_runs import visible
from app.translate.dag_stats import DAG_STATS_STATES, count_history, whole_history
from app.translate.paging import PREFECT_MAX_PAGE_SIZE
from app.translate.states import StateTable


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
        now = now or datetime.now(UTC)
        criteria = visible({}, now=now)
        with_runs = self._with_runs(set(deployments.values()), criteria)
        none = dict.fromkeys(DAG_STATS_STATES, 0)
        return {
            dag_id: self._history(deployment_id, criteria, now) if deployment_id in with_runs else dict(none)
            for dag_id, deployment_id in deployments.items()
        }

    def _with_runs(self, deployment_ids: Collection[UUID], criteria: dict[str, Any]) -> set[UUID]:
        """Which of these deployments have a run `criteria` selects: one call per 200 deployments."""
        ordered = sorted(map(str, deployment_ids))
        found: set[UUID] = set()
        for start in range(0, len(ordered), PREFECT_MAX_PAGE_SIZE):
            chunk = ordered[start : start + PREFECT_MAX_PAGE_SIZE]
            body = {"deployments": {"id": {"any_": chunk}}, "flow_runs": criteria, "limit": len(chunk)}
            found.update(each.id for each in self.client.filter_deployments(body))
        return found

    def _history(self, deployment_id: UUID, criteria: dict[str, Any], now: datetime) -> dict[str, int]:
        """One DAG's counts in every state: one Prefect aggregate."""
        scoped = {**criteria, "deployment_id": {"any_": [str(deployment_id)]}}
        return count_history(self.client.flow_run_history(whole_history(scoped, now=now)), self.states)
