"""What a DAG shows for each attribute Prefect does not have: Airflow 2.10.5's own default.

The expected values are those of a DAG defined with nothing but a dag_id in
Airflow 2.10.5 (DAG.__init__ and the config defaults it reads), except
where the table says why the bridge answers otherwise.
"""

from datetime import UTC, datetime

import pytest

from app.api_v1 import serialize
from app.prefect.models import Deployment
from app.translate import schedules
from app.translate.dag_ids import parse_mapping
from app.translate.dags import deployment_to_dag

NOW = datetime(2026, 11, 22, 7, 30, tzinfo=UTC)
PARIS_CRON = {"cron": "0 6 * * *", "timezone": "Europe/Paris"}

#: A deployment that says nothing beyond its name.
BARE = Deployment.model_validate(
    {
        "id": "02322d95-0cbc-4460-990f-c38b70c6723a",
        "name": "bare",
        "flow_id": "d7ecb0ff-1deb-4a9b-93d2-6c6dfc5e5750",
        "created": "2026-11-22T07:22:09.142898Z",
        "updated": "2026-11-22T07:22:09.481446Z",
    }
)


def bare_detail(mapping=None) -> dict:
    return serialize.dag_detail(deployment_to_dag(BARE, "flow", mapping or parse_mapping([]), now=NOW))


@pytest.mark.parametrize(
    ("field", "airflow_default"),
    [
        ("owners", ["airflow"]),  # [operators] default_owner, the owner of every task
        ("description", None),
        ("default_view", "grid"),  # [webserver] dag_default_view
        ("orientation", "LR"),  # [webserver] dag_orientation
        ("max_active_tasks", 16),  # [core] max_active_tasks_per_dag
        ("concurrency", 16),  # the deprecated name of max_active_tasks
        ("max_active_runs", 16),  # [core] max_active_runs_per_dag
        ("max_consecutive_failed_dag_runs", 0),  # [core] max_consecutive_failed_dag_runs_per_dag
        ("timezone", "UTC"),  # [core] default_timezone
        ("schedule_interval", None),  # a deployment without schedules is schedule=None
        ("timetable_description", "Never, external triggers only"),  # NullTimetable
        ("dag_run_timeout", None),
        ("doc_md", None),
        ("end_date", None),
        ("is_paused_upon_creation", None),
        ("template_search_path", None),
        ("render_template_as_native_obj", False),
        ("dataset_expression", None),
        ("has_task_concurrency_limits", False),
        ("has_import_errors", False),
        ("is_subdag", False),
        ("root_dag_id", None),
        ("tags", []),
        ("params", {}),
        ("next_dagrun", None),
    ],
)
def test_a_bare_deployment_shows_airflows_defaults(field, airflow_default):
    assert bare_detail()[field] == airflow_default


@pytest.mark.parametrize(
    ("field", "bridge_value", "why_not_airflows_default"),
    [
        ("catchup", False, "Airflow's default is True; Prefect never creates runs for past intervals"),
        ("start_date", "2026-11-22T07:22:09.142898+00:00", "the deployment's schedules fire from its creation"),
    ],
)
def test_deliberate_departures_from_airflows_defaults(field, bridge_value, why_not_airflows_default):
    assert bare_detail()[field] == bridge_value, why_not_airflows_default


@pytest.mark.parametrize(
    ("entries", "default_owner", "owners"),
    [
        ([], "airflow", ["airflow"]),
        ([], "platform-team", ["platform-team"]),
        ([{"dag_id": "x", "flow": "flow", "deployment": "bare", "owners": []}], "airflow", ["airflow"]),
        ([{"dag_id": "x", "flow": "flow", "deployment": "bare"}], "airflow", ["airflow"]),
        ([{"dag_id": "x", "flow": "flow", "deployment": "bare", "owners": ["a", "b"]}], "airflow", ["a", "b"]),
    ],
)
def test_owners_are_never_empty(entries, default_owner, owners):
    assert bare_detail(parse_mapping(entries, default_owner=default_owner))["owners"] == owners


@pytest.mark.parametrize(
    ("active", "timezone"),
    [
        ([], None),
        ([{"cron": "0 6 * * *", "timezone": None}], "UTC"),
        ([PARIS_CRON], "Europe/Paris"),
        ([PARIS_CRON, {"interval": 60, "timezone": "Europe/Paris"}], "Europe/Paris"),
        ([PARIS_CRON, {"interval": 60, "timezone": "UTC"}], None),
    ],
)
def test_a_dags_timezone_is_its_schedules(active, timezone):
    assert schedules.timezone(active) == timezone


def test_a_concurrency_limit_is_max_active_runs():
    limited = BARE.model_copy(update={"concurrency_limit": 3})
    assert deployment_to_dag(limited, "flow", parse_mapping([]), now=NOW).max_active_runs == 3
