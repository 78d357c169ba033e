"""Pure rules: Prefect events as Airflow event logs, run counts per state, config and DAG source."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from pydantic import SecretStr

from app.errors import BadRequest
from app.prefect.models import Deployment, Event, FlowRun, HistoryInterval
from app.settings import Settings
from app.translate import event_logs
from app.translate.config import as_text, bridge_config
from app.translate.dag_sources import source_text
from app.translate.dag_stats import count_history, whole_history
from app.translate.event_logs import EventLogQuery
from app.translate.paging import Page
from app.translate.states import load_state_table

DEPLOYMENT = uuid.UUID("5a2dc578-8290-4b1f-b879-d78634cf5587")
FLOW_RUN = uuid.UUID("196830fb-167f-4302-bcc4-4236a0273148")
TASK_RUN_EVENT = {  # captured from Prefect 3.8.8, trimmed
    "occurred": "2026-11-30T18:53:46.526903Z",
    "event": "prefect.task-run.Pending",
    "resource": {
        "prefect.resource.id": "prefect.task-run.01a22dce-549e-70fe-bec1-a8bc193c12c4",
        "prefect.resource.name": "extract-343",
        "prefect.state-type": "PENDING",
    },
    "related": [
        {"prefect.resource.id": f"prefect.flow-run.{FLOW_RUN}", "prefect.resource.role": "flow-run"},
        {"prefect.resource.id": "prefect.flow.d4d3c9a7-66a0-41c2-9dcf-dc181a1777f8", "prefect.resource.role": "flow"},
        {"prefect.resource.id": f"prefect.deployment.{DEPLOYMENT}", "prefect.resource.role": "deployment"},
        {"prefect.resource.id": "prefect.tag.demo", "prefect.resource.role": "tag"},
    ],
    "payload": {
        "validated_state": {"type": "PENDING"},
        "task_run": {
            "name": "extract-411",
            "dynamic_key": "411548d9-9394-4812-b0f9-2bb473c7029d",
            "task_key": "extract-b217b685",
            "run_count": 0,
        },
    },
    "id": "01a22dce-549e-7315-99ac-de65ca316058",
}
FLOW_RUN_EVENT = {
    **TASK_RUN_EVENT,
    "event": "prefect.flow-run.Completed",
    "resource": {"prefect.resource.id": f"prefect.flow-run.{FLOW_RUN}"},
    "related": [{"prefect.resource.id": f"prefect.deployment.{DEPLOYMENT}", "prefect.resource.role": "deployment"}],
    "payload": {"validated_state": {"type": "COMPLETED"}},
}
EXPECTED = datetime(2026, 11, 30, 18, 53, 44, tzinfo=UTC)
LATER = EXPECTED + timedelta(hours=1)


def a_flow_run(**fields) -> FlowRun:
    base = {"id": FLOW_RUN, "name": "run-1", "flow_id": uuid.uuid4(), "deployment_id": DEPLOYMENT}
    return FlowRun.model_validate(base | fields)


def test_event_log_ids_are_the_event_uuids_read_as_integers():
    event_id = uuid.uuid4()
    assert event_logs.event_id(event_logs.event_log_id(event_id)) == event_id
    assert event_logs.event_id(-1) is None and event_logs.event_id(1 << 128) is None


def test_a_task_run_event_as_an_event_log():
    run = a_flow_run(tags=["airflow-bridge"], expected_start_time=EXPECTED)
    event = Event.model_validate(TASK_RUN_EVENT)
    entry = event_logs.event_to_event_log(event, {DEPLOYMENT: "etl"}, {FLOW_RUN: run}, now=LATER)
    assert (entry.dag_id, entry.run_id, entry.task_id) == ("etl", "run-1", "extract")
    assert entry.event == "prefect.task-run.Pending" and entry.execution_date == EXPECTED
    assert entry.event_log_id == uuid.UUID(TASK_RUN_EVENT["id"]).int
    assert json.loads(entry.extra)["task_run"]["task_key"] == "extract-b217b685"


def test_a_flow_run_event_of_an_unknown_run_and_dag_keeps_what_it_knows():
    entry = event_logs.event_to_event_log(Event.model_validate(FLOW_RUN_EVENT), {}, {}, now=LATER)
    assert (entry.dag_id, entry.run_id, entry.task_id, entry.execution_date) == (None, None, None, None)


def test_a_run_whose_time_has_not_come_is_not_named():
    run = a_flow_run(tags=["airflow-bridge"], expected_start_time=EXPECTED)
    event = Event.model_validate(FLOW_RUN_EVENT)
    entry = event_logs.event_to_event_log(event, {DEPLOYMENT: "etl"}, {FLOW_RUN: run}, now=EXPECTED - timedelta(1))
    assert (entry.dag_id, entry.run_id, entry.execution_date) == ("etl", None, None)


def test_the_filter_for_a_query():
    after = datetime(2024, 1, 1, tzinfo=UTC)
    query = EventLogQuery(
        deployment_ids=(DEPLOYMENT,),
        flow_run_ids=(FLOW_RUN,),
        included_events=("prefect.flow-run.Completed", "prefect.flow-run.Failed"),
        excluded_events=("prefect.flow-run.Failed",),
        after=after,
        order_by="-when",
    )
    assert event_logs.event_filter(query) == {
        "occurred": {"since": after.isoformat()},
        "event": {
            "prefix": ["prefect.flow-run.", "prefect.task-run."],
            "exclude_name": ["prefect.flow-run.heartbeat", "prefect.flow-run.Failed"],
            "name": ["prefect.flow-run.Completed", "prefect.flow-run.Failed"],
        },
        "order": "DESC",
        "related": {"id": [f"prefect.deployment.{DEPLOYMENT}"]},
        "any_resource": {"id": [f"prefect.flow-run.{FLOW_RUN}"]},
    }


def test_event_and_included_events_must_both_match():
    both = EventLogQuery(event="a", included_events=("a", "b"))
    assert event_logs.event_filter(both)["event"]["name"] == ["a"]
    neither = EventLogQuery(event="c", included_events=("a",))
    assert event_logs.event_filter(neither)["event"]["name"] == [""]
    assert event_logs.event_filter(EventLogQuery())["occurred"] == {"since": event_logs.EARLIEST}


@pytest.mark.parametrize(("order_by", "order"), [("event_log_id", "ASC"), ("-event_log_id", "DESC"), ("when", "ASC")])
def test_orders_prefect_can_give(order_by, order):
    assert event_logs.event_order(order_by) == order


@pytest.mark.parametrize("order_by", ["dag_id", "-owner", "nope"])
def test_orders_prefect_cannot_give_are_400(order_by):
    with pytest.raises(BadRequest):
        event_logs.event_order(order_by)


def test_the_deepest_page_of_events():
    event_logs.check_window(Page(offset=900, limit=100))
    with pytest.raises(BadRequest):
        event_logs.check_window(Page(offset=901, limit=100))


def test_dag_stats_from_prefects_counts_per_state_type():
    history = [
        HistoryInterval.model_validate(
            {
                "interval_start": "0001-01-01T00:00:00Z",
                "interval_end": "2026-12-01T00:01:00Z",
                "states": [
                    {"state_type": "COMPLETED", "state_name": "Completed", "count_runs": 7},
                    {"state_type": "COMPLETED", "state_name": "Cached", "count_runs": 2},
                    {"state_type": "CRASHED", "state_name": "Crashed", "count_runs": 1},
                    {"state_type": "CANCELLED", "state_name": "Cancelled", "count_runs": 3},
                    {"state_type": "PENDING", "state_name": "Pending", "count_runs": 4},
                ],
            }
        )
    ]
    assert count_history(history, load_state_table()) == {"queued": 4, "success": 9, "running": 0, "failed": 4}


def test_one_history_interval_spans_every_run_whose_time_has_come():
    now = datetime(2026, 12, 1, tzinfo=UTC)
    body = whole_history({"deployment_id": {"any_": [str(DEPLOYMENT)]}}, now=now)
    start, end = (datetime.fromisoformat(body[key]) for key in ("history_start", "history_end"))
    assert start.year == 1 and end > now
    assert body["history_interval_seconds"] == (end - start).total_seconds()  # one interval
    assert body["flow_runs"] == {"deployment_id": {"any_": [str(DEPLOYMENT)]}}


def test_exposed_config_holds_no_secret():
    settings = Settings(
        prefect_api_url="https://user:hunter2@prefect.example:4200/api",
        prefect_api_key=SecretStr("pnu_secret"),
        admin_password=SecretStr("s3cret"),
        mapping_file=Path(__file__),
    )
    config = bridge_config(settings)
    assert config["prefect"]["api_url"] == "https://prefect.example:4200/api"
    text = as_text(config)
    assert not any(secret in text for secret in ("hunter2", "pnu_secret", "s3cret"))
    assert text.startswith(
        "[api]\nmaximum_page_limit = 100\nfallback_page_limit = 100\n\n"
        "[operators]\ndefault_owner = airflow\n\n[prefect]\n"
    )


def test_dag_source_names_where_the_flow_is_loaded_from():
    deployment = Deployment.model_validate(
        {
            "id": DEPLOYMENT,
            "name": "demo",
            "flow_id": uuid.uuid4(),
            "entrypoint": "flows/etl.py:etl",
            "path": "/opt/flows",
            "pull_steps": [{"prefect.deployments.steps.git_clone": {"repository": "https://example.com/r.git"}}],
        }
    )
    text = source_text(deployment)
    assert "# entrypoint: flows/etl.py:etl\n" in text and "# path: /opt/flows\n" in text
    assert "git_clone" in text and str(DEPLOYMENT) in text and text.endswith("\n")
