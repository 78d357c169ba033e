"""Finished flow runs inserted in bulk into a Prefect server's database, through Prefect's own ORM.

    PREFECT_HOME=<the server's home> python bench/seed_runs.py FLOW_ID COUNT DEPLOYMENT_ID...

The scale benchmark needs 100,000 runs; Prefect's REST API creates about
30 a second on the shared machine (an hour). This writes them as Prefect's
scheduler writes its scheduled runs (`_insert_scheduled_flow_runs`): the
runs in one bulk insert per batch, their states in another, then each
run's `state_id`, in one transaction per batch, against the same SQLite
database the running server uses (found from PREFECT_HOME, as the server
finds it). Runs are COMPLETED (one in eleven FAILED), expected one a minute
apart going back from now, spread round-robin over the deployments; no
flow executes. Benchmark tooling only: the bridge never writes Prefect's
database.
"""

from __future__ import annotations

import asyncio
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

#: Runs per transaction: short enough for the server's own writers to get the lock in between.
BATCH = 5000


def rows(flow_id: uuid.UUID, deployment_ids: list[uuid.UUID], numbers: range, now: datetime) -> list[dict[str, Any]]:
    found = []
    for number in numbers:
        state_type, state_name = ("FAILED", "Failed") if number % 11 == 0 else ("COMPLETED", "Completed")
        expected = now - timedelta(minutes=number + 1)
        found.append(
            {
                "id": uuid.uuid4(),
                "name": f"seeded-{number:06d}",
                "flow_id": flow_id,
                "deployment_id": deployment_ids[number % len(deployment_ids)],
                "state_type": state_type,
                "state_name": state_name,
                "state_timestamp": expected + timedelta(seconds=30),
                "expected_start_time": expected,
                "next_scheduled_start_time": expected,
                "start_time": expected,
                "end_time": expected + timedelta(seconds=30),
                "total_run_time": timedelta(seconds=30),
                "run_count": 1,
            }
        )
    return found


async def insert(flow_id: uuid.UUID, deployment_ids: list[uuid.UUID], count: int) -> None:
    from prefect.server.database import provide_database_interface

    db = provide_database_interface()
    now = datetime.now(UTC)
    for start in range(0, count, BATCH):
        runs = rows(flow_id, deployment_ids, range(start, min(count, start + BATCH)), now)
        states = [
            {
                "id": uuid.uuid4(),
                "flow_run_id": run["id"],
                "type": run["state_type"],
                "name": run["state_name"],
                "timestamp": run["state_timestamp"],
            }
            for run in runs
        ]
        async with db.session_context(begin_transaction=True) as session:
            await session.execute(db.FlowRun.__table__.insert(), runs)
            await session.execute(db.FlowRunState.__table__.insert(), states)
            await session.execute(
                db.queries.set_state_id_on_inserted_flow_runs_statement(
                    inserted_flow_run_ids=[run["id"] for run in runs], insert_flow_run_states=states
                )
            )


def main(argv: list[str]) -> int:
    flow_id, count, *deployment_ids = argv
    began = time.monotonic()
    asyncio.run(insert(uuid.UUID(flow_id), [uuid.UUID(each) for each in deployment_ids], int(count)))
    print(f"inserted {count} runs in {time.monotonic() - began:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
