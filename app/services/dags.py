"""DAGs: listing, reading and pausing the deployments behind them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from app.errors import Conflict
from app.prefect import PrefectClient
from app.services.catalog import DagCatalog
from app.services.estate import DeploymentSummary, EstateQuery
from app.translate.airflow import Dag
from app.translate.dags import (
    BULK_DELETE_LIMIT,
    deletable_runs_filter,
    deployment_to_dag,
    executing_runs_filter,
)
from app.translate.paging import Page

#: The listing's filters and direction, answered from the estate index.
DagQuery = EstateQuery


@dataclass(frozen=True)
class DagPage:
    dags: list[Dag]
    total: int


class DagService:
    def __init__(self, client: PrefectClient, catalog: DagCatalog) -> None:
        self.client = client
        self.catalog = catalog

    def list_dags(self, query: DagQuery, page: Page) -> DagPage:
        """A page of DAGs in dag_id order, cut from the estate index (estate.py).

        Cost: the index's check when due (two calls when nothing changed, at
        most once a second, see estate.py) and one call per 200 DAGs of the
        page not kept from an earlier listing (kept_deployments.py);
        constant in the size of the estate.
        """
        found = self.matching(query)
        window = found[page.offset : page.offset + page.limit]
        dags = self.to_dags(window)
        deleted_meanwhile = len(window) - len(dags)
        return DagPage(dags, len(found) - deleted_meanwhile)

    def matching(self, query: DagQuery) -> list[DeploymentSummary]:
        """Summaries of the DAGs matching `query`, in its dag_id order: the index's check only."""
        return self.catalog.estate.select(query)

    def to_dags(self, summaries: list[DeploymentSummary]) -> list[Dag]:
        """The DAGs of these summaries, in their order; ones deleted meanwhile are left out.

        Deployments kept from an earlier listing and unchanged since cost
        nothing (kept_deployments.py); the others one call per 200.
        """
        kept = self.catalog.kept.current(summaries)
        read = self.catalog.deployments_by_id([each.id for each in summaries if each.id not in kept])
        self.catalog.estate.observe(read.values())
        self.catalog.kept.keep(read.values())
        deployments = {**kept, **read}
        gone = [each.id for each in summaries if each.id not in deployments]
        if gone:
            self.catalog.estate.forget(gone)
        now = datetime.now(UTC)
        mapping = self.catalog.mapping
        return [
            deployment_to_dag(deployments[each.id], each.name.flow, mapping, now=now)
            for each in summaries
            if each.id in deployments
        ]

    def get_dag(self, dag_id: str) -> Dag:
        deployment = self.catalog.deployment(dag_id)
        flow_name = self.catalog.mapping.deployment_for(dag_id).flow
        return deployment_to_dag(deployment, flow_name, self.catalog.mapping, now=datetime.now(UTC))

    def set_paused(self, dag: Dag, paused: bool) -> Dag:
        """Pause or resume the deployment; Prefect drops or recreates its future scheduled runs."""
        if dag.is_paused != paused:
            self.client.set_deployment_paused(dag.deployment_id, paused)
            self.catalog.estate.note_paused(dag.deployment_id, paused)
        return replace(dag, is_paused=paused)

    def delete_dag(self, dag_id: str) -> int:
        """Airflow's delete_dag: the DAG's runs go, the DAG stays; the number of runs deleted.

        Airflow deletes a DAG's runs and task instances and the DAG comes back
        from its file at the next parse. Here the deployment is the file: it
        stays, and its flow runs whose time has come are deleted with their
        task runs and logs. 409 while one of its runs may be executing, as
        Airflow refuses while a task instance runs. Cost: the deployment (1),
        the executing check (1), and one bulk delete per 50 runs plus a last
        one that finds fewer than 50; each bulk delete is one transaction in
        Prefect, so a failure midway leaves whole runs, never half a run.
        """
        deployment = self.catalog.deployment(dag_id)
        if self.client.filter_flow_runs({"flow_runs": executing_runs_filter(deployment.id), "limit": 1}):
            raise Conflict(f"Task instances of dag with id: '{dag_id}' are still running")
        criteria = deletable_runs_filter(deployment.id, now=datetime.now(UTC))
        deleted = 0
        while True:
            batch = self.client.bulk_delete_flow_runs(criteria, BULK_DELETE_LIMIT)
            deleted += len(batch)
            if len(batch) < BULK_DELETE_LIMIT:
                return deleted
