"""Tracing a flow's task graph from its code, without running its tasks.

How Prefect's own `Flow.visualize()` works, extended to what it refuses
(`submit`, `map`, `wait_for`): the flow's function is called with the
deployment's parameters while every task is replaced by a stand-in that
records the call and returns a placeholder. A task that receives a
placeholder (as an argument, inside a list/tuple/set/dict, through
`unmapped`/`allow_failure`, or in `wait_for`) is downstream of the task
that made it. A task's `viz_return_value`, when it has one, is returned
instead of a placeholder and still traced, for flows that compute with a
result (`len(rows)`); so is every value a task returns, by identity.

The graph is the Airflow task graph the bridge shows before a deployment
has completed a run (app/translate/task_graphs.py says where it is kept):
- task_id: the task's name, or its `task_run_name` when that is a fixed
  string (the run-time rule, app/translate/task_instances.py);
- is_mapped: the task was mapped (`.map`) or called more than once;
- retries, retry_delay_seconds: the task's own (the first delay of a list);
- a subflow called by the flow is one task named after the subflow.

The flow's function itself runs: code in it outside tasks (logging with
`get_run_logger()` is silenced) really executes, as with `visualize()`.
`trace_deployment` loads a deployment's flow from its entrypoint, traces it
with the deployment's parameters and stores the graph in Prefect.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest import mock

from prefect import Flow, Task
from prefect.flows import load_flow_from_entrypoint
from prefect.logging import disable_run_logger
from prefect.utilities.annotations import BaseAnnotation

from app.prefect import PrefectClient
from app.prefect.models import Deployment
from app.translate import task_graphs
from app.translate.airflow import Task as AirflowTask
from app.translate.dag_ids import DeploymentName

#: Values Python shares between unrelated computations: a task returning one does not make it anyone's upstream.
_SHARED = (bool, int, float, str, bytes, type(None))


class TraceError(RuntimeError):
    """The flow's function failed while traced; the message says how to make it traceable."""


@dataclass
class _Traced:
    task_id: str
    retries: int
    retry_delay_seconds: float
    calls: int = 0
    mapped: bool = False
    upstream: set[str] = field(default_factory=set)


class Placeholder:
    """What a traced task returns in place of its result, or of a future of it."""

    def __init__(self, task_id: str) -> None:
        self.task_id = task_id

    def result(self, *args: Any, **kwargs: Any) -> Placeholder:
        return self

    def wait(self, *args: Any, **kwargs: Any) -> None:
        return None

    def __repr__(self) -> str:
        return f"<result of task {self.task_id!r}>"


class PlaceholderList(list):
    """What a traced `.map()` returns: a list of futures with the list's `result()` and `wait()`."""

    def result(self, *args: Any, **kwargs: Any) -> list[Placeholder]:
        return list(self)

    def wait(self, *args: Any, **kwargs: Any) -> None:
        return None


class Tracer:
    def __init__(self) -> None:
        self.tasks: dict[str, _Traced] = {}
        self._returned: dict[int, tuple[Any, str]] = {}  # id -> (the value, kept alive; its task_id)

    def record(self, task: Task | Flow, inputs: Any, *, mapped: bool = False) -> Any:
        task_id = _task_id(task)
        traced = self.tasks.get(task_id)
        if traced is None:
            traced = self.tasks[task_id] = _Traced(task_id, *_retry_policy(task))
        traced.calls += 1
        traced.mapped = traced.mapped or mapped
        traced.upstream |= {each for each in self._upstream_of(inputs) if each != task_id}
        value = getattr(task, "viz_return_value", None)
        if value is None:
            return Placeholder(task_id)
        if not isinstance(value, _SHARED):
            self._returned[id(value)] = (value, task_id)
        return value

    def _upstream_of(self, value: Any) -> Iterator[str]:
        if isinstance(value, Placeholder):
            yield value.task_id
            return
        if id(value) in self._returned:
            yield self._returned[id(value)][1]
        if isinstance(value, BaseAnnotation):
            yield from self._upstream_of(value.unwrap())
        elif isinstance(value, dict):
            for each in value.values():
                yield from self._upstream_of(each)
        elif isinstance(value, list | tuple | set | frozenset):
            for each in value:
                yield from self._upstream_of(each)

    def graph(self) -> list[AirflowTask]:
        """The traced tasks in the order of their first call, each with the tasks that took its results."""
        downstream: dict[str, set[str]] = {task_id: set() for task_id in self.tasks}
        for traced in self.tasks.values():
            for upstream in traced.upstream:
                downstream.setdefault(upstream, set()).add(traced.task_id)
        return [
            AirflowTask(
                task_id=traced.task_id,
                owner="",
                retries=traced.retries,
                retry_delay_seconds=traced.retry_delay_seconds,
                is_mapped=traced.mapped or traced.calls > 1,
                downstream_task_ids=sorted(downstream[traced.task_id]),
            )
            for traced in self.tasks.values()
        ]

    @contextlib.contextmanager
    def stubs(self) -> Iterator[None]:
        """Tasks and subflows record their calls instead of running, for the duration."""
        tracer = self

        def call(task: Task, *args: Any, wait_for: Any = None, return_state: bool = False, **kwargs: Any) -> Any:
            value = tracer.record(task, [args, kwargs, wait_for])
            return _awaitable(value) if task.isasync else value

        def submit(task: Task, *args: Any, wait_for: Any = None, return_state: bool = False, **kwargs: Any) -> Any:
            return tracer.record(task, [args, kwargs, wait_for])

        def map_(task: Task, *args: Any, wait_for: Any = None, return_state: bool = False, **kwargs: Any) -> Any:
            return PlaceholderList([tracer.record(task, [args, kwargs, wait_for], mapped=True)])

        def apply_async(task: Task, args: Any = None, kwargs: Any = None, wait_for: Any = None, **more: Any) -> Any:
            return tracer.record(task, [args, kwargs, wait_for])

        def subflow(flow: Flow, *args: Any, return_state: bool = False, wait_for: Any = None, **kwargs: Any) -> Any:
            value = tracer.record(flow, [args, kwargs, wait_for])
            return _awaitable(value) if flow.isasync else value

        with contextlib.ExitStack() as patches:
            for owner, name, stub in (
                (Task, "__call__", call),
                (Task, "submit", submit),
                (Task, "map", map_),
                (Task, "apply_async", apply_async),
                (Task, "delay", submit),
                (Flow, "__call__", subflow),
            ):
                patches.enter_context(mock.patch.object(owner, name, stub))
            patches.enter_context(disable_run_logger())
            yield


def trace_flow(flow: Flow, parameters: dict[str, Any]) -> list[AirflowTask]:
    """The task graph `flow` makes with `parameters` (its defaults fill the rest); its tasks do not run."""
    tracer = Tracer()
    try:
        arguments = flow.validate_parameters(parameters)
        with tracer.stubs():
            if flow.isasync:
                asyncio.run(flow.fn(**arguments))
            else:
                flow.fn(**arguments)
    except Exception as error:
        raise TraceError(
            f"flow '{flow.name}' failed while traced ({type(error).__name__}: {error}); if it computes with a "
            "task's result, give the task a stand-in result: @task(viz_return_value=...)"
        ) from error
    return tracer.graph()


async def _awaitable(value: Any) -> Any:
    return value


def _task_id(task: Task | Flow) -> str:
    fixed_name = getattr(task, "task_run_name", None)
    if isinstance(fixed_name, str) and "{" not in fixed_name:
        return fixed_name
    return task.name


def _retry_policy(task: Task | Flow) -> tuple[int, float]:
    delay = getattr(task, "retry_delay_seconds", None)
    if isinstance(delay, list):
        delay = delay[0] if delay else 0
    return int(getattr(task, "retries", 0) or 0), float(delay or 0)


def trace_deployment(client: PrefectClient, name: DeploymentName, entrypoint: str | None = None) -> list[AirflowTask]:
    """Trace the deployment's flow (from `entrypoint`, else the deployment's own, relative to the current
    directory) with the deployment's parameters, and store the graph in Prefect; the graph. Two Prefect
    calls: reading the deployment, creating the artifact."""
    deployment = client.read_deployment_by_name(name.flow, name.deployment)
    source = entrypoint or deployment.entrypoint
    if not source:
        raise TraceError(f"deployment '{name}' has no entrypoint: give one with --entrypoint PATH:FUNCTION")
    try:
        flow = load_flow_from_entrypoint(source, use_placeholder_flow=False)
    except Exception as error:
        raise TraceError(f"cannot load flow '{source}' ({type(error).__name__}: {error})") from error
    tasks = trace_flow(flow, deployment.parameters)
    publish(client, deployment, name, source, tasks)
    return tasks


def publish(client: PrefectClient, deployment: Deployment, name: DeploymentName, source: str, tasks) -> None:
    """Store `tasks` as the deployment's traced task graph (a new version of its artifact)."""
    client.create_artifact(
        {
            "key": task_graphs.artifact_key(deployment.id),
            "type": task_graphs.ARTIFACT_TYPE,
            "description": (
                f"Task graph of deployment `{name}`, traced from `{source}` by `airflow-prefect-bridge trace`: "
                "the Airflow bridge shows these tasks until a run of the deployment completes."
            ),
            "data": task_graphs.graph_data(name.flow, name.deployment, source, tasks),
        }
    )
