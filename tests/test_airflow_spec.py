"""Tests of the spec validator itself, with hand-written response bodies."""

import copy
import json

import flask
import pytest

from support import airflow_spec
from support.airflow_spec import SpecValidator, ValidatingMiddleware, assert_valid, default_validator, load_v1_spec

VALID_DAGS = {
    "dags": [
        {
            "dag_id": "a",
            "dag_display_name": "a",
            "is_paused": False,
            "is_active": True,
            "is_subdag": False,
            "fileloc": "f.py",
            "file_token": "t",
            "owners": [],
            "schedule_interval": {"__type": "CronExpression", "value": "0 6 * * *"},
            "tags": [{"name": "x"}],
            "next_dagrun": None,
        }
    ],
    "total_entries": 1,
}
NOT_FOUND = {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "x"}


@pytest.fixture(scope="module")
def validator() -> SpecValidator:
    return default_validator()


def dags_with(**dag_fields) -> bytes:
    body = copy.deepcopy(VALID_DAGS)
    body["dags"][0].update(dag_fields)
    return json.dumps(body).encode()


def problems_for_dags(validator, body: bytes) -> list[str]:
    return validator.validate("GET", "/api/v1/dags", 200, "application/json", body)


def test_spec_is_airflow_2_10_v1():
    spec = load_v1_spec()
    assert spec["openapi"] == "3.0.3"
    assert spec["servers"][0]["url"] == "/api/v1"
    assert "/dags/{dag_id}/dagRuns/{dag_run_id}" in spec["paths"]


def test_valid_dag_collection_passes(validator):
    assert problems_for_dags(validator, json.dumps(VALID_DAGS).encode()) == []


def test_null_schedule_interval_passes(validator):
    # Spec marks ScheduleInterval nullable (beside anyOf, not type); Airflow sends null.
    assert problems_for_dags(validator, dags_with(schedule_interval=None)) == []


def test_schedule_interval_as_plain_string_fails(validator):
    problems = problems_for_dags(validator, dags_with(schedule_interval="0 6 * * *"))
    assert problems and "schedule_interval" in problems[0]


def test_schedule_interval_missing_discriminated_fields_fails(validator):
    problems = problems_for_dags(validator, dags_with(schedule_interval={"__type": "TimeDelta"}))
    assert any("'days' is a required property" in p for p in problems)


def test_null_dag_id_fails(validator):
    problems = problems_for_dags(validator, dags_with(dag_id=None))
    assert problems == ["get_dags 200: body.dags[0].dag_id: null is not allowed (expected string, not nullable)"]


def test_bad_date_time_fails(validator):
    problems = problems_for_dags(validator, dags_with(next_dagrun="2024-01-01"))
    assert problems and "is not a 'date-time'" in problems[0]


def test_dag_run_with_unknown_state_fails(validator):
    body = json.dumps({"dag_run_id": "b", "dag_id": "a", "state": "pending"}).encode()
    problems = validator.validate("GET", "/api/v1/dags/a/dagRuns/b", 200, "application/json", body)
    assert problems and "'pending' is not one of" in problems[0]


def test_write_only_password_in_response_fails(validator):
    body = json.dumps({"connection_id": "c", "conn_type": "http", "password": "p"}).encode()
    problems = validator.validate("GET", "/api/v1/connections/c", 200, "application/json", body)
    assert problems and "password" in problems[0]


def test_problem_json_not_found_passes(validator):
    assert (
        validator.validate("GET", "/api/v1/dags/x", 404, "application/problem+json", json.dumps(NOT_FOUND).encode())
        == []
    )


@pytest.mark.parametrize("content_type", ["application/json", "text/html", None])
def test_error_with_wrong_content_type_fails(validator, content_type):
    problems = validator.validate("GET", "/api/v1/dags/x", 404, content_type, json.dumps(NOT_FOUND).encode())
    assert problems and "content type" in problems[0]


def test_undeclared_success_status_fails(validator):
    problems = validator.validate("GET", "/api/v1/dags/x", 201, "application/json", b"{}")
    assert problems == ["get_dag: status 201 is not declared (declared: 200, 401, 403, 404)"]


def test_undeclared_error_status_must_be_an_airflow_error(validator):
    body = json.dumps({**NOT_FOUND, "status": 503, "title": "Service Unavailable"}).encode()
    assert validator.validate("GET", "/api/v1/dags", 503, "application/problem+json", body) == []
    assert validator.validate("GET", "/api/v1/dags", 400, "application/problem+json", b'{"detail": "x"}')


def test_no_content_response_must_be_empty(validator):
    assert validator.validate("DELETE", "/api/v1/dags/x", 204, None, b"") == []
    assert validator.validate("DELETE", "/api/v1/dags/x", 204, "application/json", b"{}")


def test_non_json_body_fails(validator):
    problems = validator.validate("GET", "/api/v1/dags", 200, "application/json", b"<html>")
    assert problems and "not valid JSON" in problems[0]


def test_unknown_path_has_no_operation(validator):
    problems = validator.validate("GET", "/api/v1/nope", 200, "application/json", b"{}")
    assert problems and "no operation in the spec" in problems[0]


@pytest.mark.parametrize(
    "method, path, expected",
    [
        ("POST", "/api/v1/dags/~/dagRuns/list", ("get_dag_runs_batch", "/dags/~/dagRuns/list")),
        ("GET", "/api/v1/dags/a/dagRuns/b", ("get_dag_run", "/dags/{dag_id}/dagRuns/{dag_run_id}")),
        ("GET", "/dags/a/dagRuns/b", ("get_dag_run", "/dags/{dag_id}/dagRuns/{dag_run_id}")),
        (
            "GET",
            "/api/v1/dags/a/dagRuns/b/taskInstances/t/listMapped",
            ("get_mapped_task_instances", "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/listMapped"),
        ),
        ("GET", "/api/v1/variables/a%2Fb", ("get_variable", "/variables/{variable_key}")),
        ("GET", "/api/v1/variables/a/b", None),
        ("GET", "/api/v1/dags/", None),
        ("PUT", "/api/v1/dags", None),
    ],
)
def test_operation_for(validator, method, path, expected):
    assert validator.operation_for(method, path) == expected


def tiny_airflow_app() -> flask.Flask:
    app = flask.Flask("tiny")

    @app.get("/api/v1/dags")
    def get_dags():
        return flask.jsonify(VALID_DAGS)

    @app.get("/api/v1/dags/<dag_id>")
    def get_dag(dag_id):
        return flask.jsonify({"dag_id": None})

    return app


def test_middleware_passes_responses_through_unchanged(validator):
    app = tiny_airflow_app()
    bare = app.test_client().get("/api/v1/dags/a")
    app.wsgi_app = middleware = ValidatingMiddleware(app.wsgi_app, validator)
    wrapped = app.test_client().get("/api/v1/dags/a")
    assert (wrapped.status, wrapped.headers, wrapped.get_data()) == (bare.status, bare.headers, bare.get_data())
    assert len(middleware.failures) == 1


def test_middleware_records_failures_operations_and_unmatched(validator):
    app = tiny_airflow_app()
    app.wsgi_app = middleware = ValidatingMiddleware(app.wsgi_app, validator)
    client = app.test_client()
    client.get("/api/v1/dags")
    client.get("/api/v1/dags/a")
    client.get("/api/v1/nope")
    client.get("/not-api")

    assert middleware.seen_operations == {"get_dags", "get_dag"}
    [failure] = middleware.failures
    assert (failure.method, failure.path, failure.status) == ("GET", "/api/v1/dags/a", 200)
    assert "dag_id: null is not allowed" in failure.problems[0]
    assert middleware.unmatched == [("GET", "/api/v1/nope", 404)]


def test_assert_valid(validator):
    client = tiny_airflow_app().test_client()
    assert_valid(client.get("/api/v1/dags"))
    with pytest.raises(AssertionError, match="dag_id: null is not allowed"):
        assert_valid(client.get("/api/v1/dags/a"), validator)


def test_cached_spec_is_used_without_downloading(tmp_path, monkeypatch):
    spec_bytes = airflow_spec.ensure_cached_spec().read_bytes()
    monkeypatch.setenv("BRIDGE_TEST_CACHE", str(tmp_path))
    (tmp_path / airflow_spec.spec_cache_path().name).write_bytes(spec_bytes)
    monkeypatch.setattr(
        airflow_spec, "_fetch_spec_from_wheel", lambda: pytest.fail("downloaded although the spec was cached")
    )
    assert airflow_spec.ensure_cached_spec().read_bytes() == spec_bytes


def test_damaged_cache_is_replaced(tmp_path, monkeypatch):
    spec_bytes = airflow_spec.ensure_cached_spec().read_bytes()
    monkeypatch.setenv("BRIDGE_TEST_CACHE", str(tmp_path))
    airflow_spec.spec_cache_path().write_bytes(spec_bytes[:1000])  # as if cut short
    monkeypatch.setattr(airflow_spec, "_fetch_spec_from_wheel", lambda: spec_bytes)
    assert airflow_spec.ensure_cached_spec().read_bytes() == spec_bytes
    assert [p.name for p in tmp_path.iterdir()] == [airflow_spec.spec_cache_path().name]
