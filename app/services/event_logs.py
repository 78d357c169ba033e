"""Event logs: Prefect's flow-run and task-run events, read as Airflow's audit log.

Upstream cost of a page: one call to find a DAG's deployment (with
`dag_id`) and one to find a run (with `run_id`); one call per 50 events up
to `offset + limit`; then one batch call for the page's flow runs and one
for deployments not seen before. Reading one entry: one call, plus those two.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, datetime
from uuid import UUID

from app.errors import NotFound
from app.prefect import PrefectClient
from app.prefect.models import Event, FlowRun
from app.services.catalog import DagCatalog
from app.translate import event_logs, run_ids
from app.translate.airflow import EventLog
from app.translate.event_logs import EventLogQuery
from app.translate.paging import PREFECT_MAX_PAGE_SIZE, Page


@dataclass(frozen=True)
class EventLogPage:
    entries: list[EventLog]
    total: int


class EventLogService:
    def __init__(self, client: PrefectClient, catalog: DagCatalog) -> None:
        self.client = client
        self.catalog = catalog

    def list_entries(
        self,
        query: EventLogQuery,
        page: Page,
        *,
        dag_id: str | None,
        run_id: str | None,
        readable: frozenset[str] | None = None,
    ) -> EventLogPage:
        """A page of entries; with `readable` (per-DAG access), only the events of those DAGs' deployments."""
        scoped = self._scoped(query, dag_id, run_id, readable)
        if scoped is None:
            return EventLogPage([], 0)
        body = {"filter": event_logs.event_filter(scoped), "limit": event_logs.PREFECT_EVENT_PAGE}
        answer = self.client.filter_events(body)
        found, total = list(answer.events), answer.total
        if page.offset >= total:  # past the end: an empty page, however far, as in Airflow
            return EventLogPage([], total)
        event_logs.check_window(page)
        while len(found) < page.offset + page.limit and answer.next_page:
            answer = self.client.next_events(answer.next_page)
            found.extend(answer.events)
        return EventLogPage(self._entries(found[page.offset : page.offset + page.limit]), total)

    def get_entry(self, event_log_id: int, *, readable: frozenset[str] | None = None) -> EventLog:
        """One entry; with `readable` (per-DAG access), an entry of another DAG is not found."""
        wanted = event_logs.event_id(event_log_id)
        if wanted is not None:
            criteria = {**event_logs.event_filter(EventLogQuery()), "id": {"id": [str(wanted)]}}
            found = self.client.filter_events({"filter": criteria, "limit": 1}).events
            entry = self._entries(found)[0] if found else None
            if entry is not None and (readable is None or entry.dag_id in readable):
                return entry
        raise NotFound(title="Event Log not found")

    def _scoped(
        self, query: EventLogQuery, dag_id: str | None, run_id: str | None, readable: frozenset[str] | None
    ) -> EventLogQuery | None:
        """The query narrowed to the DAG's deployment (or the readable DAGs') and the run's flow runs.

        None when nothing can match.
        """
        deployment_ids = None
        if readable is not None and dag_id is None:
            deployment_ids = tuple(self.catalog.estate.ids_of(sorted(readable)).values())
            if not deployment_ids:
                return None
        if readable is not None and dag_id is not None and dag_id not in readable:
            return None
        if dag_id is not None:
            try:
                deployment_ids = (self.catalog.deployment(dag_id).id,)
            except NotFound:
                return None  # Airflow filters by dag_id: an unknown DAG has no entries
        flow_run_ids = None
        if run_id is not None:
            criteria = run_ids.flow_run_criteria(run_id)
            if criteria is None:
                return None
            body: dict = {"flow_runs": criteria, "limit": PREFECT_MAX_PAGE_SIZE}
            if deployment_ids is not None:
                body["deployments"] = {"id": {"any_": [str(each) for each in deployment_ids]}}
            flow_run_ids = tuple(run.id for run in self.client.filter_flow_runs(body))
            if not flow_run_ids:
                return None
        return replace(query, deployment_ids=deployment_ids, flow_run_ids=flow_run_ids)

    def _entries(self, events: list[Event]) -> list[EventLog]:
        deployment_ids = {each for each in map(event_logs.deployment_id_of, events) if each}
        dag_ids = self.catalog.dag_ids(deployment_ids) if deployment_ids else {}
        runs = self._flow_runs({each for each in map(event_logs.flow_run_id_of, events) if each})
        now = datetime.now(UTC)
        return [event_logs.event_to_event_log(event, dag_ids, runs, now=now) for event in events]

    def _flow_runs(self, ids: set[UUID]) -> dict[UUID, FlowRun]:
        wanted = sorted(map(str, ids))
        runs: dict[UUID, FlowRun] = {}
        for start in range(0, len(wanted), PREFECT_MAX_PAGE_SIZE):
            chunk = wanted[start : start + PREFECT_MAX_PAGE_SIZE]
            body = {"flow_runs": {"id": {"any_": chunk}}, "limit": len(chunk)}
            runs.update({run.id: run for run in self.client.filter_flow_runs(body)})
        return runs
