"""The migration status: last runs, progress, the page (pure tables)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.migration.findings import StoredComparison
from app.migration.status import LastRun, build_status, latest_by_dag
from app.migration.status_html import status_html
from app.translate.routes import Kind, Route, Side

T0 = datetime(2025, 1, 1, tzinfo=UTC)
NAMED = {
    "moving": Route("moving", Kind.SHADOW, Side.AIRFLOW),
    "<b>done</b>": Route("<b>done</b>", Kind.PREFECT, Side.PREFECT),
}


def test_latest_run_per_dag_by_logical_date():
    runs = [
        LastRun("a", "r1", "success", T0),
        LastRun("a", "r3", "failed", T0 + timedelta(days=2)),
        LastRun("a", "r2", "success", T0 + timedelta(days=1)),
        LastRun("b", "r0", "queued", None),
    ]
    assert {dag: run.dag_run_id for dag, run in latest_by_dag(runs).items()} == {"a": "r3", "b": "r0"}


def test_status_counts_progress_and_carries_comparisons():
    comparison = StoredComparison("moving", "2025-01-02T00:00:00+00:00", None, None, 3, [{"kind": "state"}])
    status = build_status(
        routes={
            **NAMED,
            "old": Route("old", Kind.AIRFLOW, Side.AIRFLOW, named=False),
            "new": Route("new", Kind.PREFECT, Side.PREFECT, named=False),
        },
        airflow_dags=["moving", "old"],
        prefect_dags=["moving", "<b>done</b>", "new"],
        airflow_runs=[LastRun("moving", "m1", "success", T0)],
        prefect_runs=[LastRun("new", "n1", "failed", T0)],
        comparisons={"moving": comparison},
        generated_at=T0,
    )
    report = status.as_json()
    assert report["progress"] == {
        "migrated": 2,
        "total": 4,
        "percent": 50.0,
        "by_route": {"airflow": 1, "shadow": 1, "prefect": 2},
    }
    assert report["mismatches"] == 1
    dags = {dag["dag_id"]: dag for dag in report["dags"]}
    assert dags["moving"]["route"] == "shadow" and dags["moving"]["authoritative"] == "airflow"
    assert dags["moving"]["last_run"]["airflow"]["dag_run_id"] == "m1" and dags["moving"]["last_run"]["prefect"] is None
    assert dags["old"]["in_prefect"] is False and dags["old"]["comparison"] is None

    page = status_html(status)
    assert page.count("<tr") == 1 + 4 + 1 + 1  # header, DAG rows, mismatch header, one mismatch
    assert "&lt;b&gt;done&lt;/b&gt;" in page and "<b>done</b>" not in page
