"""A deployment's task graph traced from its flow's code, as Prefect stores it and Airflow reads it.

`airflow-prefect-bridge trace` (app/tracing.py) runs a flow's function with
its tasks replaced by stand-ins and records which tasks it calls and what
each takes from which. The graph is kept in Prefect, where every replica
of the bridge reads it, as an artifact:

- key `airflow-task-graph-<deployment id>` (Prefect keeps each trace as a
  new version of the key; the latest counts), type `airflow-task-graph`;
- data `{"version": 1, "flow", "deployment", "entrypoint", "tasks": [{"task_id",
  "downstream_task_ids", "retries", "retry_delay_seconds", "is_mapped"}]}`.

An artifact is data Prefect keeps for any reader, needs no run, is keyed
without a flow run, is read back in one call (`GET /artifacts/{key}/latest`),
and is no Airflow resource (variables and block documents are: they would
show up as Airflow variables or need a block type of their own).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from app.translate.airflow import Task

KEY_PREFIX = "airflow-task-graph-"
ARTIFACT_TYPE = "airflow-task-graph"
FORMAT_VERSION = 1


class NotATaskGraph(ValueError):
    """Data stored under a task-graph key is not a task graph this bridge can read."""


def artifact_key(deployment_id: UUID) -> str:
    return f"{KEY_PREFIX}{deployment_id}"


def graph_data(flow: str, deployment: str, entrypoint: str | None, tasks: Sequence[Task]) -> dict[str, Any]:
    """The artifact's data for a traced graph (owners are not stored: the mapping decides them)."""
    return {
        "version": FORMAT_VERSION,
        "flow": flow,
        "deployment": deployment,
        "entrypoint": entrypoint,
        "tasks": [
            {
                "task_id": task.task_id,
                "downstream_task_ids": sorted(task.downstream_task_ids),
                "retries": task.retries,
                "retry_delay_seconds": task.retry_delay_seconds,
                "is_mapped": task.is_mapped,
            }
            for task in tasks
        ],
    }


def tasks_of_graph(data: Any, owners: Sequence[str]) -> list[Task]:
    """The tasks a stored graph describes, each owned by `owners`; NotATaskGraph if it is none."""
    if not isinstance(data, dict) or data.get("version") != FORMAT_VERSION or not isinstance(data.get("tasks"), list):
        raise NotATaskGraph("not a version 1 task graph")
    owner = ",".join(owners)
    tasks = [_task(each, owner) for each in data["tasks"]]
    known = {task.task_id for task in tasks}
    if len(known) != len(tasks) or any(set(task.downstream_task_ids) - known for task in tasks):
        raise NotATaskGraph("task_ids repeat, or an edge leads to a task the graph does not have")
    return tasks


def _task(raw: Any, owner: str) -> Task:
    try:
        task_id, downstream = raw["task_id"], raw["downstream_task_ids"]
        retries, delay, mapped = raw.get("retries", 0), raw.get("retry_delay_seconds", 0.0), raw.get("is_mapped")
    except (TypeError, KeyError) as error:
        raise NotATaskGraph(f"a task lacks {error}") from None
    if not isinstance(task_id, str) or not task_id or not isinstance(downstream, list):
        raise NotATaskGraph("task_ids must be non-empty strings, downstream_task_ids a list")
    if not all(isinstance(each, str) for each in downstream):
        raise NotATaskGraph("task_ids must be non-empty strings")
    if not isinstance(retries, int) or not isinstance(delay, int | float) or not isinstance(mapped, bool):
        raise NotATaskGraph(f"task '{task_id}': retries, retry_delay_seconds or is_mapped of the wrong type")
    return Task(
        task_id=task_id,
        owner=owner,
        retries=retries,
        retry_delay_seconds=float(delay),
        is_mapped=mapped,
        downstream_task_ids=sorted(downstream),
    )
