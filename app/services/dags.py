"""DAGs: listing, reading and pausing the deployments behind them."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime

from app.errors import Conflict
from app.prefect import PrefectClient
from app.services.catalog import DagCatalog
from app.translate.airflow import Dag
from app.translate.dags import (
    BULK_DELETE_LIMIT,
    deletable_runs_filter,
    deployment_filter,
    deployment_to_dag,
    executing_runs_filter,
    matches_dag_id_pattern,
)
from app.translate.paging import Page


@dataclass(frozen=True)
class DagQuery:
    tags: list[str]
    paused: bool | None
    dag_id_pattern: str | None
    descending: bool = False


@dataclass(frozen=True)
class DagPage:
    dags: list[Dag]
    total: int


class DagService:
    def __init__(self, client: PrefectClient, catalog: DagCatalog) -> None:
        self.client = client
        self.catalog = catalog

    def list_dags(self, query: DagQuery, page: Page) -> DagPage:
        """A page of DAGs in dag_id order: two Prefect calls for up to 200 matching deployments."""
        now = datetime.now(UTC)
        found = self.catalog.deployments(deployment_filter(tags=query.tags, paused=query.paused))
        dags = [deployment_to_dag(deployment, name.flow, self.catalog.mapping, now=now) for deployment, name in found]
        dags = [dag for dag in dags if matches_dag_id_pattern(dag.dag_id, query.dag_id_pattern)]
        dags.sort(key=lambda dag: dag.dag_id, reverse=query.descending)
        return DagPage(dags[page.offset : page.offset + page.limit], len(dags))

    def get_dag(self, dag_id: str) -> Dag:
        deployment = self.catalog.deployment(dag_id)
        flow_name = self.catalog.mapping.deployment_for(dag_id).flow
        return deployment_to_dag(deployment, flow_name, self.catalog.mapping, now=datetime.now(UTC))

    def set_paused(self, dag: Dag, paused: bool) -> Dag:
        """Pause or resume the deployment; Prefect drops or recreates its future scheduled runs."""
        if dag.is_paused != paused:
            self.client.set_deployment_paused(dag.deployment_id, paused)
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
