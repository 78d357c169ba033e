"""Task instances, tasks, tries, logs and XComs of DAG runs, from Prefect task runs.

Upstream cost, whatever the number of tasks (one call per 200 task runs or
log lines beyond the first 200):
- one DAG run's task instances (list or one): the flow run (1), its
  template when it has not succeeded (1), the task runs of both (1);
- a page across DAG runs: the page and its count (2), the flow runs on it
  (1), their other task runs for the map indexes (1), dag_ids of
  deployments not seen before (0-1), and the resolution of named DAG runs
  (0-2);
- tries: the DAG run's task runs (2) and the state history (1); a log
  chunk adds one call; XComs add one call for the artifacts;
- a clear dry run, dependencies and extra links: one DAG run's task
  instances; setting a note adds one call (the flow run's labels).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from app.errors import BadRequest, NotFound
from app.prefect import PrefectClient
from app.prefect.models import FlowRun, LogEntry, TaskRun
from app.services.catalog import DagCatalog
from app.services.dag_runs import DagRunService
from app.services.pages import fetching, read_all, read_window
from app.translate import run_ids, task_logs
from app.translate.airflow import DagRun, Task, TaskDependency, TaskInstance, TaskTry, XComEntry
from app.translate.dag_runs import flow_run_to_dag_run, visible
from app.translate.paging import PREFECT_MAX_PAGE_SIZE, Page
from app.translate.states import StateTable
from app.translate.task_dependencies import failed_dependencies, upstream_task_ids
from app.translate.task_instances import (
    TaskInstanceQuery,
    downstream_task_ids,
    map_indexes,
    run_task_instances,
    task_instance,
    task_run_filter,
    tasks_of,
)
from app.translate.task_notes import note_labels, note_of, with_notes

#: Lines per log chunk: one Prefect call.
LOG_CHUNK = PREFECT_MAX_PAGE_SIZE


@dataclass(frozen=True)
class InstancePage:
    instances: list[TaskInstance]
    total: int


@dataclass(frozen=True)
class RunTasks:
    """One DAG run with its task runs and every task instance they make."""

    dag_run: DagRun
    flow_run: FlowRun
    task_runs: list[TaskRun]
    template: list[TaskRun]
    instances: list[TaskInstance]

    def instance(self, task_id: str, map_index: int | None) -> TaskInstance:
        """One task instance; map_index None reads an unmapped task, as Airflow's URL without an index does."""
        of_task = [each for each in self.instances if each.task_id == task_id]
        if not of_task:
            raise task_instance_not_found(task_id)
        if map_index is None:
            if any(each.map_index >= 0 for each in of_task):
                raise NotFound("Task instance is mapped, add the map_index value to the URL", title="Not Found")
            map_index = -1
        for each in of_task:
            if each.map_index == map_index:
                return each
        raise task_instance_not_found(task_id)

    def task_run(self, instance: TaskInstance) -> TaskRun:
        for run in self.task_runs:
            if run.id == instance.task_run_id:
                return run
        raise BadRequest(
            f"Task '{instance.task_id}' never ran in this DAG run: Prefect has no task run to read or change"
        )


def task_instance_not_found(task_id: str) -> NotFound:
    return NotFound(f"Task instance with task_id '{task_id}' not found", title="Task instance not found")


class TaskInstanceService:
    def __init__(self, client: PrefectClient, catalog: DagCatalog, dag_runs: DagRunService, states: StateTable):
        self.client = client
        self.catalog = catalog
        self.dag_runs = dag_runs
        self.states = states

    # -- one DAG run --------------------------------------------------------------

    def run_tasks(self, dag_id: str, dag_run_id: str) -> RunTasks:
        flow_run = self.dag_runs.find_flow_run(dag_id, dag_run_id)
        return self._run_tasks([(flow_run, dag_id)])[0]

    def list_for_run(self, dag_id: str, dag_run_id: str, query: TaskInstanceQuery, page: Page) -> InstancePage:
        """One DAG run's task instances, filtered and paged here: a run's task runs are read whole anyway."""
        matching = [each for each in self.run_tasks(dag_id, dag_run_id).instances if query.matches(each)]
        return InstancePage(matching[page.offset : page.offset + page.limit], len(matching))

    def _run_tasks(self, runs: Sequence[tuple[FlowRun, str]]) -> list[RunTasks]:
        """Task instances of several DAG runs: one template per DAG, task runs of all in one batch."""
        templates: dict[UUID, FlowRun | None] = {}
        for flow_run, _ in runs:
            if flow_run.deployment_id and flow_run.deployment_id not in templates and not _succeeded(flow_run):
                templates[flow_run.deployment_id] = self._template(flow_run.deployment_id)
        wanted = {flow_run.id for flow_run, _ in runs} | {each.id for each in templates.values() if each}
        task_runs = self._task_runs_of(wanted)
        result = []
        for flow_run, dag_id in runs:
            dag_run = flow_run_to_dag_run(flow_run, dag_id, self.states)
            template_run = flow_run if _succeeded(flow_run) else templates.get(flow_run.deployment_id)
            own = [each for each in task_runs if each.flow_run_id == flow_run.id]
            template = [each for each in task_runs if template_run and each.flow_run_id == template_run.id]
            instances = with_notes(run_task_instances(dag_run, own, template, self.states), flow_run.labels)
            result.append(RunTasks(dag_run, flow_run, own, template, instances))
        return result

    def _template(self, deployment_id: UUID) -> FlowRun | None:
        """The deployment's latest completed flow run: the task graph Prefect knows for it."""
        body = {
            "deployments": {"id": {"any_": [str(deployment_id)]}},
            "flow_runs": {"state": {"type": {"any_": ["COMPLETED"]}}},
            "sort": "EXPECTED_START_TIME_DESC",
            "limit": 1,
        }
        found = self.client.filter_flow_runs(body)
        return found[0] if found else None

    def _task_runs_of(self, flow_run_ids: set[UUID]) -> list[TaskRun]:
        ids = sorted(str(each) for each in flow_run_ids)
        return self._all_task_runs({"task_runs": {"flow_run_id": {"any_": ids}}, "sort": "ID_DESC"}) if ids else []

    def _all_task_runs(self, body: dict[str, Any]) -> list[TaskRun]:
        return read_all(fetching(self.client.filter_task_runs, body))

    # -- across DAG runs --------------------------------------------------------------

    def list_across(
        self,
        dag_ids: Sequence[str] | None,
        dag_run_ids: Sequence[str] | None,
        query: TaskInstanceQuery,
        page: Page,
    ) -> InstancePage:
        """Task runs of many DAG runs, filtered, sorted (newest first) and paged by Prefect."""
        if query.duration_gte is not None or query.duration_lte is not None or query.task_ids:
            raise BadRequest(
                "Prefect cannot filter task runs by duration or task_id across DAG runs; "
                "list the task instances of one DAG run to filter by them"
            )
        criteria = task_run_filter(query, self.states)
        scope = self.dag_runs.scope(dag_ids)
        if criteria is None or scope is None:
            return InstancePage([], 0)
        filters, flow_run_criteria = scope
        dates = query.execution_date
        if dates.gte or dates.lte:
            flow_run_criteria = {**flow_run_criteria, "expected_start_time": _bounds(dates.gte, dates.lte)}
        if dag_run_ids:
            resolved = self._resolve_dag_run_ids(dag_run_ids, filters, flow_run_criteria)
            if not resolved:
                return InstancePage([], 0)
            flow_run_criteria = {**flow_run_criteria, "id": {"any_": resolved}}
        body = {
            **filters,
            "flow_runs": visible(flow_run_criteria, now=datetime.now(UTC)),
            "task_runs": criteria,
        }
        sorted_body = {**body, "sort": "ID_DESC"}
        rows = read_window(fetching(self.client.filter_task_runs, sorted_body), page)
        total = self.client.count_task_runs(body)
        return InstancePage(self._instances_of_rows(rows), total)

    def _instances_of_rows(self, rows: list[TaskRun]) -> list[TaskInstance]:
        flow_run_ids = sorted({str(row.flow_run_id) for row in rows if row.flow_run_id})
        if not flow_run_ids:
            return []
        flow_runs = {
            run.id: run
            for run in self.client.filter_flow_runs(
                {"flow_runs": {"id": {"any_": flow_run_ids}}, "limit": len(flow_run_ids)}
            )
        }
        dag_ids = self.catalog.dag_ids(run.deployment_id for run in flow_runs.values() if run.deployment_id)
        indexes = map_indexes(self._task_runs_of(set(flow_runs)))
        instances = []
        for row in rows:
            flow_run = flow_runs.get(row.flow_run_id)
            if flow_run is None or flow_run.deployment_id not in dag_ids:
                continue
            dag_run = flow_run_to_dag_run(flow_run, dag_ids[flow_run.deployment_id], self.states)
            instance = task_instance(row, dag_run, indexes.get(row.id, -1), self.states)
            instances.append(replace(instance, note=note_of(flow_run.labels, instance.task_id, instance.map_index)))
        return instances

    def _resolve_dag_run_ids(
        self, dag_run_ids: Sequence[str], filters: dict[str, Any], criteria: dict[str, Any]
    ) -> list[str]:
        """The flow run ids of named DAG runs: at most one call for runs named at trigger, one for scheduled runs."""
        names, ids, scheduled = [], [], []
        for dag_run_id in dict.fromkeys(dag_run_ids):
            found = run_ids.flow_run_criteria(dag_run_id)
            if found is None:
                continue
            if "id" in found:
                ids.extend(found["id"]["any_"])
            elif "name" in found:
                names.append(dag_run_id)
            else:
                scheduled.append(dag_run_id)
        lookups = []
        if names:
            lookups.append({"name": {"any_": names}, "tags": {"all_": [run_ids.BRIDGE_TAG]}})
        if scheduled:
            moments = sorted(run_ids.flow_run_criteria(each)["expected_start_time"]["after_"] for each in scheduled)
            lookups.append(
                {
                    "tags": {"all_": [run_ids.AUTO_SCHEDULED_TAG]},
                    **{"expected_start_time": _bounds_text(moments[0], moments[-1])},
                }
            )
        wanted = set(dag_run_ids)
        for lookup in lookups:
            body = {**filters, "flow_runs": {**criteria, **lookup}, "limit": PREFECT_MAX_PAGE_SIZE}
            ids.extend(
                str(run.id) for run in self.client.filter_flow_runs(body) if run_ids.dag_run_id_of(run) in wanted
            )
        return sorted(set(ids))

    # -- tries, logs, XComs --------------------------------------------------------------

    def tries(self, run: RunTasks, instance: TaskInstance) -> list[TaskTry]:
        task_run = run.task_run(instance)
        return task_logs.tries_of(task_run, self.client.read_task_run_states(task_run.id), self.states)

    def log_lines(self, run: RunTasks, instance: TaskInstance, try_number: int, position: int, *, everything: bool):
        """(lines of one try from `position`, the position after them, whether the log ends there)."""
        tries = self.tries(run, instance)
        if not 1 <= try_number <= len(tries):
            raise NotFound(
                f"Task instance '{instance.task_id}' has no try {try_number} (it has {len(tries)})",
                title="Log not found",
            )
        window = task_logs.try_window(tries, try_number)
        body = task_logs.log_filter(str(instance.task_run_id), window)
        lines: list[LogEntry] = []
        while True:
            batch = self.client.filter_logs({**body, "offset": position, "limit": LOG_CHUNK})
            position += len(batch)
            lines.extend(entry for entry in batch if task_logs.in_window(entry, window))
            done = len(batch) < LOG_CHUNK
            if done or not everything:
                return lines, position, done

    def xcoms(self, instances: Sequence[TaskInstance], key: str | None = None) -> list[XComEntry]:
        """The artifacts the task runs of `instances` published (with `key` only, if given), as XCom entries.

        An artifact's key is the XCom key; a keyless artifact is keyed by its id.
        """
        by_task_run = {each.task_run_id: each for each in instances if each.task_run_id}
        if not by_task_run:
            return []
        criteria: dict[str, Any] = {"task_run_id": {"any_": sorted(map(str, by_task_run))}}
        if key is not None and not _is_uuid(key):
            criteria["key"] = {"any_": [key]}
        body = {"artifacts": criteria, "sort": "CREATED_DESC"}
        entries = []
        for artifact in self.client.filter_artifacts({**body, "limit": PREFECT_MAX_PAGE_SIZE}):
            instance = by_task_run.get(artifact.task_run_id)
            if instance is None:
                continue
            entries.append(
                XComEntry(
                    key=artifact.key or str(artifact.id),
                    task_id=instance.task_id,
                    dag_id=instance.dag_id,
                    dag_run_id=instance.dag_run_id,
                    map_index=instance.map_index,
                    execution_date=instance.execution_date,
                    timestamp=artifact.created,
                    value=artifact.data,
                )
            )
        return entries

    # -- tasks --------------------------------------------------------------

    def tasks(self, dag_id: str) -> list[Task]:
        """The DAG's tasks, from its latest completed flow run (else its latest run of any state)."""
        deployment = self.catalog.deployment(dag_id)
        template = self._template(deployment.id) or self._latest_run(deployment.id)
        entry = self.catalog.mapping.entry_for(self.catalog.mapping.deployment_for(dag_id))
        owners = list(entry.owners) if entry and entry.owners else []
        return tasks_of(self._task_runs_of({template.id}) if template else [], owners)

    def _latest_run(self, deployment_id: UUID) -> FlowRun | None:
        body = {"deployments": {"id": {"any_": [str(deployment_id)]}}, "sort": "EXPECTED_START_TIME_DESC", "limit": 1}
        found = self.client.filter_flow_runs({**body, "flow_runs": visible({}, now=datetime.now(UTC))})
        return found[0] if found else None

    # -- changing --------------------------------------------------------------

    def set_state(self, run: RunTasks, instances: Sequence[TaskInstance], new_state: str) -> None:
        target = self.states.task_target_state(new_state)
        for instance in instances:
            self.client.set_task_run_state(run.task_run(instance).id, target)

    def related(self, run: RunTasks, task_ids: set[str], *, upstream: bool, downstream: bool) -> set[str]:
        """`task_ids` with, as asked, every task up- or downstream of them in the DAG's task graph."""
        graph = downstream_task_ids([*run.template, *run.task_runs])
        reverse: dict[str, set[str]] = {}
        for source, targets in graph.items():
            for target in targets:
                reverse.setdefault(target, set()).add(source)
        found = set(task_ids)
        for enabled, edges in ((downstream, graph), (upstream, reverse)):
            frontier = list(task_ids) if enabled else []
            while frontier:
                for neighbour in edges.get(frontier.pop(), ()):
                    if neighbour not in found:
                        found.add(neighbour)
                        frontier.append(neighbour)
        return found

    # -- clearing, notes, dependencies, links --------------------------------------------

    def to_clear(self, dag_id: str, dag_run_id: str) -> list[TaskInstance]:
        """The task instances clearing the DAG run would clear: every one, as Airflow's `clear_dag_run` lists.

        Airflow's dry run lists every task instance of the run whatever its
        state (`only_failed=False`), each mapped instance apart, and those
        that never ran: exactly what `GET …/taskInstances` of the run lists.
        """
        return self.run_tasks(dag_id, dag_run_id).instances

    def set_note(
        self, dag_id: str, dag_run_id: str, task_id: str, map_index: int | None, note: str | None
    ) -> TaskInstance:
        """Keep `note` on the task instance (a flow-run label, app/translate/task_notes.py); one more call."""
        run = self.run_tasks(dag_id, dag_run_id)
        instance = run.instance(task_id, map_index)
        self.client.update_flow_run_labels(run.flow_run.id, note_labels(instance, note))
        return replace(instance, note=note)

    def dependencies(self, dag_id: str, dag_run_id: str, task_id: str, map_index: int | None) -> list[TaskDependency]:
        """The scheduling dependencies the task instance does not meet (app/translate/task_dependencies.py)."""
        run = self.run_tasks(dag_id, dag_run_id)
        instance = run.instance(task_id, map_index)
        graph = downstream_task_ids([*run.template, *run.task_runs])
        return failed_dependencies(instance, run.dag_run.state, run.instances, upstream_task_ids(graph, task_id))

    def extra_links(self, dag_id: str, dag_run_id: str, task_id: str, map_index: int) -> dict[str, str | None]:
        """The task instance's operator links: none, as Airflow answers for an operator that declares none.

        A Prefect task is a function, not an operator: it declares no extra
        links (its Task shows `extra_links: []`). The task instance must
        exist (map_index -1 is the unmapped one, as in Airflow).
        """
        self.run_tasks(dag_id, dag_run_id).instance(task_id, map_index)
        return {}

    def runs_between(self, dag_id: str, gte: datetime | None, lte: datetime | None) -> list[RunTasks]:
        """The DAG's runs with a logical date in [gte, lte], with their task instances (one call per 200 runs)."""
        scope = self.dag_runs.scope([dag_id])
        if scope is None:
            return []
        filters, criteria = scope
        body = {
            **filters,
            "flow_runs": visible({**criteria, "expected_start_time": _bounds(gte, lte)}, now=datetime.now(UTC)),
            "sort": "EXPECTED_START_TIME_ASC",
        }
        flow_runs = read_all(fetching(self.client.filter_flow_runs, body))
        return self._run_tasks([(flow_run, dag_id) for flow_run in flow_runs])


def _is_uuid(text: str) -> bool:
    try:
        UUID(text)
    except ValueError:
        return False
    return True


def _succeeded(flow_run: FlowRun) -> bool:
    return flow_run.state is not None and flow_run.state.type == "COMPLETED"


def _bounds(gte: datetime | None, lte: datetime | None) -> dict[str, str]:
    return _bounds_text(gte.isoformat() if gte else None, lte.isoformat() if lte else None)


def _bounds_text(after: str | None, before: str | None) -> dict[str, str]:
    bounds = {}
    if after:
        bounds["after_"] = after
    if before:
        bounds["before_"] = before
    return bounds
