"""Airflow dag_run_ids for Prefect flow runs, and back.

- A run triggered through the bridge keeps the dag_run_id it was given (by
  default Airflow's `manual__<logical date ISO>`): it is the flow run's
  name, and the run carries the tag `airflow-bridge`.
- A run Prefect's scheduler created is `scheduled__<expected start ISO>`,
  the id Airflow gives the run of the same schedule tick, so scripts can
  join the runs of both systems by id.
- Any other run (started from Prefect's UI, CLI or an automation) is
  `prefect__<flow run id>`: stable, and unique.

Each form finds its run with one Prefect filter, so reading a run by id
costs one call. Ids of the last two forms cannot be chosen by a client.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from uuid import UUID

from app.errors import BadRequest
from app.prefect.models import FlowRun
from app.translate.dates import format_datetime

BRIDGE_TAG = "airflow-bridge"
AUTO_SCHEDULED_TAG = "auto-scheduled"
SCHEDULED_PREFIX = "scheduled__"
PREFECT_PREFIX = "prefect__"
# Airflow's default `[scheduler] allowed_run_id_pattern`.
ALLOWED_RUN_ID = re.compile(r"^[A-Za-z0-9_.~:+-]+$")


def dag_run_id_of(run: FlowRun) -> str:
    if BRIDGE_TAG in run.tags:
        return run.name
    if run.auto_scheduled and run.expected_start_time is not None:
        return SCHEDULED_PREFIX + format_datetime(run.expected_start_time)
    return f"{PREFECT_PREFIX}{run.id}"


def default_dag_run_id(logical_date: datetime) -> str:
    return f"manual__{format_datetime(logical_date)}"


def idempotency_key(deployment_id: UUID, dag_run_id: str) -> str:
    """Scoped by deployment: Prefect's keys are unique per flow only."""
    return f"{BRIDGE_TAG}/{deployment_id}/{dag_run_id}"


def check_new_dag_run_id(dag_run_id: str) -> None:
    if not ALLOWED_RUN_ID.match(dag_run_id):
        raise BadRequest(
            f"The provided run ID '{dag_run_id}' is invalid. It does not match the pattern '{ALLOWED_RUN_ID.pattern}'"
        )
    if dag_run_id.startswith((SCHEDULED_PREFIX, PREFECT_PREFIX)):
        raise BadRequest(
            f"The provided run ID '{dag_run_id}' is invalid: ids starting with '{SCHEDULED_PREFIX}' or "
            f"'{PREFECT_PREFIX}' name runs that Prefect created and cannot be chosen"
        )


def flow_run_criteria(dag_run_id: str) -> dict[str, Any] | None:
    """The `flow_runs` filter that finds the run with this id, or None if no run can have it."""
    if dag_run_id.startswith(SCHEDULED_PREFIX):
        try:
            when = datetime.fromisoformat(dag_run_id.removeprefix(SCHEDULED_PREFIX))
        except ValueError:
            return None
        if when.tzinfo is None:
            return None
        moment = when.isoformat()
        return {"tags": {"all_": [AUTO_SCHEDULED_TAG]}, "expected_start_time": {"after_": moment, "before_": moment}}
    if dag_run_id.startswith(PREFECT_PREFIX):
        try:
            flow_run_id = UUID(dag_run_id.removeprefix(PREFECT_PREFIX))
        except ValueError:
            return None
        return {"id": {"any_": [str(flow_run_id)]}}
    return {"name": {"any_": [dag_run_id]}, "tags": {"all_": [BRIDGE_TAG]}}
