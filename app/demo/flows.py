"""Demo flows for the embedded default: real Prefect flows that really run.

`etl` extracts, transforms and loads a few rows, logging as it goes; the
parameter `fail=True` makes `transform` raise so the run ends FAILED and
`load` never runs. `load` publishes a summary artifact (an XCom through the
bridge). `hello` is a second, scheduled DAG that greets and finishes quickly.
`fanout` shows retries and mapping: `flaky` fails its first try and succeeds
on its retry, `square` is mapped over `width` values, and `total` publishes
their sum.
Run this module to serve the deployments from one process.
"""

from __future__ import annotations

from datetime import timedelta

from prefect import flow, get_run_logger, serve, task
from prefect.artifacts import create_markdown_artifact
from prefect.runtime import task_run


@task
def extract(rows: int) -> list[int]:
    get_run_logger().info("extracting %d rows", rows)
    return list(range(rows))


@task
def transform(values: list[int], fail: bool) -> list[int]:
    logger = get_run_logger()
    if fail:
        logger.error("transform was asked to fail")
        raise ValueError("transform failed on request (fail=True)")
    logger.info("doubling %d values", len(values))
    return [value * 2 for value in values]


@task
def load(values: list[int]) -> int:
    total = sum(values)
    get_run_logger().info("loaded %d values, total %d", len(values), total)
    create_markdown_artifact(key="load-summary", markdown=f"Loaded {len(values)} values, total {total}.")
    return total


@flow(name="etl", description="Extract, transform and load a few rows.")
def etl(rows: int = 3, fail: bool = False) -> int:
    return load(transform(extract(rows), fail))


@flow(name="hello", description="Say hello.")
def hello(name: str = "world") -> str:
    get_run_logger().info("hello, %s", name)
    return f"hello, {name}"


@task(retries=1, retry_delay_seconds=0)
def flaky() -> str:
    logger = get_run_logger()
    if task_run.run_count < 2:
        logger.warning("first try: failing on purpose")
        raise RuntimeError("the first try of flaky always fails")
    logger.info("second try: succeeding")
    return "ok"


@task
def square(value: int) -> int:
    return value * value


@task
def total(values: list[int]) -> int:
    result = sum(values)
    get_run_logger().info("sum of squares: %d", result)
    return result


@flow(name="fanout", description="A retried task, a mapped task and their total.")
def fanout(width: int = 3) -> int:
    flaky()
    squares = square.map(range(width)).result()
    return total(squares)


def main() -> None:
    serve(
        etl.to_deployment(name="demo", tags=["demo", "etl"], cron="0 6 * * *"),
        hello.to_deployment(name="hourly", tags=["demo"], interval=timedelta(hours=1)),
        fanout.to_deployment(name="demo", tags=["demo"]),
    )


if __name__ == "__main__":
    main()
