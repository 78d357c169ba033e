"""Demo flows for the embedded default: real Prefect flows that really run.

`etl` extracts, transforms and loads a few rows, logging as it goes; the
parameter `fail=True` makes `transform` raise so the run ends FAILED.
`hello` is a second, scheduled DAG that greets and finishes quickly.
Run this module to serve both deployments from one process.
"""

from __future__ import annotations

from datetime import timedelta

from prefect import flow, get_run_logger, serve, task


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
    get_run_logger().info("loaded %d values, total %d", len(values), sum(values))
    return sum(values)


@flow(name="etl", description="Extract, transform and load a few rows.")
def etl(rows: int = 3, fail: bool = False) -> int:
    return load(transform(extract(rows), fail))


@flow(name="hello", description="Say hello.")
def hello(name: str = "world") -> str:
    get_run_logger().info("hello, %s", name)
    return f"hello, {name}"


def main() -> None:
    serve(
        etl.to_deployment(name="demo", tags=["demo", "etl"], cron="0 6 * * *"),
        hello.to_deployment(name="hourly", tags=["demo"], interval=timedelta(hours=1)),
    )


if __name__ == "__main__":
    main()
