"""Deployments as DAGs: schedules, params, dag_id patterns and filters."""

from datetime import UTC, datetime

import pytest

from app.prefect.models import Deployment
from app.translate import schedules
from app.translate.dag_ids import parse_mapping
from app.translate.dags import deployment_to_dag, matches_dag_id_pattern

NOW = datetime(2026, 11, 22, 7, 30, tzinfo=UTC)
CRON = {"cron": "0 6 * * *", "timezone": None}
HOURLY = {"interval": 3600.0, "anchor_date": "2026-11-22T07:22:09.142898Z", "timezone": "UTC"}
RRULE = {"rrule": "FREQ=DAILY;BYHOUR=9", "timezone": "UTC"}


@pytest.mark.parametrize(
    ("active", "interval"),
    [
        ([CRON], {"__type": "CronExpression", "value": "0 6 * * *"}),
        ([HOURLY], {"__type": "TimeDelta", "days": 0, "seconds": 3600, "microseconds": 0}),
        ([{"interval": 90061.5}], {"__type": "TimeDelta", "days": 1, "seconds": 3661, "microseconds": 500000}),
        ([], None),
        ([CRON, HOURLY], None),
        ([RRULE], None),
    ],
)
def test_schedule_interval(active, interval):
    assert schedules.schedule_interval(active) == interval


@pytest.mark.parametrize(
    ("active", "expected"),
    [
        ([CRON], datetime(2026, 11, 23, 6, tzinfo=UTC)),
        ([HOURLY], datetime(2026, 11, 22, 8, 22, 9, 142898, tzinfo=UTC)),
        ([CRON, HOURLY], datetime(2026, 11, 22, 8, 22, 9, 142898, tzinfo=UTC)),
        ([RRULE], datetime(2026, 11, 22, 9, 30, tzinfo=UTC)),
        ([{"cron": "0 6 * * *", "timezone": "Europe/Paris"}], datetime(2026, 11, 23, 5, tzinfo=UTC)),
        ([], None),
        ([{"cron": "not a cron"}], None),
    ],
)
def test_next_fire_time(active, expected):
    assert schedules.next_fire_time(active, NOW) == expected


def test_every_active_schedule_is_described():
    assert schedules.describe([CRON, RRULE]) == "cron '0 6 * * *' (UTC); rrule 'FREQ=DAILY;BYHOUR=9' (UTC)"
    assert schedules.describe([]) == "Never, external triggers only"  # Airflow: schedule=None


DEPLOYMENT = Deployment.model_validate(
    {
        "id": "02322d95-0cbc-4460-990f-c38b70c6723a",
        "name": "demo",
        "flow_id": "d7ecb0ff-1deb-4a9b-93d2-6c6dfc5e5750",
        "created": "2026-11-22T07:22:09.484244Z",
        "updated": "2026-11-22T07:22:09.481446Z",
        "description": "Extract, transform and load.",
        "paused": True,
        "tags": ["demo", "etl"],
        "schedules": [{"schedule": CRON, "active": True}, {"schedule": HOURLY, "active": False}],
        "entrypoint": "app/demo/flows.py:etl",
        "parameter_openapi_schema": {
            "properties": {"rows": {"default": 3, "position": 0, "title": "rows", "type": "integer"}}
        },
        "parameters": {},
        "concurrency_limit": 2,
    }
)


def test_deployment_as_dag():
    mapping = parse_mapping([{"dag_id": "example_etl", "flow": "etl", "deployment": "demo", "owners": ["de"]}])
    dag = deployment_to_dag(DEPLOYMENT, "etl", mapping, now=NOW)
    assert dag.dag_id == "example_etl" and dag.dag_display_name == "etl/demo"
    assert dag.is_paused is True and dag.owners == ["de"] and dag.tags == ["demo", "etl"]
    assert dag.description == "Extract, transform and load."
    assert dag.schedule_interval == {"__type": "CronExpression", "value": "0 6 * * *"}  # the inactive one is left out
    assert dag.fileloc == "app/demo/flows.py" and dag.file_token == str(DEPLOYMENT.id)
    assert dag.max_active_runs == 2 and dag.next_dagrun == datetime(2026, 11, 23, 6, tzinfo=UTC)
    assert dag.params == {
        "rows": {
            "__class": "airflow.models.param.Param",
            "value": 3,
            "description": None,
            "schema": {"type": "integer"},
        }
    }


def test_unmapped_deployment_gets_its_automatic_id():
    dag = deployment_to_dag(DEPLOYMENT, "etl", parse_mapping([]), now=NOW)
    assert (dag.dag_id, dag.owners) == ("etl.demo", ["airflow"])


@pytest.mark.parametrize(
    ("dag_id", "pattern", "matches"),
    [
        ("example_etl", "etl", True),
        ("example_etl", "ETL", True),
        ("example_etl", "~", True),
        ("example_etl", None, True),
        ("example_etl", "ex%etl", True),
        ("hello.hourly", "hello_hourly", True),
        ("example_etl", "hello", False),
        ("a.b", "a.c", False),
    ],
)
def test_dag_id_pattern_is_airflows_ilike(dag_id, pattern, matches):
    assert matches_dag_id_pattern(dag_id, pattern) is matches

