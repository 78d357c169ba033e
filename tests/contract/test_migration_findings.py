"""Comparisons kept in Prefect as artifacts: saved by one process, read by any (real Prefect)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from app.migration.comparison import RunRecord, compare_dag
from app.migration.findings import KEY_PREFIX, FindingStore, artifact_key

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def test_the_latest_comparison_of_each_dag_is_read_back(prefect_client):
    dag_id = f"compare_me.{uuid.uuid4().hex[:8]}"
    store = FindingStore(prefect_client)
    disagreeing = compare_dag(dag_id, [RunRecord("r1", T0, "success")], [RunRecord("r1", T0, "failed")])
    agreeing = compare_dag(dag_id, [RunRecord("r1", T0, "success")], [RunRecord("r1", T0, "success")])
    store.save(disagreeing, T0 - timedelta(days=1), T0, T0 + timedelta(hours=1))
    assert store.latest()[dag_id].findings[0]["kind"] == "state"

    store.save(agreeing, T0 - timedelta(days=1), T0, T0 + timedelta(hours=2))
    latest = FindingStore(prefect_client).latest()[dag_id]  # another store: nothing is kept in memory
    assert latest.as_json() == {
        "compared_at": "2025-01-01T02:00:00+00:00",
        "since": "2024-12-31T00:00:00+00:00",
        "until": "2025-01-01T00:00:00+00:00",
        "paired_runs": 1,
        "mismatches": 0,
        "findings": [],
    }


def test_keys_are_prefect_artifact_keys_and_foreign_artifacts_are_ignored(prefect_client):
    key = artifact_key("Odd DAG/id with spaces_and_CAPS")
    assert key.startswith(KEY_PREFIX) and all(c.islower() or c.isdigit() or c == "-" for c in key)
    prefect_client.create_artifact({"key": KEY_PREFIX + "not-ours", "type": "markdown", "data": "hello"})
    assert all(each.dag_id for each in FindingStore(prefect_client).latest().values())
