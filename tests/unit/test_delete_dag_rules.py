"""Which flow runs deleting a DAG removes, and which make it a 409."""

from datetime import UTC, datetime
from uuid import UUID

import pytest

from app.translate.dags import EXECUTING_STATE_TYPES, deletable_runs_filter, executing_runs_filter

DEPLOYMENT = UUID("02322d95-0cbc-4460-990f-c38b70c6723a")
NOW = datetime(2026, 11, 22, 7, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("state_type", "blocks_the_delete"),
    [
        ("SCHEDULED", False),  # queued: nothing executes, deleted as Airflow deletes queued runs
        ("PENDING", True),  # a worker is starting it
        ("RUNNING", True),
        ("PAUSED", True),  # may be waiting in its process for input
        ("CANCELLING", True),  # its process is being stopped
        ("COMPLETED", False),
        ("FAILED", False),
        ("CRASHED", False),
        ("CANCELLED", False),
    ],
)
def test_runs_that_may_be_executing_block_the_delete(state_type, blocks_the_delete):
    assert (state_type in EXECUTING_STATE_TYPES) is blocks_the_delete


def test_the_filters_select_the_deployments_runs():
    assert executing_runs_filter(DEPLOYMENT) == {
        "deployment_id": {"any_": [str(DEPLOYMENT)]},
        "state": {"type": {"any_": ["PENDING", "RUNNING", "PAUSED", "CANCELLING"]}},
    }
    assert deletable_runs_filter(DEPLOYMENT, now=NOW) == {
        "deployment_id": {"any_": [str(DEPLOYMENT)]},
        "state": {"type": {"not_any_": ["PENDING", "RUNNING", "PAUSED", "CANCELLING"]}},
        "expected_start_time": {"before_": NOW.isoformat()},  # future runs are next_dagrun, not DAG runs
    }
