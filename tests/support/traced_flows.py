"""Flows whose task graphs the tracing tests know by heart. Tracing never runs their tasks."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.utilities.annotations import unmapped


@task
def start() -> int:
    raise AssertionError("a traced task never runs")


@task(retries=2, retry_delay_seconds=[5, 10])
def left(value: int) -> int:
    raise AssertionError("a traced task never runs")


@task
def right(value: int) -> int:
    raise AssertionError("a traced task never runs")


@task(task_run_name="join-them")
def join(values: list[int], extra: dict) -> int:
    raise AssertionError("a traced task never runs")


@task
def notify() -> None:
    raise AssertionError("a traced task never runs")


@flow
def diamond(width: int = 2) -> None:
    """start -> left, right (submitted) -> join (a list and a dict of futures) -> notify (wait_for only)."""
    get_run_logger().info("tracing logs nowhere")
    first = start()
    futures = [left.submit(first), right.submit(first)]
    joined = join(futures, {"again": futures[0]})
    notify(wait_for=[joined])


@task(viz_return_value=[1, 2, 3])
def rows() -> list[int]:
    raise AssertionError("a traced task never runs")


@task
def square(value: int, factor: int) -> int:
    raise AssertionError("a traced task never runs")


@flow(name="child")
def child(values: list[int]) -> int:
    raise AssertionError("a traced subflow never runs")


@flow
def fan(factor: int = 2) -> None:
    """rows (a stand-in result the flow computes with) -> square (mapped) -> child (a subflow); rows twice."""
    values = rows()
    get_run_logger().info("%d rows", len(values))  # computing with it needs the stand-in
    squares = square.map(values, unmapped(factor)).result()
    child(squares)
    rows()


@task
async def fetch() -> int:
    raise AssertionError("a traced task never runs")


@task
async def store(value: int) -> None:
    raise AssertionError("a traced task never runs")


@flow
async def asynchronous() -> None:
    await store(await fetch())


@flow
def computes_with_a_result() -> None:
    start() + 1  # a placeholder is no number: tracing needs viz_return_value here
