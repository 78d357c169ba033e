"""The state table, run ids, and Airflow run queries as Prefect filters."""

from datetime import UTC, datetime
from uuid import UUID

import pytest

from app.errors import BadRequest
from app.prefect.models import FlowRun
from app.translate import run_ids
from app.translate.dag_runs import DateRange, RunQuery, flow_run_filter, flow_run_to_dag_run, run_sort, visible
from app.translate.states import PREFECT_STATE_TYPES, load_state_table, parse_state_table

STATES = load_state_table()
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
RUN_ID = UUID("2b3e6974-0cd1-425c-b08a-e82cd47c49c3")


@pytest.mark.parametrize(
    ("prefect", "airflow"),
    [
        ("SCHEDULED", "queued"),
        ("PENDING", "queued"),
        ("RUNNING", "running"),
        ("PAUSED", "running"),
        ("CANCELLING", "running"),
        ("COMPLETED", "success"),
        ("FAILED", "failed"),
        ("CRASHED", "failed"),
        ("CANCELLED", "failed"),
        (None, "queued"),
    ],
)
def test_every_prefect_state_type_reads_as_one_airflow_state(prefect, airflow):
    assert STATES.airflow_state(prefect) == airflow


def test_airflow_state_filters_are_the_inverse_of_the_table():
    assert STATES.prefect_types(["queued"]) == ["SCHEDULED", "PENDING"]
    assert sorted(STATES.prefect_types(["failed", "success"])) == ["CANCELLED", "COMPLETED", "CRASHED", "FAILED"]
    covered = STATES.prefect_types(["queued", "running", "success", "failed"])
    assert sorted(covered) == sorted(PREFECT_STATE_TYPES)


def test_marking_failed_cancels_an_unfinished_run_and_relabels_a_finished_one():
    assert STATES.target_state("failed", unfinished=True)["type"] == "CANCELLING"
    assert STATES.target_state("failed", unfinished=False)["type"] == "FAILED"
    assert STATES.target_state("success", unfinished=True)["type"] == "COMPLETED"
    assert STATES.target_state("queued", unfinished=False) == {
        "type": "SCHEDULED",
        "name": "AwaitingRetry",
        "message": "Queued again through the Airflow API",
    }


def test_an_incomplete_state_table_fails_at_start():
    with pytest.raises(ValueError, match="no entry for Prefect state type"):
        parse_state_table({"dag_run_state": {"RUNNING": "running"}})
    table = {"dag_run_state": {kind: "queued" for kind in PREFECT_STATE_TYPES} | {"RUNNING": "started"}}
    with pytest.raises(ValueError, match="unknown Airflow state"):
        parse_state_table(table)


def _run(**fields) -> FlowRun:
    base = {"id": RUN_ID, "name": "crimson-fox", "flow_id": RUN_ID, "tags": []}
    return FlowRun.model_validate(base | fields)


@pytest.mark.parametrize(
    ("run", "dag_run_id"),
    [
        (_run(name="my-run", tags=["airflow-bridge", "demo"]), "my-run"),
        (_run(auto_scheduled=True, expected_start_time="2026-11-23T06:00:00Z"), "scheduled__2026-11-23T06:00:00+00:00"),
        (_run(), f"prefect__{RUN_ID}"),
    ],
)
def test_dag_run_ids(run, dag_run_id):
    assert run_ids.dag_run_id_of(run) == dag_run_id


@pytest.mark.parametrize(
    ("dag_run_id", "criteria"),
    [
        ("my-run", {"name": {"any_": ["my-run"]}, "tags": {"all_": ["airflow-bridge"]}}),
        (
            "scheduled__2026-11-23T06:00:00.5+00:00",
            {
                "tags": {"all_": ["auto-scheduled"]},
                "expected_start_time": {
                    "after_": "2026-11-23T06:00:00.500000+00:00",
                    "before_": "2026-11-23T06:00:00.500000+00:00",
                },
            },
        ),
        (f"prefect__{RUN_ID}", {"id": {"any_": [str(RUN_ID)]}}),
        ("scheduled__garbage", None),
        ("scheduled__2026-11-23T06:00:00", None),
        ("prefect__not-a-uuid", None),
    ],
)
def test_each_dag_run_id_finds_its_run_with_one_filter(dag_run_id, criteria):
    assert run_ids.flow_run_criteria(dag_run_id) == criteria


@pytest.mark.parametrize("dag_run_id", ["a b", "a/b", "scheduled__x", "prefect__x", ""])
def test_run_ids_a_client_cannot_choose(dag_run_id):
    with pytest.raises(BadRequest):
        run_ids.check_new_dag_run_id(dag_run_id)


def test_idempotency_keys_are_scoped_by_deployment():
    assert run_ids.idempotency_key(RUN_ID, "r1") == f"airflow-bridge/{RUN_ID}/r1"


def test_flow_run_as_dag_run():
    run = _run(
        name="r1",
        tags=["airflow-bridge"],
        parameters={"fail": True},
        labels={"airflow.note": "hi"},
        state={"type": "FAILED", "name": "Failed"},
        expected_start_time="2026-01-01T00:00:00Z",
        start_time="2026-01-01T00:00:01Z",
        end_time="2026-01-01T00:00:02Z",
    )
    dag_run = flow_run_to_dag_run(run, "example_etl", STATES)
    assert (dag_run.dag_run_id, dag_run.dag_id, dag_run.state, dag_run.run_type) == (
        "r1",
        "example_etl",
        "failed",
        "manual",
    )
    assert dag_run.external_trigger is True and dag_run.conf == {"fail": True} and dag_run.note == "hi"
    assert dag_run.logical_date == datetime(2026, 1, 1, tzinfo=UTC)


def test_a_run_queued_again_has_no_start_date_as_in_airflow():
    # A finished run put back to AwaitingRetry (a clear) keeps its start_time in Prefect.
    queued = _run(state={"type": "SCHEDULED", "name": "AwaitingRetry"}, start_time="2026-01-01T00:00:01Z")
    assert flow_run_to_dag_run(queued, "d", STATES).start_date is None


def test_scheduled_runs_are_not_external_triggers():
    dag_run = flow_run_to_dag_run(_run(auto_scheduled=True, expected_start_time="2026-01-01T00:00:00Z"), "d", STATES)
    assert (dag_run.run_type, dag_run.external_trigger) == ("scheduled", False)


def test_run_query_becomes_a_prefect_filter():
    query = RunQuery(
        states=("queued", "failed"),
        execution_date=DateRange(gte=datetime(2024, 1, 1, tzinfo=UTC)),
        start_date=DateRange(lte=datetime(2024, 2, 1, tzinfo=UTC)),
        end_date=DateRange(gte=datetime(2024, 1, 5, tzinfo=UTC), lte=datetime(2024, 1, 6, tzinfo=UTC)),
    )
    assert visible(flow_run_filter(query, STATES), now=NOW) == {
        "state": {"type": {"any_": ["SCHEDULED", "PENDING", "FAILED", "CRASHED", "CANCELLED"]}},
        "expected_start_time": {"after_": "2024-01-01T00:00:00+00:00", "before_": NOW.isoformat()},
        "start_time": {"before_": "2024-02-01T00:00:00+00:00", "is_null_": False},
        "end_time": {"after_": "2024-01-05T00:00:00+00:00", "before_": "2024-01-06T00:00:00+00:00", "is_null_": False},
    }


def test_runs_in_the_future_are_not_visible():
    earlier = datetime(2025, 1, 1, tzinfo=UTC)
    assert visible({}, now=NOW) == {"expected_start_time": {"before_": NOW.isoformat()}}
    bounded = {"expected_start_time": {"before_": earlier.isoformat()}}
    assert visible(bounded, now=NOW) == bounded


@pytest.mark.parametrize(
    ("order_by", "single_dag", "sort"),
    [
        ("id", False, "EXPECTED_START_TIME_ASC"),
        ("-id", False, "EXPECTED_START_TIME_DESC"),
        ("execution_date", False, "EXPECTED_START_TIME_ASC"),
        ("-execution_date", False, "EXPECTED_START_TIME_DESC"),
        ("start_date", False, "START_TIME_ASC"),
        ("-start_date", False, "START_TIME_DESC"),
        ("-end_date", False, "END_TIME_DESC"),
        ("dag_id", True, "EXPECTED_START_TIME_ASC"),
    ],
)
def test_order_by_maps_to_prefect_sorts(order_by, single_dag, sort):
    assert run_sort(order_by, single_dag=single_dag) == sort


@pytest.mark.parametrize("order_by", ["end_date", "state", "-conf", "dag_id", "updated_at", "nonsense"])
def test_order_by_prefect_cannot_honour_is_400(order_by):
    with pytest.raises(BadRequest):
        run_sort(order_by, single_dag=False)
