"""Why a task instance is not scheduled yet, in Airflow 2.10's words, from the states Prefect records.

Airflow's `GET …/dependencies` checks a task instance against the
scheduler's dependencies only while it has no state or is `scheduled`
(any other state answers an empty list, `upstream_failed` included), and
lists the checks that fail, sorted by name. Of those checks, two hold in
Prefect too, and the bridge reports them with Airflow's names and reasons:

- `Dagrun Running`: no task of a flow run runs before the flow run itself
  runs (Airflow: "Task instance's dagrun was not in the 'running' state
  but in the state '<state>'.").
- `Trigger Rule`: a Prefect task waits for every task whose result it
  takes (`task_inputs`, `wait_for`), and does not run when one of them
  failed: Airflow's `all_success`, the only trigger rule a Prefect task
  has. The reason counts the upstream task instances by state exactly as
  Airflow's TriggerRuleDep does (finished ones only; a mapped upstream
  counts each of its instances).

The rest have no Prefect counterpart that could block a task, so they never
fail: pools and slots (the bridge's pool is synthesised), a paused DAG
(Prefect runs an already running flow run to its end), depends_on_past,
execution dates in the future (such runs are not listed yet).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from app.translate.airflow import TaskDependency, TaskInstance

#: States in which Airflow evaluates a task instance's dependencies at all.
EVALUATED_STATES = (None, "scheduled")
#: Airflow's State.finished, the upstream states TriggerRuleDep counts.
FINISHED_STATES = ("success", "failed", "skipped", "upstream_failed", "removed")
#: The trigger rule of every Prefect task.
TRIGGER_RULE = "all_success"


def upstream_task_ids(graph: Mapping[str, Sequence[str]], task_id: str) -> set[str]:
    """The tasks directly upstream of `task_id` in a task graph of task_id -> downstream task_ids."""
    return {source for source, targets in graph.items() if task_id in targets}


def failed_dependencies(
    instance: TaskInstance,
    dag_run_state: str,
    run_instances: Iterable[TaskInstance],
    upstream_ids: set[str],
) -> list[TaskDependency]:
    """The dependencies that keep `instance` (of a DAG run in `dag_run_state`) from being scheduled."""
    if instance.state not in EVALUATED_STATES:
        return []
    failed = []
    if dag_run_state != "running":
        failed.append(
            TaskDependency(
                "Dagrun Running",
                f"Task instance's dagrun was not in the 'running' state but in the state '{dag_run_state}'.",
            )
        )
    upstream = [each for each in run_instances if each.task_id in upstream_ids]
    trigger_rule = _trigger_rule(instance, upstream, upstream_ids)
    if trigger_rule is not None:
        failed.append(trigger_rule)
    return sorted(failed, key=lambda each: each.name)


def _trigger_rule(
    instance: TaskInstance, upstream: Sequence[TaskInstance], upstream_ids: set[str]
) -> TaskDependency | None:
    if not upstream_ids:
        return None  # "The task instance did not have any upstream tasks.": passes
    counts = Counter(each.state for each in upstream if each.state in FINISHED_STATES)
    mapped = any(each.map_index >= 0 for each in upstream)
    expected = len(upstream) if mapped else len(upstream_ids)
    failures = expected - counts["success"]
    if instance.map_index > -1:
        failures -= counts["removed"]
    if failures <= 0:
        return None
    states = (
        f"_UpstreamTIStates(success={counts['success']}, skipped={counts['skipped']}, "
        f"failed={counts['failed']}, upstream_failed={counts['upstream_failed']}, removed={counts['removed']}, "
        f"done={sum(counts.values())}, success_setup=0, skipped_setup=0)"
    )
    task_ids = "{" + ", ".join(repr(each) for each in sorted(upstream_ids)) + "}"
    return TaskDependency(
        "Trigger Rule",
        f"Task's trigger rule '{TRIGGER_RULE}' requires all upstream tasks to have succeeded, "
        f"but found {failures} non-success(es). upstream_states={states}, upstream_task_ids={task_ids}",
    )
