"""Connection operations of the v1 API; a connection is a Prefect block document (app/translate/connections.py)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.api_v1.params import PAGING, Body, Query, required
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import BadRequest, PermissionDenied
from app.services.connection_test import tcp_check
from app.translate.airflow import Connection
from app.translate.connections import FIELDS, redacted_extra

blueprint = Blueprint("connections", __name__)

BODY_KEYS = ("connection_id", *FIELDS)
LISTED = ("connection_id", "conn_type", "description", "host", "login", "schema", "port")
TEXT_FIELDS = ("conn_type", "description", "host", "schema", "login", "password", "extra")
#: Reading one connection: its block document, by the bridge's block type and its name.
READ_CONNECTION = "GET /block_types/slug/{slug}/block_documents/name/{name}"


@blueprint.get("/connections")
@prefect_calls("POST /block_documents/count", "POST /block_documents/filter")
def get_connections():
    query = Query([*PAGING, "order_by"])
    bridge = current_bridge()
    page = query.page()
    found = bridge.connections.list_connections(query.text("order_by"), page)
    items = [{name: getattr(each, name) for name in LISTED} for each in found.connections]
    return jsonify({"connections": items, "total_entries": found.total})


@blueprint.get("/connections/<connection_id>")
@prefect_calls(READ_CONNECTION)
def get_connection(connection_id: str):
    Query([])
    return jsonify(_connection(current_bridge().connections.get(connection_id)))


@blueprint.post("/connections")
@prefect_calls("POST /block_types/", "GET /block_types/slug/{slug}", "POST /block_schemas/", "POST /block_documents/")
def post_connection():
    Query([])
    body = Body(BODY_KEYS)
    required(body, ("connection_id", "conn_type"))
    connection = Connection(connection_id=body.text("connection_id"), **_fields(body))
    return jsonify(_connection(current_bridge().connections.create(connection)))


@blueprint.patch("/connections/<connection_id>")
@prefect_calls(READ_CONNECTION, "PATCH /block_documents/{id}")
def patch_connection(connection_id: str):
    query = Query(["update_mask"])
    body = Body(BODY_KEYS)
    changes = {name: value for name, value in _fields(body).items() if name in body.data}
    given_id = body.text("connection_id")
    if given_id and given_id != connection_id:
        raise BadRequest("The connection_id cannot be updated.")
    update_mask = [field.strip() for field in query.texts("update_mask")]
    for field in update_mask:
        if field not in changes:
            raise BadRequest(f"'{field}' is unknown or cannot be updated.")
    if update_mask:
        changes = {name: changes[name] for name in update_mask}
    return jsonify(_connection(current_bridge().connections.update(connection_id, changes)))


@blueprint.delete("/connections/<connection_id>")
@prefect_calls(READ_CONNECTION, "DELETE /block_documents/{id}")
def delete_connection(connection_id: str):
    Query([])
    current_bridge().connections.delete(connection_id)
    return Response(status=204)


@blueprint.post("/connections/test")
@prefect_calls()
def test_connection():
    """Airflow's default: testing is disabled (a 403).

    With BRIDGE_TEST_CONNECTION=Enabled: a TCP connect to host:port (app/services/connection_test.py).
    """
    Query([])
    settings = current_bridge().settings
    if settings.test_connection != "Enabled":
        raise PermissionDenied(
            "Testing connections is disabled in Airflow configuration. Contact your deployment admin to enable it."
        )
    body = Body(BODY_KEYS)
    required(body, ("connection_id", "conn_type"))
    connection = Connection(connection_id=body.text("connection_id"), **_fields(body))
    status, message = tcp_check(connection, timeout=settings.test_connection_timeout)
    return jsonify({"status": status, "message": message})


def _fields(body: Body) -> dict:
    """The connection's fields from the body, type-checked as Airflow's schema does."""
    fields = {name: body.text(name) for name in TEXT_FIELDS}
    port = body.data.get("port")
    fields["port"] = None if port is None else body.integer("port", 0)
    return fields


def _connection(connection: Connection) -> dict:
    """Airflow's Connection: never the password; extra with sensitive values hidden."""
    return {
        **{name: getattr(connection, name) for name in LISTED},
        "extra": redacted_extra(connection.extra),
    }
