"""DAG runs: listing, reading, triggering and changing flow runs as Airflow asks.

Upstream cost, whatever the page size: a page of runs of one DAG is one
Prefect call (`/flow_runs/paginate` answers rows and total together); a
page across DAGs adds the dag_ids of deployments not seen before (one batch
call); reading one run is one call.
"""

from __future__ import annotations

import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from app.errors import BadRequest, Conflict, NotFound
from app.prefect import PrefectClient, PrefectRequestError
from app.prefect.models import Deployment, FlowRun
from app.services.catalog import DagCatalog, names_filter
from app.services.pages import fetching, read_window
from app.translate import run_ids
from app.translate.airflow import DagRun
from app.translate.dag_runs import NOTE_LABEL, RunQuery, flow_run_filter, flow_run_to_dag_run, run_sort, visible
from app.translate.dates import format_datetime
from app.translate.paging import Page, covering_page
from app.translate.states import FINISHED_PREFECT_TYPES, StateTable
from app.translate.task_notes import label_value

REQUEST_MARK = "airflow_bridge_request"


@dataclass(frozen=True)
class RunPage:
    runs: list[DagRun]
    total: int


@dataclass(frozen=True)
class Trigger:
    """A validated trigger request, in Airflow's terms."""

    dag_run_id: str | None
    logical_date: datetime | None
    conf: dict[str, Any]
    note: str | None


def dag_run_not_found(dag_id: str, dag_run_id: str) -> NotFound:
    return NotFound(f"DAGRun with DAG ID: '{dag_id}' and DagRun ID: '{dag_run_id}' not found", title="DAGRun not found")


class DagRunService:
    def __init__(self, client: PrefectClient, catalog: DagCatalog, states: StateTable) -> None:
        self.client = client
        self.catalog = catalog
        self.states = states
        self._trigger_locks: dict[UUID, threading.Lock] = {}
        self._trigger_locks_guard = threading.Lock()

    # -- reading --------------------------------------------------------------

    def list_runs(
        self, dag_ids: Sequence[str] | None, query: RunQuery, page: Page, *, now: datetime | None = None
    ) -> RunPage:
        """Runs of the DAGs `dag_ids` (None: every DAG), filtered, sorted and paged by Prefect."""
        now = now or datetime.now(UTC)
        scope = self.scope(dag_ids)
        if scope is None:
            return RunPage([], 0)
        filters, criteria = scope
        single_dag = dag_ids is not None and len(set(dag_ids)) == 1
        body = {
            **filters,
            "flow_runs": visible({**flow_run_filter(query, self.states), **criteria}, now=now),
            "sort": run_sort(query.order_by, single_dag=single_dag),
        }
        rows, total = self._page(body, page)
        return RunPage(self._as_dag_runs(rows, dag_ids), total)

    def get_run(self, dag_id: str, dag_run_id: str) -> DagRun:
        return flow_run_to_dag_run(self.find_flow_run(dag_id, dag_run_id), dag_id, self.states)

    # -- changing ---------------------------------------------------------------

    def trigger(self, dag_id: str, trigger: Trigger, *, now: datetime | None = None) -> DagRun:
        """Create a run; a second run with the same id or logical date is a 409.

        The dag_run_id is made unique by Prefect's idempotency key, atomically.
        The logical date is checked before creating and once more after.
        Within a process, triggers of one DAG take turns, so duplicates are
        refused before anything is created. Between replicas, concurrent
        triggers may each create a run at the same logical date: the
        earliest-created run wins and the others are deleted at once, within
        milliseconds of their creation.
        """
        now = now or datetime.now(UTC)
        logical_date = trigger.logical_date or now
        if logical_date > now:
            raise BadRequest(
                f"Logical date {format_datetime(logical_date)} is in the future: the bridge serves a run only "
                "once its logical date has come"
            )
        dag_run_id = trigger.dag_run_id or run_ids.default_dag_run_id(logical_date)
        run_ids.check_new_dag_run_id(dag_run_id)
        deployment = self.catalog.deployment(dag_id)
        with self._trigger_lock(deployment.id):
            if self._runs_at(deployment, logical_date):
                raise _logical_date_taken(dag_id, logical_date)
            run = self._create(deployment, dag_id, dag_run_id, logical_date, trigger)
            rivals = self._runs_at(deployment, logical_date)
        winner = min(rivals, key=lambda each: (each.created or now, str(each.id)), default=run)
        if winner.id != run.id:
            self.client.delete_flow_run(run.id)
            raise _logical_date_taken(dag_id, logical_date)
        return flow_run_to_dag_run(run, dag_id, self.states)

    def set_state(self, dag_id: str, dag_run_id: str, airflow_state: str) -> DagRun:
        run = self.find_flow_run(dag_id, dag_run_id)
        unfinished = run.state is None or run.state.type not in FINISHED_PREFECT_TYPES
        target = self.states.target_state(airflow_state, unfinished=unfinished)
        self.client.set_flow_run_state(run.id, target, force=True)
        return flow_run_to_dag_run(self.client.read_flow_run(run.id), dag_id, self.states)

    def clear(self, dag_id: str, dag_run_id: str) -> DagRun:
        """Run the flow run again (Prefect re-executes a run put back to AwaitingRetry)."""
        return self.set_state(dag_id, dag_run_id, "queued")

    def delete(self, dag_id: str, dag_run_id: str) -> None:
        self.client.delete_flow_run(self.find_flow_run(dag_id, dag_run_id).id)

    def set_note(self, dag_id: str, dag_run_id: str, note: str | None) -> DagRun:
        """Keep `note` in the flow run's `airflow.note` label; None removes it (app/translate/task_notes.py)."""
        run = self.find_flow_run(dag_id, dag_run_id)
        value = label_value(note)
        self.client.update_flow_run_labels(run.id, {NOTE_LABEL: value})
        updated = run.model_copy(update={"labels": {**run.labels, NOTE_LABEL: value}})
        return flow_run_to_dag_run(updated, dag_id, self.states)

    # -- helpers ----------------------------------------------------------------

    def _trigger_lock(self, deployment_id: UUID) -> threading.Lock:
        with self._trigger_locks_guard:
            return self._trigger_locks.setdefault(deployment_id, threading.Lock())

    def scope(self, dag_ids: Sequence[str] | None) -> tuple[dict[str, Any], dict[str, Any]] | None:
        """(top-level filters, flow_runs criteria) selecting the runs of `dag_ids`.

        None when no run can match. One DAG is selected by its names; several
        by their deployment ids, found in one call, because name filters
        would also match other pairings of the same flow and deployment names.
        """
        if dag_ids is None:
            return {}, {"deployment_id": {"is_null_": False}}
        names = {name for name in map(self.catalog.mapping.deployment_for, dag_ids) if name is not None}
        if len(names) <= 1:
            return (names_filter(list(names)), {}) if names else None
        found = self.catalog.deployments(names_filter(list(names)))
        ids = sorted(str(deployment.id) for deployment, name in found if name in names)
        return ({}, {"deployment_id": {"any_": ids}}) if ids else None

    def find_flow_run(self, dag_id: str, dag_run_id: str) -> FlowRun:
        """The run `dag_run_id` of `dag_id`, in one Prefect call."""
        name = self.catalog.mapping.deployment_for(dag_id)
        criteria = run_ids.flow_run_criteria(dag_run_id)
        if name is None or criteria is None:
            raise dag_run_not_found(dag_id, dag_run_id)
        body = {**names_filter([name]), "flow_runs": visible(criteria, now=datetime.now(UTC)), "limit": 1}
        found = self.client.filter_flow_runs(body)
        if not found:
            raise dag_run_not_found(dag_id, dag_run_id)
        return found[0]

    def _page(self, body: dict[str, Any], page: Page) -> tuple[list[FlowRun], int]:
        covering = covering_page(page)
        if covering is not None:
            answer = self.client.paginate_flow_runs({**body, "page": covering.number, "limit": covering.size})
            return answer.results[covering.skip : covering.skip + page.limit], answer.count
        rows = read_window(fetching(self.client.filter_flow_runs, body), page)
        count_body = {key: value for key, value in body.items() if key != "sort"}
        return rows, self.client.count_flow_runs(count_body)

    def _as_dag_runs(self, rows: list[FlowRun], dag_ids: Sequence[str] | None) -> list[DagRun]:
        if dag_ids is not None and len(set(dag_ids)) == 1:
            return [flow_run_to_dag_run(row, dag_ids[0], self.states) for row in rows]
        names = self.catalog.dag_ids(row.deployment_id for row in rows if row.deployment_id)
        return [
            flow_run_to_dag_run(row, names[row.deployment_id], self.states)
            for row in rows
            if row.deployment_id in names
        ]

    def _runs_at(self, deployment: Deployment, logical_date: datetime) -> list[FlowRun]:
        moment = logical_date.isoformat()
        body = {
            "deployments": {"id": {"any_": [str(deployment.id)]}},
            "flow_runs": {"expected_start_time": {"after_": moment, "before_": moment}},
            "limit": 10,
        }
        return self.client.filter_flow_runs(body)

    def _create(
        self, deployment: Deployment, dag_id: str, dag_run_id: str, logical_date: datetime, trigger: Trigger
    ) -> FlowRun:
        mark = str(uuid.uuid4())  # tells our own retried create from someone else's run
        body = {
            "name": dag_run_id,
            "parameters": trigger.conf,
            "idempotency_key": run_ids.idempotency_key(deployment.id, dag_run_id),
            "tags": [run_ids.BRIDGE_TAG],
            "context": {REQUEST_MARK: mark},
            "labels": {NOTE_LABEL: trigger.note} if trigger.note is not None else {},
            "state": {"type": "SCHEDULED", "state_details": {"scheduled_time": logical_date.isoformat()}},
        }
        try:
            run, created = self.client.create_flow_run(deployment.id, body)
        except PrefectRequestError as error:
            if error.prefect_status in (409, 422):
                raise BadRequest(error.prefect_detail, title="Invalid input for param") from None
            raise
        if not created and run.context.get(REQUEST_MARK) != mark:
            raise Conflict(f"DAGRun with DAG ID: '{dag_id}' and DAGRun ID: '{dag_run_id}' already exists")
        return run


def _logical_date_taken(dag_id: str, logical_date: datetime) -> Conflict:
    return Conflict(
        f"DAGRun with DAG ID: '{dag_id}' and DAGRun logical date: '{logical_date.isoformat(sep=' ')}' already exists"
    )
