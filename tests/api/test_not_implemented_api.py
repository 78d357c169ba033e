"""Every operation no blueprint serves answers a clear 501, in Airflow's error format, behind authentication."""

import re

import pytest

from app.api_v1.operations import V1_OPERATIONS

UNSERVED = [op for op in V1_OPERATIONS if op.reason is not None]


def concrete(path: str) -> str:
    """A request path for a spec template: every parameter a plausible value."""
    numbers = ("map_index", "task_try_number")
    return re.sub(r"\{([^}]+)\}", lambda match: "1" if match.group(1) in numbers else "x", path)


def served_by_a_handler(app, operation) -> bool:
    adapter = app.url_map.bind("localhost")
    endpoint, _ = adapter.match("/api/v1" + concrete(operation.path), method=operation.method)
    return not endpoint.startswith("api_v1_not_implemented.")


@pytest.mark.parametrize("operation", UNSERVED, ids=lambda op: op.operation_id)
def test_unserved_operation_answers_501_naming_it_and_why(api, app, operation):
    if served_by_a_handler(app, operation):
        pytest.skip(f"{operation.operation_id} is served by a handler now")
    response = api.request(operation.method, concrete(operation.path), json={})
    assert response.status_code == 501 and response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["title"] == "Not Implemented" and body["status"] == 501
    assert body["detail"] == f"{operation.operation_id} is not available: {operation.reason}"


def test_a_501_still_needs_credentials(api):
    response = api.get("/users", auth=False)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Basic")
