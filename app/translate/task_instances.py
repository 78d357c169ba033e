"""Prefect task runs as Airflow task instances and tasks.

Identity:
- task_id is the task's name in the flow: Prefect names a task run
  `<task name>-<first 3 characters of its dynamic key>`, and the suffix is
  dropped. A task run given its own name (`task_run_name=`) keeps it whole.
- Task runs of one task inside one flow run are mapped instances:
  `map_index` 0..n-1 in order of their expected start, -1 when the task ran
  once. Retries do not create task runs in Prefect: they are tries.
- try_number <- run_count; max_tries <- the task's retries.

Tasks that never ran: a DAG's task graph is the set of tasks of its
deployment's latest completed flow run ("the template"), with an edge from
each task run a task run took as input (`task_inputs`, including
`wait_for`); before the deployment has completed a run, its traced task
graph (task_graphs.py). A task of the template with no task run in a DAG run shows as
`upstream_failed` when the DAG run failed, `skipped` when it succeeded (a
branch the flow did not take), and with no state while it is still running.

Synthesised fields (serialize.py): hostname and unixname "" (Prefect does
not record where a task ran), pool `default_pool`, pool_slots 1, queue
`default`, priority_weight 1, operator `PrefectTask`, executor null,
queued_when <- the task run's expected start, duration <- total_run_time
once the task has ended (0.0 for a task that never ran in a finished run).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from app.prefect.models import TaskRun
from app.translate.airflow import DagRun, Task, TaskInstance
from app.translate.dag_runs import DateRange, within
from app.translate.states import StateTable

#: What every bridge task instance reports for Airflow's scheduling fields.
DEFAULT_POOL = "default_pool"
DEFAULT_QUEUE = "default"
#: The only operator a Prefect task has.
OPERATOR = "PrefectTask"
#: Task instances that never ran, by the state of their DAG run.
NEVER_RAN_STATE = {"failed": "upstream_failed", "success": "skipped"}


def task_id_of(run: TaskRun) -> str:
    return task_id_from_name(run.name, run.dynamic_key)


def task_id_from_name(name: str, dynamic_key: str) -> str:
    """The task_id in a task run's name: without Prefect's `-<dynamic key[:3]>` suffix, when it has one."""
    suffix = f"-{dynamic_key[:3]}"
    if dynamic_key and name.endswith(suffix) and len(name) > len(suffix):
        return name.removesuffix(suffix)
    return name


def _start_order(run: TaskRun) -> tuple:
    moment = run.expected_start_time or run.start_time or run.created
    return (moment is None, moment, str(run.id))


def mapped_runs(task_runs: Iterable[TaskRun]) -> dict[str, list[TaskRun]]:
    """A flow run's task runs by task_id, each list in map_index order."""
    grouped: dict[str, list[TaskRun]] = defaultdict(list)
    for run in sorted(task_runs, key=_start_order):
        grouped[task_id_of(run)].append(run)
    return dict(grouped)


def map_indexes(task_runs: Iterable[TaskRun]) -> dict[UUID, int]:
    """The map_index of each task run, among the task runs of its own flow run."""
    by_flow_run: dict[UUID | None, list[TaskRun]] = defaultdict(list)
    for run in task_runs:
        by_flow_run[run.flow_run_id].append(run)
    indexes: dict[UUID, int] = {}
    for runs in by_flow_run.values():
        for instances in mapped_runs(runs).values():
            for index, run in enumerate(instances):
                indexes[run.id] = index if len(instances) > 1 else -1
    return indexes


def task_instance(run: TaskRun, dag_run: DagRun, map_index: int, states: StateTable) -> TaskInstance:
    state = run.state
    return TaskInstance(
        task_id=task_id_of(run),
        dag_id=dag_run.dag_id,
        dag_run_id=dag_run.dag_run_id,
        execution_date=dag_run.logical_date,
        map_index=map_index,
        state=states.task_state(state.type if state else None, state.name if state else None),
        try_number=run.run_count,
        max_tries=run.empirical_policy.retries or 0,
        start_date=run.start_time,
        end_date=run.end_time,
        duration=run.total_run_time if run.end_time else None,
        queued_when=run.expected_start_time,
        task_run_id=run.id,
        flow_run_id=run.flow_run_id,
        updated_at=run.updated,
    )


def never_ran(task_id: str, dag_run: DagRun, template: Sequence[TaskRun], *, max_tries: int = 0) -> TaskInstance:
    """A task of the template (or of the traced graph: `max_tries` its retries) with no task run in `dag_run`."""
    state = NEVER_RAN_STATE.get(dag_run.state)
    return TaskInstance(
        task_id=task_id,
        dag_id=dag_run.dag_id,
        dag_run_id=dag_run.dag_run_id,
        execution_date=dag_run.logical_date,
        map_index=-1,
        state=state,
        try_number=0,
        max_tries=max((run.empirical_policy.retries or 0 for run in template), default=max_tries),
        duration=0.0 if state else None,
        flow_run_id=dag_run.flow_run_id,
    )


def run_task_instances(
    dag_run: DagRun,
    task_runs: Sequence[TaskRun],
    template: Sequence[TaskRun],
    states: StateTable,
    traced: Sequence[Task] = (),
) -> list[TaskInstance]:
    """Every task instance of one DAG run: its task runs, then the tasks of the template (or, without one,
    of the traced task graph) that never ran."""
    ran = mapped_runs(task_runs)
    instances = [
        task_instance(run, dag_run, index if len(runs) > 1 else -1, states)
        for runs in ran.values()
        for index, run in enumerate(runs)
    ]
    for task_id, runs in mapped_runs(template).items():
        if task_id not in ran:
            instances.append(never_ran(task_id, dag_run, runs))
    for task in traced:
        if task.task_id not in ran:
            instances.append(never_ran(task.task_id, dag_run, (), max_tries=task.retries))
    return instances


def downstream_task_ids(task_runs: Sequence[TaskRun]) -> dict[str, list[str]]:
    """The task graph of one flow run's task runs: task_id -> the task_ids that took its results."""
    task_ids = {run.id: task_id_of(run) for run in task_runs}
    downstream: dict[str, set[str]] = {task_id: set() for task_id in task_ids.values()}
    for run in task_runs:
        for inputs in run.task_inputs.values():
            for each in inputs:
                upstream = task_ids.get(_uuid(each.get("id"))) if each.get("input_type") == "task_run" else None
                if upstream is not None and upstream != task_id_of(run):
                    downstream[upstream].add(task_id_of(run))
    return {task_id: sorted(targets) for task_id, targets in downstream.items()}


def tasks_of(template: Sequence[TaskRun], owners: Sequence[str]) -> list[Task]:
    """The tasks of a DAG, from the task runs of its template flow run."""
    graph = downstream_task_ids(template)
    owner = ",".join(owners)
    tasks = []
    for task_id, runs in mapped_runs(template).items():
        policy = runs[0].empirical_policy
        delay = policy.retry_delay
        tasks.append(
            Task(
                task_id=task_id,
                owner=owner,
                retries=policy.retries or 0,
                retry_delay_seconds=float(delay[0] if isinstance(delay, list) and delay else delay or 0),
                is_mapped=len(runs) > 1,
                downstream_task_ids=graph.get(task_id, []),
            )
        )
    return tasks


def _uuid(value: Any) -> UUID | None:
    try:
        return UUID(str(value))
    except ValueError:
        return None


@dataclass(frozen=True)
class TaskInstanceQuery:
    """Airflow's task-instance filters, validated, in Airflow's terms."""

    execution_date: DateRange = DateRange()
    start_date: DateRange = DateRange()
    end_date: DateRange = DateRange()
    updated_at: DateRange = DateRange()
    duration_gte: float | None = None
    duration_lte: float | None = None
    states: tuple[str | None, ...] = ()
    pools: tuple[str, ...] = ()
    queues: tuple[str, ...] = ()
    executors: tuple[str, ...] = ()
    task_ids: tuple[str, ...] = field(default=())

    def matches(self, instance: TaskInstance) -> bool:
        """Whether a task instance of one DAG run passes every filter."""
        return (
            within(instance.execution_date, self.execution_date)
            and within(instance.start_date, self.start_date)
            and within(instance.end_date, self.end_date)
            and within(instance.updated_at, self.updated_at)
            and _at_least(instance.duration, self.duration_gte)
            and _at_most(instance.duration, self.duration_lte)
            and (not self.states or instance.state in self.states)
            and (not self.pools or DEFAULT_POOL in self.pools)
            and (not self.queues or DEFAULT_QUEUE in self.queues)
            and not self.executors  # every instance's executor is null, which no executor filter matches
            and (not self.task_ids or instance.task_id in self.task_ids)
        )

    def filters_in_bridge(self) -> bool:
        """Whether a filter Prefect cannot apply across DAG runs is set: task_ids, duration, updated_at."""
        return bool(
            self.task_ids
            or self.duration_gte is not None
            or self.duration_lte is not None
            or self.updated_at != DateRange()
        )

    def matches_task_run(self, run: TaskRun) -> bool:
        """The filters Prefect cannot apply, applied to a task run it selected (across DAG runs)."""
        duration = run.total_run_time if run.end_time else None
        return (
            (not self.task_ids or task_id_of(run) in self.task_ids)
            and _at_least(duration, self.duration_gte)
            and _at_most(duration, self.duration_lte)
            and within(run.updated, self.updated_at)
        )

    def matches_nothing_in_prefect(self) -> bool:
        """True when the synthesised fields alone rule out every task run."""
        return bool(
            (self.pools and DEFAULT_POOL not in self.pools)
            or (self.queues and DEFAULT_QUEUE not in self.queues)
            or self.executors
        )


def check_task_states(values: Sequence[str | None]) -> tuple[str | None, ...]:
    """Airflow's `state` filter values; `none` (and an empty value) select instances with no state.

    Unchecked, as in Airflow 2.10 (`_convert_ti_states`): a state no task
    instance has matches nothing.
    """
    return tuple(None if value in (None, "", "none") else value for value in values)


def task_run_filter(query: TaskInstanceQuery, states: StateTable) -> dict[str, Any] | None:
    """The `task_runs` part of a Prefect filter for a query across DAG runs; None when nothing can match.

    Across DAG runs only task runs are listed (tasks that never ran appear
    in the listing of their own DAG run). task_ids, duration and updated_at
    cannot be matched by Prefect: the caller applies them
    (`TaskInstanceQuery.matches_task_run`).
    """
    if query.matches_nothing_in_prefect():
        return None
    criteria: dict[str, Any] = {}
    if query.states:
        state = states.task_run_state_filter([each for each in query.states if each is not None])
        if state is None:
            return None
        criteria["state"] = state
    for name, dates in (("start_time", query.start_date), ("end_time", query.end_date)):
        if dates.gte or dates.lte:
            bounds = {"is_null_": False}
            if dates.gte:
                bounds["after_"] = dates.gte.isoformat()
            if dates.lte:
                bounds["before_"] = dates.lte.isoformat()
            criteria[name] = bounds
    return criteria


def _at_least(value: float | None, bound: float | None) -> bool:
    return bound is None or (value is not None and value >= bound)


def _at_most(value: float | None, bound: float | None) -> bool:
    return bound is None or (value is not None and value <= bound)
