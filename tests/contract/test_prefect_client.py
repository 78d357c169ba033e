"""PrefectClient against a real Prefect 3.8.8 server: the behaviours the bridge relies on.

The server is shared by the whole session, so every run made here has a
unique name and idempotency key, is scheduled a year ahead (the demo runner
never picks it up) unless it must execute, and is deleted afterwards.
"""

import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from app.prefect import PrefectRequestError
from app.prefect.models import FlowRun
from app.translate.dag_stats import whole_history

FINAL = {"COMPLETED", "FAILED", "CRASHED", "CANCELLED"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def a_year_ahead() -> datetime:
    # Microseconds included: lookups by expected start must match them exactly.
    return datetime.now(UTC).replace(microsecond=123456) + timedelta(days=365)


def future_run_body(**extra) -> dict:
    body = {
        "name": unique("contract"),
        "idempotency_key": unique("contract-key"),
        "state": {"type": "SCHEDULED", "state_details": {"scheduled_time": a_year_ahead().isoformat()}},
    }
    return body | extra


@pytest.fixture(scope="module")
def etl(prefect_client):
    return prefect_client.read_deployment_by_name("etl", "demo")


@pytest.fixture
def make_run(prefect_client, etl):
    """Create future runs of etl/demo; every one is deleted at teardown."""
    created: list[FlowRun] = []

    def make(**extra) -> FlowRun:
        run, _ = prefect_client.create_flow_run(etl.id, future_run_body(**extra))
        created.append(run)
        return run

    yield make
    for run in created:
        try:
            prefect_client.delete_flow_run(run.id)
        except PrefectRequestError as error:
            assert error.prefect_status == 404  # the test deleted it itself


def test_is_healthy(prefect_client):
    assert prefect_client.is_healthy() is True


def test_read_deployment_by_name(etl):
    assert etl.name == "demo"
    assert set(etl.tags) == {"demo", "etl"}
    assert set(etl.parameter_openapi_schema["properties"]) == {"rows", "fail"}


def test_unknown_deployment_is_a_404(prefect_client):
    with pytest.raises(PrefectRequestError) as raised:
        prefect_client.read_deployment_by_name("etl", unique("no-such-deployment"))
    assert raised.value.prefect_status == 404


def test_filter_deployments_by_tag(prefect_client, etl):
    found = prefect_client.filter_deployments({"deployments": {"tags": {"any_": ["etl"]}}})
    assert [(each.id, each.name) for each in found] == [(etl.id, "demo")]


def test_read_flows_by_ids(prefect_client, etl):
    hello = prefect_client.read_deployment_by_name("hello", "hourly")
    flows = prefect_client.read_flows([etl.flow_id, hello.flow_id, etl.flow_id])
    assert {flow.id: flow.name for flow in flows} == {etl.flow_id: "etl", hello.flow_id: "hello"}
    assert prefect_client.read_flows([]) == []


def test_create_flow_run_with_an_idempotency_key_returns_the_first_run_again(prefect_client, etl):
    body = future_run_body(parameters={"rows": 5})
    first, created = prefect_client.create_flow_run(etl.id, body)
    try:
        assert created is True
        again, created_again = prefect_client.create_flow_run(
            etl.id, body | {"name": unique("other-name"), "parameters": {"rows": 7}}
        )
        assert created_again is False
        assert again.id == first.id
        assert again.name == body["name"]
        assert again.parameters["rows"] == 5
        assert again.idempotency_key == body["idempotency_key"]
    finally:
        prefect_client.delete_flow_run(first.id)


def test_paginate_counts_like_count_flow_runs(prefect_client, etl, make_run):
    make_run()
    criteria = {"deployments": {"id": {"any_": [str(etl.id)]}}}
    page = prefect_client.paginate_flow_runs({**criteria, "page": 1, "limit": 1})
    assert len(page.results) == 1
    assert page.count == prefect_client.count_flow_runs(criteria)
    assert page.count >= 1


def test_one_history_interval_counts_like_count_flow_runs(prefect_client, etl, make_run):
    # dagStats counts each DAG's runs per state with one history interval spanning all time. Only runs
    # expected months ahead are counted here: no runner picks them up, so their states hold still.
    run = make_run()
    later = run.expected_start_time + timedelta(days=1)
    criteria = {
        "deployment_id": {"any_": [str(etl.id)]},
        "expected_start_time": {"after_": (datetime.now(UTC) + timedelta(days=300)).isoformat()},
    }
    [interval] = prefect_client.flow_run_history(whole_history(criteria, now=later))
    counted = Counter()
    for state in interval.states:
        counted[state.state_type] += state.count_runs
    assert counted["SCHEDULED"] >= 1
    for state_type, runs in counted.items():
        scoped = {**criteria, "state": {"type": {"any_": [state_type]}}}
        assert prefect_client.count_flow_runs({"flow_runs": scoped}) == runs
    assert sum(counted.values()) == prefect_client.count_flow_runs({"flow_runs": criteria})


def test_expected_start_time_bounds_are_inclusive(prefect_client, etl, make_run):
    run = make_run()
    moment = run.expected_start_time.isoformat()
    found = prefect_client.filter_flow_runs(
        {
            "deployments": {"id": {"any_": [str(etl.id)]}},
            "flow_runs": {"expected_start_time": {"after_": moment, "before_": moment}},
            "limit": 10,
        }
    )
    assert [each.id for each in found] == [run.id]


def test_update_labels_merges_into_the_run_labels(prefect_client, make_run):
    run = make_run(labels={"contract.first": "one"})
    prefect_client.update_flow_run_labels(run.id, {"airflow.note": "a note"})
    labels = prefect_client.read_flow_run(run.id).labels
    assert labels["airflow.note"] == "a note"
    assert labels["contract.first"] == "one"


@pytest.mark.parametrize("force", [False, True])  # the bridge forces
def test_cancelling_a_future_run_ends_cancelled(prefect_client, make_run, force):
    run = make_run()
    # A scheduled run has no infrastructure to stop: Prefect answers REJECT
    # and puts the run straight into CANCELLED instead.
    prefect_client.set_flow_run_state(run.id, {"type": "CANCELLING"}, force=force)
    deadline = time.monotonic() + 30
    while (state := prefect_client.read_flow_run(run.id).state.type) not in FINAL and time.monotonic() < deadline:
        time.sleep(0.2)
    assert state == "CANCELLED"


def test_deleted_run_reads_as_404(prefect_client, make_run):
    run = make_run()
    prefect_client.delete_flow_run(run.id)
    with pytest.raises(PrefectRequestError) as raised:
        prefect_client.read_flow_run(run.id)
    assert raised.value.prefect_status == 404


def test_parameters_that_break_the_schema_are_refused(prefect_client, etl):
    with pytest.raises(PrefectRequestError) as raised:
        prefect_client.create_flow_run(etl.id, future_run_body(parameters={"rows": "not-an-int"}))
    assert raised.value.prefect_status in (409, 422)
    assert "rows" in raised.value.prefect_detail, raised.value.prefect_detail


# -- task runs, their states, logs and artifacts ---------------------------------------


def test_task_runs_of_a_flow_run_with_their_count_and_inputs(prefect_client, fanout_run, failed_etl_run):
    body = {"task_runs": {"flow_run_id": {"any_": [failed_etl_run.flow_run_id]}}}
    task_runs = prefect_client.filter_task_runs({**body, "sort": "EXPECTED_START_TIME_ASC"})
    assert [run.name.rsplit("-", 1)[0] for run in task_runs] == ["extract", "transform"]
    extract, transform = task_runs
    assert transform.task_inputs["values"] == [{"input_type": "task_run", "id": str(extract.id)}]
    assert prefect_client.count_task_runs(body) == 2
    failed = {"task_runs": {**body["task_runs"], "state": {"type": {"any_": ["FAILED"]}}}}
    assert [run.id for run in prefect_client.filter_task_runs(failed)] == [transform.id]


def test_a_retried_task_runs_history_and_logs(prefect_client, fanout_run):
    body = {"task_runs": {"flow_run_id": {"any_": [fanout_run.flow_run_id]}, "name": {"like_": "flaky-"}}}
    (flaky,) = prefect_client.filter_task_runs(body)
    assert flaky.run_count == 2 and flaky.empirical_policy.retries == 1
    history = prefect_client.read_task_run_states(flaky.id)
    assert [state.name for state in history if state.type == "RUNNING"] == ["Running", "Retrying"]
    logs = prefect_client.filter_logs({"logs": {"task_run_id": {"any_": [str(flaky.id)]}}, "sort": "TIMESTAMP_ASC"})
    assert any("first try" in line.message for line in logs) and logs == sorted(logs, key=lambda x: x.timestamp)


def test_artifacts_of_a_task_run(prefect_client, failed_etl_run):
    artifacts = prefect_client.filter_artifacts({"artifacts": {"key": {"any_": ["load-summary"]}}, "limit": 1})
    assert artifacts and artifacts[0].task_run_id is not None and artifacts[0].data.startswith("Loaded")


def test_forcing_a_task_runs_state(prefect_client, prefect_stack):
    from support.prefect_stack import create_flow_run, wait_for_flow_run, wait_for_task_runs

    etl_run = create_flow_run(prefect_stack.api_url, "etl/demo", {"rows": 1})
    wait_for_flow_run(prefect_stack.api_url, etl_run["id"])
    (extract, *_) = wait_for_task_runs(prefect_stack.api_url, etl_run["id"], 3)
    result = prefect_client.set_task_run_state(extract["id"], {"type": "COMPLETED", "name": "Skipped"})
    assert result.status == "ACCEPT" and result.state.name == "Skipped"
