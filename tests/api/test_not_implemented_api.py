"""Every operation no blueprint serves answers a clear 501, in Airflow's error format, behind authentication."""

import re

import pytest

from app import create_app
from app.api_v1.operations import V1_OPERATIONS
from app.settings import Settings


def concrete(path: str) -> str:
    """A request path for a spec template: every parameter a plausible value."""
    numbers = ("map_index", "task_try_number", "event_log_id", "import_error_id")
    return re.sub(r"\{([^}]+)\}", lambda match: "1" if match.group(1) in numbers else "x", path)


def served_by_a_handler(operation) -> bool:
    adapter = ROUTES.bind("localhost")
    endpoint, _ = adapter.match("/api/v1" + concrete(operation.path), method=operation.method)
    return not endpoint.startswith("api_v1_not_implemented.")


# The routes alone (no request reaches Prefect while collecting).
ROUTES = create_app(Settings(prefect_api_url="http://prefect.invalid/api", admin_password="unused")).url_map
UNSERVED = [operation for operation in V1_OPERATIONS if not served_by_a_handler(operation)]


@pytest.mark.parametrize("operation", UNSERVED, ids=lambda op: op.operation_id)
def test_unserved_operation_answers_501_naming_it_and_why(api, operation):
    response = api.request(operation.method, concrete(operation.path), json={})
    assert response.status_code == 501 and response.content_type == "application/problem+json"
    body = response.get_json()
    assert body["title"] == "Not Implemented" and body["status"] == 501
    assert body["detail"] == f"{operation.operation_id} is not available: {operation.reason}"


def test_a_501_still_needs_credentials(api):
    response = api.get("/users", auth=False)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Basic")
