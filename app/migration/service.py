"""Reading both sides of the migration: runs to compare, and the status page's facts.

The Prefect side is read through the bridge's own services, so it is seen
exactly as Airflow clients see it (the same run ids, states and task
instances); the legacy side through its v1 API.

Upstream cost:
- comparing one DAG: Prefect, one call per 200 runs in the window plus the
  DAG's task runs (one per 200) and its template run (0-1); the legacy
  Airflow, one call per 100 runs and one per 100 task instances. Knowing
  the DAGs of both sides (for the default selection and to refuse unknown
  dag_ids) is 2 Prefect calls and one legacy call per 100 DAGs. Saving the
  findings is one Prefect call per DAG.
- the status page, however many DAGs there are: 4 Prefect calls (the DAGs:
  deployments and flows; one page of the latest RECENT_RUNS runs across
  DAGs, whose dag_ids the DAG listing already resolved; the stored
  comparisons, one call per 200 DAGs); legacy, one call per 100 DAGs and
  one for its latest runs.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from pydantic import ValidationError

from app.errors import UpstreamError
from app.legacy import LegacyAirflowClient, LegacyDagRun, LegacyTaskInstance
from app.migration.comparison import DEFAULT_MIN_DIFFERENCE, Comparison, RunRecord, TaskRecord, compare_dag
from app.migration.findings import FindingStore
from app.migration.status import RECENT_RUNS, LastRun, MigrationStatus, build_status
from app.services.dag_runs import DagRunService
from app.services.dags import DagQuery, DagService
from app.services.routes import RouteService
from app.services.task_instances import RunTasks, TaskInstanceService
from app.translate.dag_runs import RunQuery
from app.translate.paging import Page
from app.translate.routes import Kind, Route

log = logging.getLogger(__name__)

#: A page that holds every DAG: DagService reads every deployment anyway and cuts the page after.
EVERY_DAG = Page(0, 1_000_000)


class UnknownDags(ValueError):
    """dag_ids that neither side knows."""


@dataclass(frozen=True)
class KnownDags:
    airflow: frozenset[str]
    prefect: frozenset[str]


class MigrationService:
    def __init__(
        self,
        *,
        dags: DagService,
        dag_runs: DagRunService,
        task_instances: TaskInstanceService,
        findings: FindingStore,
        legacy: LegacyAirflowClient | None,
        routes: RouteService,
    ) -> None:
        self.dags = dags
        self.dag_runs = dag_runs
        self.task_instances = task_instances
        self.findings = findings
        self.legacy = legacy
        self.routes = routes

    # -- what each side knows -----------------------------------------------------

    def known_dags(self) -> KnownDags:
        prefect = {dag.dag_id for dag in self.dags.list_dags(DagQuery([], None, None), EVERY_DAG).dags}
        airflow = {dag.dag_id for dag in self.legacy.iter_dags()} if self.legacy else set()
        return KnownDags(frozenset(airflow), frozenset(prefect))

    def default_dags(self, known: KnownDags) -> list[str]:
        """Every DAG routed shadow; when there is none, every DAG present on both sides."""
        shadowed = [dag_id for dag_id, route in self.routes.all().items() if route.kind is Kind.SHADOW]
        return sorted(shadowed) or sorted(known.airflow & known.prefect)

    # -- comparing ------------------------------------------------------------------

    def compare(
        self,
        dag_ids: Sequence[str] | None,
        since: datetime,
        until: datetime,
        *,
        min_difference: float = DEFAULT_MIN_DIFFERENCE,
        store: bool = True,
    ) -> Comparison:
        """Compare each DAG's runs with a logical date in [since, until]; keep each DAG's findings in Prefect."""
        known = self.known_dags()
        if dag_ids:
            unknown = sorted(set(dag_ids) - known.airflow - known.prefect)
            if unknown:
                raise UnknownDags(f"neither the legacy Airflow nor Prefect has a DAG {', '.join(map(repr, unknown))}")
        selected = list(dict.fromkeys(dag_ids)) if dag_ids else self.default_dags(known)
        compared_at = datetime.now(UTC)
        results = []
        for dag_id in selected:
            airflow = self.airflow_runs(dag_id, since, until) if dag_id in known.airflow else []
            prefect = self.prefect_runs(dag_id, since, until) if dag_id in known.prefect else []
            result = compare_dag(dag_id, airflow, prefect, min_difference=min_difference)
            if store:
                self.findings.save(result, since, until, compared_at)
            results.append(result)
        return Comparison(since, until, tuple(results))

    def _routes_of(self, dag_ids: set[str], airflow_dags: set[str]) -> dict[str, Route]:
        """The route of every DAG either side has or the routes name, by the routing layer's own rule.

        Which DAGs the legacy Airflow has is already known here, so deciding
        an unnamed DAG costs no call.
        """
        table = self.routes.table()
        routes = dict(table.routes)
        for dag_id in dag_ids - routes.keys():
            side = self.routes.unnamed_side(dag_id, table.default, airflow_dags.__contains__)
            routes[dag_id] = Route(dag_id, Kind(side.value), side, named=False)
        return routes

    def prefect_runs(self, dag_id: str, since: datetime, until: datetime) -> list[RunRecord]:
        return [_prefect_record(run) for run in self.task_instances.runs_between(dag_id, since, until)]

    def airflow_runs(self, dag_id: str, since: datetime, until: datetime) -> list[RunRecord]:
        if self.legacy is None:
            return []
        runs = list(self.legacy.iter_dag_runs(dag_id, start=since, end=until))
        tasks: dict[str, list[TaskRecord]] = defaultdict(list)
        for instance in self.legacy.iter_task_instances(dag_id, start=since, end=until) if runs else ():
            tasks[instance.dag_run_id or ""].append(_airflow_task(instance))
        return [_airflow_record(run, tasks.get(run.dag_run_id or "", [])) for run in runs]

    # -- the status page ----------------------------------------------------------------

    def status(self) -> MigrationStatus:
        """Every DAG, its route, each side's last run and its last comparison.

        A legacy Airflow that cannot be read leaves its columns empty and says
        so (`airflow_error`), rather than taking the page down with it.
        """
        prefect_dags = {dag.dag_id for dag in self.dags.list_dags(DagQuery([], None, None), EVERY_DAG).dags}
        recent = self.dag_runs.list_runs(None, RunQuery(order_by="-execution_date"), Page(0, RECENT_RUNS)).runs
        prefect_runs = [LastRun(run.dag_id, run.dag_run_id, run.state, run.logical_date) for run in recent]
        airflow_dags: set[str] = set()
        airflow_runs: list[LastRun] = []
        airflow_error = None
        if self.legacy is not None:
            try:
                airflow_dags = {dag.dag_id for dag in self.legacy.iter_dags()}
                page = self.legacy.list_dag_runs("~", limit=RECENT_RUNS, order_by="-execution_date")
                airflow_runs = [_last_airflow_run(item) for item in page.items]
            except (UpstreamError, ValidationError) as error:
                log.warning("status page without the legacy Airflow: %s", error)
                airflow_error = str(error)
        return build_status(
            routes=self._routes_of(prefect_dags | airflow_dags, airflow_dags),
            airflow_dags=airflow_dags,
            prefect_dags=prefect_dags,
            airflow_runs=airflow_runs,
            prefect_runs=prefect_runs,
            comparisons=self.findings.latest(),
            generated_at=datetime.now(UTC),
            airflow_error=airflow_error,
        )


def _prefect_record(run: RunTasks) -> RunRecord:
    dag_run = run.dag_run
    tasks = tuple(TaskRecord(each.task_id, each.map_index, each.state, each.try_number) for each in run.instances)
    return RunRecord(
        dag_run.dag_run_id, dag_run.logical_date, dag_run.state, dag_run.start_date, dag_run.end_date, tasks
    )


def _airflow_task(instance: LegacyTaskInstance) -> TaskRecord:
    return TaskRecord(instance.task_id, instance.map_index, instance.state, instance.try_number or 0)


def _airflow_record(run: LegacyDagRun, tasks: list[TaskRecord]) -> RunRecord:
    logical_date = run.logical_date or run.execution_date
    return RunRecord(run.dag_run_id or "", logical_date, run.state or "", run.start_date, run.end_date, tuple(tasks))


def _last_airflow_run(item: dict) -> LastRun:
    run = LegacyDagRun.model_validate(item)
    return LastRun(run.dag_id, run.dag_run_id or "", run.state, run.logical_date or run.execution_date)
