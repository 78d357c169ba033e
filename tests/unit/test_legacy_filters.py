"""The merged listings ask the legacy Airflow what the client asked: its filters, read once, in Airflow's terms.

The handlers' readers (app/api_v1/listing_queries.py) turn a request into
the services' query objects; app/services/legacy_filters.py turns those
into the legacy Airflow's parameters. Every filter a listing takes reaches
the legacy side, except those documented as Prefect's only.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest
from flask import Flask

from app.api_v1 import listing_queries as readers
from app.api_v1.params import Body, Query
from app.errors import BadRequest
from app.services import legacy_filters

DATE = "2024-01-02T03:04:05+00:00"
#: Not filters: the page, the order, the scope and the shape of the answer, which each listing sets itself.
NOT_FILTERS = {"limit", "offset", "page_offset", "page_limit", "order_by", "fields", "dag_ids", "dag_run_ids"}
#: Filters Prefect's side applies and the legacy one is not sent (Airflow 2.10's batch forms ignore them).
PREFECT_ONLY = {"updated_at_gte", "updated_at_lte"}


@pytest.fixture
def request_context():
    app = Flask(__name__)

    def context(query: str = "", body: dict | None = None):
        return app.test_request_context(
            "/?" + query, method="POST", data=json.dumps(body or {}), content_type="application/json"
        )

    return context


def a_value(name: str):
    if name.endswith(("_gte", "_lte")) and not name.startswith("duration"):
        return DATE
    if name.startswith("duration"):
        return 1.5
    if name in ("state", "states"):
        return ["failed"]
    if name in ("page_offset", "page_limit"):
        return 1
    return ["x"] if name.endswith("s") or name in ("pool", "queue", "executor") else "x"


def test_a_run_listing_sends_the_legacy_side_every_shared_filter(request_context):
    dates = {name: DATE for name in readers.RUN_LIST_PARAMS if name.endswith(("_gte", "_lte"))}
    with request_context(urlencode({**dates, "state": "running,queued"})):
        filters = legacy_filters.run_filters(readers.run_list_query(Query(readers.RUN_LIST_PARAMS)))
    taken = set(readers.RUN_LIST_PARAMS) - NOT_FILTERS - PREFECT_ONLY
    assert set(filters) == (taken - {"state"}) | {"states"}
    assert filters["states"] == ["running", "queued"]
    assert filters["execution_date_gte"] == DATE


def test_the_batch_form_of_runs_too(request_context):
    body = {name: a_value(name) for name in readers.RUN_BATCH_KEYS if name not in ("order_by", "dag_ids")}
    with request_context(body=body):
        _, run_query = readers.run_batch_query(Body(readers.RUN_BATCH_KEYS))
    assert set(legacy_filters.run_filters(run_query)) == set(readers.RUN_BATCH_KEYS) - NOT_FILTERS - PREFECT_ONLY


def test_a_task_instance_listing_sends_every_shared_filter(request_context):
    params = {name: a_value(name) for name in readers.TI_LIST_PARAMS if name not in ("limit", "offset")}
    with request_context(urlencode(params, doseq=True)):
        filters = legacy_filters.instance_filters(readers.instance_query(Query(readers.TI_LIST_PARAMS)))
    assert set(filters) == set(readers.TI_LIST_PARAMS) - NOT_FILTERS - PREFECT_ONLY
    assert filters["duration_gte"] == 1.5


def test_the_batch_form_of_task_instances_with_a_null_state_as_airflow_takes_it(request_context):
    body = {name: a_value(name) for name in readers.TI_BATCH_KEYS}
    body["state"] = [None, "failed"]
    with request_context(body=body):
        _, ti_query = readers.instance_batch_query(Body(readers.TI_BATCH_KEYS))
    filters = legacy_filters.instance_filters(ti_query)
    assert set(filters) == set(readers.TI_BATCH_KEYS) - NOT_FILTERS
    assert filters["state"] == [None, "failed"]
    assert filters["task_ids"] == ["x"]


def test_a_batch_page_may_not_be_null_in_either_listing(request_context):
    with request_context(body={"page_limit": None}), pytest.raises(BadRequest):
        readers.instance_batch_query(Body(readers.TI_BATCH_KEYS))


def test_a_dag_listing_sends_its_filters_and_only_active(request_context):
    with request_context("tags=a,b&paused=FALSE&dag_id_pattern=etl&order_by=-dag_id"):
        query = Query(readers.DAG_LIST_PARAMS)
        params = legacy_filters.dag_params(readers.dag_query(query), query.boolean("only_active"))
    assert params == {"tags": ["a", "b"], "only_active": None, "paused": False, "dag_id_pattern": "etl"}


def test_an_event_log_listing_sends_its_filters_with_dates_in_utc(request_context):
    with request_context("before=2024-01-02T03:04:05&included_events=a,b&event=trigger"):
        event_query = readers.event_log_query(Query(readers.EVENT_LOG_PARAMS))
    params = legacy_filters.event_log_params(event_query, run_id="r1", owner=None)
    assert params == {
        "run_id": "r1",
        "event": "trigger",
        "owner": None,
        "before": DATE,
        "after": None,
        "included_events": ["a", "b"],
        "excluded_events": [],
    }
