"""No password, token, API key, Authorization header or connection secret in a log line or an error body.

One scenario over the real Prefect server, every logger captured at DEBUG:
failed logins, connections with passwords (created, read, patched, tested,
refused), the bridge configured with a Prefect API key, Prefect failing
underneath it, and a legacy Airflow refusing the bridge's own password.
The session-wide guard (tests/support/secret_log_guard.py) checks the same
for every test of the suite.
"""

from __future__ import annotations

import base64
import json
import logging
import socket
import uuid

import httpx
import pytest
from pydantic import SecretStr

from app import create_app
from conftest import AUTH, ApiClient, validated
from support.secret_log_guard import basic_header_value, watch_secret

API_KEY = watch_secret("pnu_logscenario" + uuid.uuid4().hex[:12])
CONNECTION_PASSWORD = watch_secret("conn-pw-" + uuid.uuid4().hex[:12])
CONNECTION_TOKEN = watch_secret("extra-token-" + uuid.uuid4().hex[:12])
WRONG_PASSWORD = watch_secret("wrong-pw-" + uuid.uuid4().hex[:12])
LEGACY_PASSWORD = watch_secret("legacy-pw-" + uuid.uuid4().hex[:12])
SECRETS = (
    API_KEY,
    CONNECTION_PASSWORD,
    CONNECTION_TOKEN,
    WRONG_PASSWORD,
    LEGACY_PASSWORD,
    "test-password",
    basic_header_value("admin", "test-password"),
    basic_header_value("admin", WRONG_PASSWORD),
)


class Flaky(httpx.BaseTransport):
    """The real Prefect, except for requests the test chooses to fail."""

    def __init__(self) -> None:
        self.inner = httpx.HTTPTransport()
        self.fail_with: httpx.Response | type[Exception] | None = None
        self.authorizations: set[str] = set()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.authorizations.add(request.headers.get("Authorization", ""))
        if isinstance(self.fail_with, type):
            raise self.fail_with("injected", request=request)
        if self.fail_with is not None:
            return self.fail_with
        return self.inner.handle_request(request)


@pytest.fixture
def flaky() -> Flaky:
    return Flaky()


@pytest.fixture
def keyed_api(settings, flaky):
    app = create_app(
        settings.model_copy(
            update={
                "prefect_api_key": SecretStr(API_KEY),
                "prefect_retries": 2,  # a write burst on SQLite may 503 once; injected failures fail every try
                "test_connection": "Enabled",
                "test_connection_timeout": 1,
                "expose_config": True,
            }
        ),
        prefect_transport=flaky,
    )
    validated(app)
    return ApiClient(app)


def test_no_secret_in_any_log_line_or_error_body(keyed_api, flaky, caplog):
    caplog.set_level(logging.DEBUG)
    responses = []

    def call(method: str, path: str, **kwargs):
        response = keyed_api.request(method, path, **kwargs)
        responses.append(response)
        return response

    # Failed logins of every shape.
    wrong = {"Authorization": "Basic " + basic_header_value("admin", WRONG_PASSWORD)}
    assert call("GET", "/dags", auth=False, headers=wrong).status_code == 401
    assert call("GET", "/dags", auth=False, headers={"Authorization": "Basic " + WRONG_PASSWORD}).status_code == 401
    assert call("GET", "/dags", auth=False, headers={"Authorization": "Bearer " + WRONG_PASSWORD}).status_code == 401
    bad_bytes = base64.b64encode(b"admin:\xff" + WRONG_PASSWORD.encode()).decode()
    assert call("GET", "/dags", auth=False, headers={"Authorization": "Basic " + bad_bytes}).status_code == 401

    # Connections with secrets: made, read, listed, patched, tested, refused.
    connection_id = f"secret_scenario_{uuid.uuid4().hex[:8]}"
    body = {
        "connection_id": connection_id,
        "conn_type": "postgres",
        "host": "127.0.0.1",
        "port": _closed_port(),
        "login": "etl",
        "password": CONNECTION_PASSWORD,
        "extra": json.dumps({"token": CONNECTION_TOKEN}),
    }
    try:
        assert call("POST", "/connections", json=body).status_code == 200
        assert call("POST", "/connections", json=body).status_code == 409
        assert call("GET", f"/connections/{connection_id}").status_code == 200
        assert call("GET", "/connections").status_code == 200
        patch = {**body, "password": CONNECTION_PASSWORD + "x"}
        assert call("PATCH", f"/connections/{connection_id}", json=patch).status_code == 200
        assert call("POST", "/connections/test", json=body).status_code == 200
        assert call("POST", "/connections", json={**body, "port": "not a port"}).status_code == 400
        assert call("POST", "/connections", json={**body, "unknown": CONNECTION_PASSWORD}).status_code == 400
        assert call("GET", "/config").status_code == 200

        # Prefect failing underneath: garbage, a 500 echoing what it was sent, a dead connection.
        flaky.fail_with = httpx.Response(200, text="<html>" + API_KEY)
        assert call("GET", f"/connections/{connection_id}").status_code == 502
        flaky.fail_with = httpx.Response(500, json={"detail": f"bad request with {CONNECTION_PASSWORD}"})
        assert call("PATCH", f"/connections/{connection_id}", json=patch).status_code == 502
        flaky.fail_with = httpx.ConnectError
        assert call("POST", "/connections", json={**body, "connection_id": connection_id + "2"}).status_code == 503
        flaky.fail_with = httpx.ReadTimeout
        assert call("GET", "/dags").status_code == 504
    finally:
        flaky.fail_with = None
        keyed_api.delete(f"/connections/{connection_id}")

    assert flaky.authorizations == {f"Bearer {API_KEY}"}  # the key was in use, only towards Prefect
    for response in responses:
        text = response.get_data(as_text=True) + str(response.headers)
        assert "Traceback" not in text
        for secret in SECRETS:
            assert secret not in text, (response.request.path, response.status_code)
    assert caplog.records, "the scenario logged nothing: the check would prove nothing"
    for secret in SECRETS:
        assert secret not in caplog.text


def test_a_legacy_airflow_refusing_the_bridges_password_logs_no_password(settings, caplog):
    caplog.set_level(logging.DEBUG)
    refused = httpx.MockTransport(lambda request: httpx.Response(401, json={"title": "Unauthorized"}))
    seen = []

    def legacy(request: httpx.Request) -> httpx.Response:
        seen.append(request.headers.get("Authorization"))
        return refused.handle_request(request)

    app = create_app(
        settings.model_copy(
            update={
                "legacy_airflow_url": "http://legacy.invalid",
                "legacy_airflow_password": SecretStr(LEGACY_PASSWORD),
            }
        ),
        legacy_transport=httpx.MockTransport(legacy),
    )
    response = app.test_client().get("/api/v1/dags", headers=AUTH)
    assert response.status_code >= 500
    assert seen and all(value == "Basic " + basic_header_value("admin", LEGACY_PASSWORD) for value in seen)
    assert LEGACY_PASSWORD not in response.get_data(as_text=True)
    assert LEGACY_PASSWORD not in caplog.text
    assert basic_header_value("admin", LEGACY_PASSWORD) not in caplog.text


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
