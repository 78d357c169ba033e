"""Every implemented v1 operation answers in the shapes of Airflow 2.10.5's own spec.

Each operation is called on its happy path and on an error path through an
app wrapped in the spec validator; the test fails if any response breaks
the spec or if an implemented operation was never exercised. The 501s of
the operations the bridge does not serve are held to the spec as well.
"""

import re
import uuid

from app import create_app
from app.api_v1.not_implemented import BLUEPRINT
from conftest import AUTH, ETL, FANOUT, HELLO
from support.airflow_spec import ValidatingMiddleware, default_validator


def test_every_implemented_operation_conforms(settings, failed_etl_run, fanout_run):
    app = create_app(settings.model_copy(update={"expose_config": True}))
    checker = ValidatingMiddleware(app.wsgi_app, default_validator())
    app.wsgi_app = checker
    client = app.test_client()

    def call(method, path, **kwargs):
        kwargs.setdefault("headers", AUTH)
        return client.open("/api/v1" + path, method=method, **kwargs)

    run_id = f"spec-{uuid.uuid4().hex[:10]}"
    tag = uuid.uuid4().hex[:8]
    key, conn, pool = f"Spec.Var.{tag}", f"spec_conn_{tag}", f"spec pool {tag}"
    file_token = call("GET", f"/dags/{ETL}").get_json()["file_token"]
    calls = [
        ("GET", "/health", {"headers": {}}),
        ("GET", "/version", {"headers": {}}),
        ("GET", "/dags?limit=1", {}),
        ("GET", "/dags?limit=-1", {}),
        ("GET", "/dags", {"headers": {}}),
        ("GET", f"/dags/{ETL}", {}),
        ("GET", "/dags/nope", {}),
        ("GET", f"/dags/{ETL}/details", {}),
        ("GET", "/dags/nope/details", {}),
        ("DELETE", "/dags/nope", {}),  # a real delete: tests/api/test_delete_dag_api.py
        ("PATCH", f"/dags/{HELLO}?update_mask=is_paused", {"json": {"is_paused": False}}),
        ("PATCH", "/dags/nope", {"json": {"is_paused": False}}),
        ("PATCH", "/dags?dag_id_pattern=hello", {"json": {"is_paused": False}}),
        ("PATCH", "/dags", {"json": {"is_paused": False}}),
        ("POST", f"/dags/{HELLO}/dagRuns", {"json": {"dag_run_id": run_id, "note": "n"}}),
        ("POST", f"/dags/{HELLO}/dagRuns", {"json": {"dag_run_id": run_id}}),
        ("POST", "/dags/nope/dagRuns", {"json": {}}),
        ("POST", f"/dags/{HELLO}/dagRuns", {"data": "{", "content_type": "application/json"}),
        ("GET", f"/dags/{HELLO}/dagRuns?limit=5", {}),
        ("GET", "/dags/~/dagRuns?order_by=-execution_date", {}),
        ("GET", f"/dags/{HELLO}/dagRuns?state=nope", {}),
        ("POST", "/dags/~/dagRuns/list", {"json": {"dag_ids": [HELLO], "page_limit": 2}}),
        ("POST", "/dags/~/dagRuns/list", {"json": {"page_limit": 0}}),
        ("GET", f"/dags/{HELLO}/dagRuns/{run_id}", {}),
        ("GET", f"/dags/{HELLO}/dagRuns/nope", {}),
        ("PATCH", f"/dags/{HELLO}/dagRuns/{run_id}/setNote", {"json": {"note": "checked"}}),
        ("PATCH", f"/dags/{HELLO}/dagRuns/nope/setNote", {"json": {"note": "x"}}),
        ("POST", f"/dags/{HELLO}/dagRuns/{run_id}/clear", {"json": {"dry_run": True}}),
        ("POST", f"/dags/{HELLO}/dagRuns/{run_id}/clear", {"json": {"dry_run": False}}),
        ("POST", f"/dags/{HELLO}/dagRuns/nope/clear", {"json": {}}),
        ("PATCH", f"/dags/{HELLO}/dagRuns/{run_id}", {"json": {"state": "success"}}),
        ("PATCH", f"/dags/{HELLO}/dagRuns/{run_id}", {"json": {"state": "running"}}),
        ("GET", f"/dags/{HELLO}/dagRuns/{run_id}/upstreamDatasetEvents", {}),
        ("GET", f"/dags/{HELLO}/dagRuns/nope/upstreamDatasetEvents", {}),
        ("DELETE", f"/dags/{HELLO}/dagRuns/{run_id}", {}),
        ("DELETE", f"/dags/{HELLO}/dagRuns/{run_id}", {}),
        *_task_calls(failed_etl_run.dag_run_id, fanout_run.dag_run_id),
        ("POST", "/variables", {"json": {"key": key, "value": "v", "description": "d"}}),
        ("POST", "/variables", {"json": {"value": "v"}}),
        ("GET", "/variables?limit=2&order_by=-id", {}),
        ("GET", "/variables?order_by=nope", {}),
        ("GET", f"/variables/{key}", {}),
        ("GET", "/variables/no.such.key", {}),
        ("PATCH", f"/variables/{key}?update_mask=value", {"json": {"key": key, "value": "w"}}),
        ("PATCH", f"/variables/{key}", {"json": {"key": "other", "value": "w"}}),
        ("PATCH", "/variables/no.such.key", {"json": {"key": "no.such.key", "value": "w"}}),
        ("DELETE", f"/variables/{key}", {}),
        ("DELETE", f"/variables/{key}", {}),
        ("POST", "/connections", {"json": {"connection_id": conn, "conn_type": "http", "password": "p"}}),
        ("POST", "/connections", {"json": {"connection_id": conn, "conn_type": "http"}}),
        ("POST", "/connections", {"json": {"connection_id": "a b", "conn_type": "http"}}),
        ("GET", "/connections?limit=2", {}),
        ("GET", "/connections?order_by=host", {}),
        ("GET", f"/connections/{conn}", {}),
        ("GET", "/connections/no_such_conn", {}),
        ("PATCH", f"/connections/{conn}?update_mask=host", {"json": {"host": "h"}}),
        ("PATCH", f"/connections/{conn}", {"json": {"connection_id": "other"}}),
        ("PATCH", "/connections/no_such_conn", {"json": {"host": "h"}}),
        ("POST", "/connections/test", {"json": {"connection_id": conn, "conn_type": "http"}}),
        ("DELETE", f"/connections/{conn}", {}),
        ("DELETE", f"/connections/{conn}", {}),
        ("POST", "/pools", {"json": {"name": pool, "slots": 2, "description": "d"}}),
        ("POST", "/pools", {"json": {"name": pool, "slots": 2}}),
        ("POST", "/pools", {"json": {"name": pool}}),
        ("GET", "/pools?limit=2&order_by=-slots", {}),
        ("GET", "/pools?order_by=nope", {}),
        ("GET", f"/pools/{pool}", {}),
        ("GET", "/pools/default_pool", {}),
        ("GET", "/pools/no such pool", {}),
        ("PATCH", f"/pools/{pool}?update_mask=slots", {"json": {"slots": 3}}),
        ("PATCH", "/pools/default_pool", {"json": {"name": "x", "slots": 1}}),
        ("PATCH", "/pools/no such pool", {"json": {"name": "no such pool", "slots": 1}}),
        ("DELETE", f"/pools/{pool}", {}),
        ("DELETE", "/pools/default_pool", {}),
        ("DELETE", f"/pools/{pool}", {}),
        *_user_calls(f"spec-user-{tag}"),
        *_role_calls(f"spec-role-{tag}"),
        ("GET", f"/dagStats?dag_ids={HELLO},{ETL}", {}),
        ("GET", "/dagStats", {}),
        ("GET", f"/eventLogs?dag_id={HELLO}&limit=2", {}),
        ("GET", "/eventLogs?order_by=owner", {}),
        ("GET", f"/eventLogs/{uuid.uuid4().int}", {}),
        ("GET", "/importErrors?limit=5", {}),
        ("GET", "/importErrors?order_by=nope", {}),
        ("GET", "/importErrors/1", {}),
        ("GET", "/dagWarnings?dag_id=x", {}),
        ("GET", "/dagWarnings?limit=-1", {}),
        ("GET", "/plugins", {}),
        ("GET", "/plugins?offset=-1", {}),
        ("GET", "/providers", {}),
        ("GET", "/providers", {"headers": {}}),
        ("GET", "/config", {"headers": {**AUTH, "Accept": "application/json"}}),
        ("GET", "/config?section=api", {"headers": {**AUTH, "Accept": "text/plain"}}),
        ("GET", "/config?section=nope", {}),
        ("GET", "/config/section/api/option/maximum_page_limit", {"headers": {**AUTH, "Accept": "application/json"}}),
        ("GET", "/config/section/api/option/nope", {}),
        ("GET", f"/dagSources/{file_token}", {"headers": {**AUTH, "Accept": "application/json"}}),
        ("GET", f"/dagSources/{file_token}", {"headers": {**AUTH, "Accept": "text/plain"}}),
        ("GET", f"/dagSources/{file_token}", {"headers": {**AUTH, "Accept": "image/png"}}),
        ("GET", f"/dagSources/{uuid.uuid4()}", {}),
        ("GET", "/datasets?limit=3", {}),
        ("GET", "/datasets?order_by=nope", {}),
        ("GET", "/datasets/s3%3A%2F%2Fbucket%2Fkey", {}),
        ("GET", "/datasets/events?source_dag_id=x", {}),
        ("GET", "/datasets/events?dataset_id=x", {}),
    ]
    statuses = [call(method, path, **kwargs).status_code for method, path, kwargs in calls]
    assert 500 not in statuses and 200 in statuses and 204 in statuses and 400 in statuses and 404 in statuses
    assert 409 in statuses and 403 in statuses

    assert not checker.failures, "\n".join(map(str, checker.failures))
    implemented = {
        rule.endpoint.rsplit(".", 1)[-1]
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1/") and not rule.endpoint.startswith(BLUEPRINT + ".")
    }
    assert implemented - checker.seen_operations == set()


def _task_calls(failed: str, fanout: str) -> list:
    etl = f"/dags/{ETL}/dagRuns/{failed}/taskInstances"
    mapped = f"/dags/{FANOUT}/dagRuns/{fanout}/taskInstances"
    extract = {"dag_run_id": failed, "task_id": "extract"}
    return [
        ("GET", f"{etl}?limit=2", {}),
        ("GET", f"{etl}?state=nope", {}),
        ("GET", "/dags/~/dagRuns/~/taskInstances?state=failed", {}),
        ("POST", "/dags/~/dagRuns/~/taskInstances/list", {"json": {"dag_ids": [ETL], "page_limit": 3}}),
        ("POST", "/dags/~/dagRuns/~/taskInstances/list", {"json": {"task_ids": ["load"]}}),
        ("GET", f"{etl}/load", {}),
        ("GET", f"{etl}/nope", {}),
        ("GET", f"{mapped}/square/2", {}),
        ("GET", f"{mapped}/square/999", {}),
        ("GET", f"{mapped}/square/listMapped?limit=3", {}),
        ("GET", f"{mapped}/flaky/listMapped", {}),
        ("PATCH", f"{etl}/transform", {"json": {"new_state": "failed"}}),
        ("PATCH", f"{etl}/load", {"json": {"new_state": "failed"}}),
        ("PATCH", f"{mapped}/square/1", {"json": {"new_state": "success"}}),
        ("PATCH", f"{mapped}/square/999", {"json": {"new_state": "success"}}),
        ("GET", f"{mapped}/flaky/tries", {}),
        ("GET", f"{mapped}/nope/tries", {}),
        ("GET", f"{mapped}/square/1/tries", {}),
        ("GET", f"{mapped}/square/999/tries", {}),
        ("GET", f"{mapped}/flaky/tries/1", {}),
        ("GET", f"{mapped}/flaky/tries/9", {}),
        ("GET", f"{mapped}/square/1/tries/1", {}),
        ("GET", f"{mapped}/square/1/tries/9", {}),
        ("GET", f"{mapped}/flaky/logs/1", {}),
        ("GET", f"{mapped}/flaky/logs/2?full_content=true", {"headers": {**AUTH, "Accept": "text/plain"}}),
        ("GET", f"{mapped}/flaky/logs/9", {}),
        ("GET", f"{etl}/extract/xcomEntries", {}),
        ("GET", f"{etl}/nope/xcomEntries", {}),
        ("GET", f"{etl}/extract/xcomEntries/nope", {}),
        ("POST", f"/dags/{ETL}/clearTaskInstances", {"json": {"dag_run_id": failed}}),
        ("POST", f"/dags/{ETL}/clearTaskInstances", {"json": {"include_past": True}}),
        ("POST", f"/dags/{ETL}/updateTaskInstancesState", {"json": {**extract, "new_state": "success"}}),
        ("POST", f"/dags/{ETL}/updateTaskInstancesState", {"json": {"task_id": "extract", "new_state": "success"}}),
        ("PATCH", f"{etl}/extract/setNote", {"json": {"note": "spec"}}),
        ("PATCH", f"{etl}/extract/setNote", {"json": {}}),
        ("PATCH", f"{mapped}/square/2/setNote", {"json": {"note": None}}),
        ("PATCH", f"{mapped}/square/999/setNote", {"json": {"note": "x"}}),
        ("GET", f"{etl}/load/dependencies", {}),
        ("GET", f"{etl}/nope/dependencies", {}),
        ("GET", f"{mapped}/square/2/dependencies", {}),
        ("GET", f"{mapped}/square/999/dependencies", {}),
        ("GET", f"{etl}/load/links", {}),
        ("GET", f"{etl}/nope/links", {}),
        ("GET", f"/dags/{ETL}/tasks", {}),
        ("GET", "/dags/nope/tasks", {}),
        ("GET", f"/dags/{ETL}/tasks/load", {}),
        ("GET", f"/dags/{ETL}/tasks/nope", {}),
    ]


def test_every_501_conforms(settings):
    app = create_app(settings)
    checker = ValidatingMiddleware(app.wsgi_app, default_validator())
    app.wsgi_app = checker
    client = app.test_client()
    fallbacks = [rule for rule in app.url_map.iter_rules() if rule.endpoint.startswith(BLUEPRINT + ".")]
    assert fallbacks
    for rule in fallbacks:
        path = re.sub(r"<[^>]+>", "1", rule.rule)
        [method] = rule.methods - {"HEAD", "OPTIONS"}
        assert client.open(path, method=method, headers=AUTH, json={}).status_code == 501, rule
    assert not checker.failures, "\n".join(map(str, checker.failures))
    assert checker.seen_operations == {rule.endpoint.rsplit(".", 1)[-1] for rule in fallbacks}


def test_routing_errors_are_airflow_problems(api):
    for response, status in ((api.get("/no/such/thing"), 404), (api.request("PUT", "/dags"), 405)):
        assert response.status_code == status
        assert response.content_type == "application/problem+json"
        assert response.get_json()["status"] == status and response.get_json()["title"]


def _role_calls(name: str) -> list:
    body = {"name": name, "actions": [{"action": {"name": "can_read"}, "resource": {"name": "DAGs"}}]}
    return [
        ("POST", "/roles", {"json": body}),
        ("POST", "/roles", {"json": body}),
        ("POST", "/roles", {"json": {**body, "name": name + "-x", "actions": [{"action": {"name": "no"}}]}}),
        ("GET", "/roles?limit=2&order_by=role_id", {}),
        ("GET", "/roles?order_by=-name", {}),
        ("GET", f"/roles/{name}", {}),
        ("GET", "/roles/no-such-role-at-all", {}),
        ("PATCH", f"/roles/{name}?update_mask=actions", {"json": body}),
        ("PATCH", "/roles/Viewer", {"json": {"name": "Viewer"}}),
        ("PATCH", "/roles/no-such-role-at-all", {"json": body}),
        ("DELETE", f"/roles/{name}", {}),
        ("DELETE", f"/roles/{name}", {}),
        ("GET", "/permissions?limit=2", {}),
    ]


def _user_calls(username: str) -> list:
    body = {"first_name": "S", "last_name": "C", "username": username, "email": f"{username}@example.com",
            "password": "spec-pw-1", "roles": [{"name": "Viewer"}]}
    return [
        ("POST", "/users", {"json": body}),
        ("POST", "/users", {"json": body}),
        ("POST", "/users", {"json": {"username": username}}),
        ("GET", "/users?limit=2&order_by=email", {}),
        ("GET", "/users?order_by=-id", {}),
        ("GET", f"/users/{username}", {}),
        ("GET", "/users/no-such-user-at-all", {}),
        ("PATCH", f"/users/{username}?update_mask=last_name", {"json": {**body, "last_name": "D"}}),
        ("PATCH", "/users/no-such-user-at-all", {"json": body}),
        ("DELETE", f"/users/{username}", {}),
        ("DELETE", f"/users/{username}", {}),
    ]
