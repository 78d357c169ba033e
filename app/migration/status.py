"""The migration's status: every DAG, its route, its last run on each side, its last comparison (pure).

Progress counts DAGs routed `prefect` (migrated) of every DAG either side
knows or the routes name. "Last run" is the latest by logical date among
each side's most recent runs (RECENT_RUNS, across DAGs, one read per side): a DAG with no
run among those shows none, which keeps the page's cost fixed however many
DAGs there are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.migration.findings import StoredComparison
from app.translate.dates import format_datetime
from app.translate.routes import Kind, Route

RECENT_RUNS = 100
ROUTES = (Kind.AIRFLOW, Kind.SHADOW, Kind.PREFECT)


@dataclass(frozen=True)
class LastRun:
    dag_id: str
    dag_run_id: str
    state: str | None
    logical_date: datetime | None

    def as_json(self) -> dict[str, Any]:
        return {"dag_run_id": self.dag_run_id, "state": self.state, "logical_date": format_datetime(self.logical_date)}


@dataclass(frozen=True)
class DagStatus:
    dag_id: str
    route: Route
    in_airflow: bool
    in_prefect: bool
    last_airflow: LastRun | None
    last_prefect: LastRun | None
    comparison: StoredComparison | None

    @property
    def mismatches(self) -> int | None:
        return None if self.comparison is None else len(self.comparison.findings)

    def as_json(self) -> dict[str, Any]:
        return {
            "dag_id": self.dag_id,
            "route": self.route.kind.value,
            "authoritative": self.route.authoritative.value,
            "route_named": self.route.named,
            "in_airflow": self.in_airflow,
            "in_prefect": self.in_prefect,
            "last_run": {
                "airflow": self.last_airflow.as_json() if self.last_airflow else None,
                "prefect": self.last_prefect.as_json() if self.last_prefect else None,
            },
            "comparison": self.comparison.as_json() if self.comparison else None,
        }


@dataclass(frozen=True)
class MigrationStatus:
    dags: tuple[DagStatus, ...]
    generated_at: datetime
    airflow_error: str | None = None  # the legacy Airflow could not be read: its columns are empty

    @property
    def migrated(self) -> int:
        return sum(1 for dag in self.dags if dag.route.kind is Kind.PREFECT)

    def by_route(self) -> dict[str, int]:
        return {kind.value: sum(1 for dag in self.dags if dag.route.kind is kind) for kind in ROUTES}

    def as_json(self) -> dict[str, Any]:
        total = len(self.dags)
        return {
            "generated_at": format_datetime(self.generated_at),
            "progress": {
                "migrated": self.migrated,
                "total": total,
                "percent": round(100 * self.migrated / total, 1) if total else 0.0,
                "by_route": self.by_route(),
            },
            "mismatches": sum(dag.mismatches or 0 for dag in self.dags),
            "airflow_error": self.airflow_error,
            "dags": [dag.as_json() for dag in self.dags],
        }


def latest_by_dag(runs: Iterable[LastRun]) -> dict[str, LastRun]:
    latest: dict[str, LastRun] = {}
    for run in runs:
        known = latest.get(run.dag_id)
        if known is None or _later(run, known):
            latest[run.dag_id] = run
    return latest


def _later(run: LastRun, other: LastRun) -> bool:
    if run.logical_date is None or other.logical_date is None:
        return other.logical_date is None and run.logical_date is not None
    return run.logical_date > other.logical_date


def build_status(
    *,
    routes: Mapping[str, Route],
    airflow_dags: Iterable[str],
    prefect_dags: Iterable[str],
    airflow_runs: Iterable[LastRun],
    prefect_runs: Iterable[LastRun],
    comparisons: Mapping[str, StoredComparison],
    generated_at: datetime,
    airflow_error: str | None = None,
) -> MigrationStatus:
    """Every DAG in `routes` (every DAG either side knows or the routes name, with its route), in dag_id order."""
    in_airflow, in_prefect = set(airflow_dags), set(prefect_dags)
    last_airflow, last_prefect = latest_by_dag(airflow_runs), latest_by_dag(prefect_runs)
    dags = tuple(
        DagStatus(
            dag_id=dag_id,
            route=routes[dag_id],
            in_airflow=dag_id in in_airflow,
            in_prefect=dag_id in in_prefect,
            last_airflow=last_airflow.get(dag_id),
            last_prefect=last_prefect.get(dag_id),
            comparison=comparisons.get(dag_id),
        )
        for dag_id in sorted(routes)
    )
    return MigrationStatus(dags, generated_at, airflow_error)
