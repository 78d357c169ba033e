"""End to end through apache-airflow-client 2.10, the client Airflow 2 tooling uses.

The bridge listens on a real port (the `live_bridge` fixture) in front of the
real Prefect server, and every response it gives is also checked against
Airflow 2.10.5's spec by the fixture's middleware.
"""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from airflow_client import client
from airflow_client.client.api import dag_api, monitoring_api
from airflow_client.client.exceptions import ApiException, NotFoundException, UnauthorizedException
from airflow_client.client.model.clear_dag_run import ClearDagRun
from airflow_client.client.model.dag import DAG
from airflow_client.client.model.dag_run import DAGRun
from airflow_client.client.model.dag_state import DagState
from airflow_client.client.model.list_dag_runs_form import ListDagRunsForm
from airflow_client.client.model.set_dag_run_note import SetDagRunNote
from airflow_client.client.model.update_dag_run_state import UpdateDagRunState

from conftest import ETL, FANOUT, HELLO


def follow(runs, dag_id: str, dag_run_id: str, timeout: float = 90) -> str:
    """Poll the run until it has finished; its final state. Fails the test if it never finishes."""
    deadline = time.monotonic() + timeout
    while True:
        state = runs.get_dag_run(dag_id, dag_run_id).state.value
        if state in ("success", "failed"):
            return state
        if time.monotonic() > deadline:
            raise TimeoutError(f"DAG run {dag_id}/{dag_run_id} still {state} after {timeout:g} s")
        time.sleep(0.3)


def test_health_and_version_need_no_credentials(live_bridge):
    anonymous = client.ApiClient(client.Configuration(host=live_bridge.url))
    monitoring = monitoring_api.MonitoringApi(anonymous)
    assert monitoring.get_health().metadatabase.status.value == "healthy"
    assert monitoring.get_version().version == "2.10.5"


def test_list_dags_and_page_with_limit_one(dags):
    listing = dags.get_dags()
    assert {ETL, HELLO} <= {dag.dag_id for dag in listing.dags}
    seen, offset = [], 0
    while offset < listing.total_entries:
        page = dags.get_dags(limit=1, offset=offset)
        seen += [dag.dag_id for dag in page.dags]
        offset += 1
    assert len(seen) == len(set(seen)) == listing.total_entries


def test_filters_and_details(dags):
    assert [dag.dag_id for dag in dags.get_dags(tags=["etl"]).dags] == [ETL]
    assert [dag.dag_id for dag in dags.get_dags(dag_id_pattern="hello").dags] == [HELLO]
    assert dags.get_dag(ETL).schedule_interval.value == "0 6 * * *"
    # Client 2.10.0 cannot read schedule_interval from DAGDetail, against a real
    # Airflow too (apache/airflow-client-python#124); read the other fields.
    assert "fail" in dags.get_dag_details(ETL).params


def test_pause_and_unpause(dags):
    try:
        assert dags.patch_dag(HELLO, DAG(is_paused=True), update_mask=["is_paused"]).is_paused is True
        assert HELLO in {dag.dag_id for dag in dags.get_dags(paused=True).dags}
    finally:
        assert dags.patch_dag(HELLO, DAG(is_paused=False), update_mask=["is_paused"]).is_paused is False


def test_trigger_and_follow_to_success_and_to_failure(runs):
    ok = runs.post_dag_run(ETL, DAGRun(dag_run_id=f"ok-{uuid.uuid4().hex[:8]}", conf={"rows": 2}))
    failing = runs.post_dag_run(ETL, DAGRun(conf={"fail": True}))
    assert ok.state.value == "queued" and ok.run_type == "manual" and ok.external_trigger is True
    assert follow(runs, ETL, ok.dag_run_id) == "success"
    assert follow(runs, ETL, failing.dag_run_id) == "failed"
    failed = runs.get_dag_runs(ETL, state=["failed"], limit=100)
    assert failing.dag_run_id in {run.dag_run_id for run in failed.dag_runs}


def test_run_lists_filter_order_and_batch(runs):
    logical_date = datetime.now(UTC) - timedelta(days=5)
    run = runs.post_dag_run(HELLO, DAGRun(logical_date=logical_date))
    window = runs.get_dag_runs(
        HELLO,
        execution_date_gte=logical_date - timedelta(seconds=1),
        execution_date_lte=logical_date + timedelta(seconds=1),
        order_by="-execution_date",
    )
    assert [each.dag_run_id for each in window.dag_runs] == [run.dag_run_id] and window.total_entries == 1
    batch = runs.get_dag_runs_batch(
        ListDagRunsForm(dag_ids=[HELLO, ETL], page_limit=3, states=["success", "failed", "queued", "running"])
    )
    assert len(batch.dag_runs) <= 3 and batch.total_entries >= 1
    every = runs.get_dag_runs("~", limit=5)
    assert {each.dag_id for each in every.dag_runs} <= {HELLO, ETL, FANOUT}


def test_state_note_clear_delete(runs):
    run = runs.post_dag_run(HELLO, DAGRun(dag_run_id=f"ops-{uuid.uuid4().hex[:8]}"))
    assert follow(runs, HELLO, run.dag_run_id) == "success"
    assert runs.set_dag_run_note(HELLO, run.dag_run_id, SetDagRunNote(note="checked")).note == "checked"
    marked = runs.update_dag_run_state(HELLO, run.dag_run_id, UpdateDagRunState(state="failed"))
    assert marked.state == DagState("failed")
    runs.clear_dag_run(HELLO, run.dag_run_id, ClearDagRun(dry_run=True))
    assert runs.clear_dag_run(HELLO, run.dag_run_id, ClearDagRun(dry_run=False))["state"] == "queued"
    assert follow(runs, HELLO, run.dag_run_id) == "success"
    runs.delete_dag_run(HELLO, run.dag_run_id)
    with pytest.raises(NotFoundException):
        runs.get_dag_run(HELLO, run.dag_run_id)


def test_idempotent_triggering_under_concurrency(runs):
    run_id = f"same-{uuid.uuid4().hex[:8]}"

    def trigger(_):
        try:
            return runs.post_dag_run(HELLO, DAGRun(dag_run_id=run_id)).dag_run_id
        except ApiException as error:
            return error.status

    with ThreadPoolExecutor(max_workers=6) as pool:
        outcomes = list(pool.map(trigger, range(6)))
    assert sorted(map(str, outcomes)) == sorted(["409"] * 5 + [run_id])
    moment = runs.get_dag_run(HELLO, run_id).execution_date
    form = ListDagRunsForm(dag_ids=[HELLO], execution_date_gte=moment, execution_date_lte=moment)
    assert [each.dag_run_id for each in runs.get_dag_runs_batch(form).dag_runs] == [run_id]


@pytest.mark.parametrize(
    ("call", "status"),
    [
        (lambda dags, runs: dags.get_dag("no_such_dag"), 404),
        (lambda dags, runs: runs.get_dag_run(ETL, "no-such-run"), 404),
        (lambda dags, runs: runs.post_dag_run("no_such_dag", DAGRun()), 404),
        (lambda dags, runs: runs.post_dag_run(ETL, DAGRun(conf={"rows": "many"})), 400),
        (lambda dags, runs: runs.get_dag_runs(ETL, order_by="nonsense"), 400),
        (lambda dags, runs: runs.get_dag_runs(ETL, limit=-1), 400),
        (lambda dags, runs: dags.patch_dag(ETL, DAG(is_paused=True), update_mask=["description"]), 400),
    ],
)
def test_error_cases_raise_the_clients_exceptions(dags, runs, call, status):
    with pytest.raises(ApiException) as caught:
        call(dags, runs)
    assert caught.value.status == status
    assert caught.value.headers["Content-Type"] == "application/problem+json"


def test_a_duplicate_is_409(runs):
    run = runs.post_dag_run(HELLO, DAGRun())
    with pytest.raises(ApiException) as caught:
        runs.post_dag_run(HELLO, DAGRun(dag_run_id=run.dag_run_id))
    assert caught.value.status == 409


def test_wrong_password_is_401(live_bridge):
    configuration = client.Configuration(host=live_bridge.url, username="admin", password="wrong")
    with client.ApiClient(configuration) as api, pytest.raises(UnauthorizedException) as caught:
        dag_api.DAGApi(api).get_dags()
    assert caught.value.headers["WWW-Authenticate"].startswith("Basic")
