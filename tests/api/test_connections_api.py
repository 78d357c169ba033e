"""Connection operations against the real Prefect server."""

import json
import socket
import uuid

import httpx
import pytest

from app import create_app
from conftest import ApiClient, validated
from support.prefect_stack import prefect_call


def unique_id(prefix: str = "Api.conn") -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


@pytest.fixture
def make_connection(api):
    """POST connections; every one is deleted at teardown."""
    ids = []

    def make(connection_id: str, **fields) -> dict:
        body = {"connection_id": connection_id, "conn_type": "postgres", **fields}
        response = api.post("/connections", json=body)
        assert response.status_code == 200, response.get_json()
        ids.append(connection_id)
        return response.get_json()

    yield make
    for connection_id in ids:
        api.delete(f"/connections/{connection_id}")


def test_create_read_and_delete_never_shows_the_password(api, make_connection, prefect_stack):
    connection_id = unique_id("Warehouse.DB")
    extra = json.dumps({"sslmode": "require", "api_key": "k-123", "nested": {"token": "t"}})
    created = make_connection(
        connection_id, host="db.internal", port=5432, login="etl", password="s3cret", schema="public", extra=extra
    )
    assert "password" not in created
    read = api.get(f"/connections/{connection_id}").get_json()
    assert read == created
    assert read["host"] == "db.internal" and read["port"] == 5432 and read["schema"] == "public"
    assert json.loads(read["extra"]) == {"sslmode": "require", "api_key": "***", "nested": {"token": "***"}}
    # Prefect keeps password and extra as secrets of the block document.
    name = "-warehouse-1-d-b-0" + connection_id.rsplit("_", 1)[1]
    url = f"{prefect_stack.api_url}/block_types/slug/airflow-connection/block_documents/name/{name}"
    stored = prefect_call("GET", url).json()["data"]
    assert stored["password"] == "********" and stored["extra"] == "********" and stored["login"] == "etl"
    assert prefect_call("GET", url, params={"include_secrets": "true"}).json()["data"]["password"] == "s3cret"

    assert api.delete(f"/connections/{connection_id}").status_code == 204
    missing = api.get(f"/connections/{connection_id}")
    assert missing.status_code == 404
    assert missing.get_json()["title"] == "Connection not found"
    assert missing.get_json()["detail"] == f"The Connection with connection_id: `{connection_id}` was not found"
    assert api.delete(f"/connections/{connection_id}").status_code == 404


def test_duplicate_and_invalid_ids(api, make_connection):
    connection_id = unique_id()
    make_connection(connection_id)
    again = api.post("/connections", json={"connection_id": connection_id, "conn_type": "http"})
    assert again.status_code == 409
    assert again.get_json()["detail"] == f"Connection already exist. ID: {connection_id}"
    spaced = api.post("/connections", json={"connection_id": "a b", "conn_type": "http"})
    assert (
        spaced.status_code == 400
        and "alphanumeric characters, dashes, dots and underscores" in spaced.get_json()["detail"]
    )
    missing = api.post("/connections", json={"host": "x"})
    assert missing.get_json()["detail"] == (
        "{'connection_id': ['Missing data for required field.'], 'conn_type': ['Missing data for required field.']}"
    )
    assert api.post("/connections", json={"connection_id": "x", "conn_type": "http", "port": "80"}).status_code == 400


def test_patch_with_and_without_update_mask(api, make_connection):
    connection_id = unique_id()
    make_connection(connection_id, host="a", password="p1", description="first")
    masked = api.patch(
        f"/connections/{connection_id}?update_mask=host,port", json={"host": "b", "port": 8080, "login": "ignored"}
    )
    assert masked.status_code == 200
    assert (masked.get_json()["host"], masked.get_json()["port"], masked.get_json()["login"]) == ("b", 8080, None)
    whole = api.patch(
        f"/connections/{connection_id}", json={"connection_id": connection_id, "conn_type": "mysql", "password": "p2"}
    )
    assert whole.get_json()["conn_type"] == "mysql" and whole.get_json()["host"] == "b"
    assert whole.get_json()["description"] == "first" and "password" not in whole.get_json()


@pytest.mark.parametrize(
    ("path", "body", "status", "detail"),
    [
        ("/connections/{id}", {"connection_id": "other"}, 400, "The connection_id cannot be updated."),
        (
            "/connections/{id}?update_mask=connection_id",
            {"connection_id": "{id}"},
            400,
            "'connection_id' is unknown or cannot be updated.",
        ),
        ("/connections/{id}?update_mask=host", {"port": 1}, 400, "'host' is unknown or cannot be updated."),
        ("/connections/{id}", {"nope": 1}, 400, "{'nope': ['Unknown field.']}"),
        (
            "/connections/no_such_conn",
            {"host": "x"},
            404,
            "The Connection with connection_id: `no_such_conn` was not found",
        ),
    ],
)
def test_patch_errors(api, make_connection, path, body, status, detail):
    connection_id = unique_id()
    make_connection(connection_id)
    body = {
        key: value.replace("{id}", connection_id) if isinstance(value, str) else value for key, value in body.items()
    }
    response = api.patch(path.replace("{id}", connection_id), json=body)
    assert response.status_code == status and response.get_json()["detail"] == detail


def test_list_pages_and_orders(api, make_connection, prefect_calls):
    prefix = f"list_{uuid.uuid4().hex[:6]}"
    for n in range(3):
        make_connection(f"{prefix}_{n}", host="h")
    everything = api.get("/connections?limit=100").get_json()
    total = everything["total_entries"]
    ids = [each["connection_id"] for each in everything["connections"]]
    assert {f"{prefix}_{n}" for n in range(3)} <= set(ids) and total == len(ids)
    assert all(
        set(each) == {"connection_id", "conn_type", "description", "host", "login", "schema", "port"}
        for each in everything["connections"]
    )
    descending = [
        each["connection_id"] for each in api.get("/connections?order_by=-connection_id").get_json()["connections"]
    ]
    assert descending == ids[::-1]
    prefect_calls.reset()
    walked = []
    for offset in range(total):
        page = api.get(f"/connections?limit=1&offset={offset}").get_json()
        assert page["total_entries"] == total
        walked += [each["connection_id"] for each in page["connections"]]
    assert walked == ids and len(prefect_calls.calls) == 2 * total
    by_port = [each["port"] for each in api.get("/connections?order_by=-port&limit=100").get_json()["connections"]]
    assert by_port == [None] * by_port.count(None) + sorted((p for p in by_port if p is not None), reverse=True)
    oldest_first = api.get("/connections?order_by=id&limit=100").get_json()["connections"]
    ours = [each["connection_id"] for each in oldest_first if each["connection_id"].startswith(prefix)]
    assert ours == [f"{prefix}_{n}" for n in range(3)]
    assert api.get("/connections?order_by=nope").status_code == 400
    assert api.get("/connections?limit=-1").status_code == 400


def test_testing_connections_is_disabled_by_default(api):
    response = api.post("/connections/test", json={"connection_id": "x", "conn_type": "http"})
    assert response.status_code == 403
    assert response.get_json()["detail"].startswith("Testing connections is disabled")


def test_enabled_testing_opens_a_tcp_connection(settings, prefect_stack):
    app = create_app(settings.model_copy(update={"test_connection": "Enabled", "test_connection_timeout": 2}))
    checker = validated(app)
    api = ApiClient(app)
    port = httpx.URL(prefect_stack.api_url).port
    reachable = api.post(
        "/connections/test", json={"connection_id": "x", "conn_type": "http", "host": "127.0.0.1", "port": port}
    )
    assert reachable.get_json()["status"] is True
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed_port = unused.getsockname()[1]  # bound, never listening: refused
        refused = api.post(
            "/connections/test",
            json={"connection_id": "x", "conn_type": "http", "host": "127.0.0.1", "port": closed_port},
        )
    assert refused.get_json()["status"] is False and "Could not open a TCP connection" in refused.get_json()["message"]
    no_port = api.post("/connections/test", json={"connection_id": "x", "conn_type": "http", "host": "h"})
    assert no_port.get_json()["status"] is False
    assert api.post("/connections/test", json={"conn_type": "http"}).status_code == 400
    assert not checker.failures
