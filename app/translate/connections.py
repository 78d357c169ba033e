"""Airflow connections as documents of the bridge's own Prefect block type.

- connection_id: the block document name is `BLOCK_DOCUMENT_NAMES.to_prefect(id)`
  (app/translate/prefect_names.py): `postgres_default` is `postgres-0default`.
- fields: the document holds conn_type, description, host, schema, login,
  password, port and extra under Airflow's names. The block type
  `airflow-connection` marks password and extra secret, so Prefect keeps
  them encrypted and shows them only to a reader that asks for secrets:
  Airflow extras often hold keys and tokens.
- reading: the password is never returned, as in Airflow; extra is returned
  with the values of sensitive keys (Airflow's list: password, secret,
  token, api_key...) replaced by `***`, as Airflow's serializer does.
- order_by: `connection_id` is Prefect's name order (as for variables, the
  byte order of the ids except that capitals and punctuation sort before
  digits and lower case). Prefect sorts block documents by name only, so
  without order_by the list is in connection_id order (Airflow: creation
  order); `id` (creation order), `conn_type`, `description`, `host` and
  `port` are sorted by the bridge from every connection, read whole (one
  call per 200, at most SCAN_LIMIT).
"""

from __future__ import annotations

import json
import re
from datetime import datetime
from typing import Any

from app.errors import BadRequest
from app.prefect.models import BlockDocument
from app.translate.airflow import Connection
from app.translate.ordering import parse_order_by, postgres_sorted
from app.translate.prefect_names import BLOCK_DOCUMENT_NAMES

FIELDS = ("conn_type", "description", "host", "schema", "login", "password", "port", "extra")
SECRET_FIELDS = ("password", "extra")
AIRFLOW_ORDER_KEYS = ("connection_id", "conn_type", "description", "host", "port", "id")
#: Airflow's DEFAULT_SENSITIVE_FIELDS: an extra key containing one of these has its value hidden.
SENSITIVE_KEYS = (
    "access_token",
    "api_key",
    "apikey",
    "authorization",
    "passphrase",
    "passwd",
    "password",
    "private_key",
    "secret",
    "token",
    "keyfile_dict",
    "service_account",
)
CONNECTION_ID_PATTERN = re.compile(r"^[\w.-]+$")
CONNECTION_ID_MAX_LENGTH = 200

_TEXT = {"anyOf": [{"type": "string"}, {"type": "null"}], "default": None}
BLOCK_TYPE = {
    "name": "Airflow Connection",
    "slug": "airflow-connection",
    "description": "An Airflow connection kept by the Airflow-to-Prefect bridge.",
}
BLOCK_SCHEMA_FIELDS = {
    "title": "AirflowConnection",
    "description": BLOCK_TYPE["description"],
    "type": "object",
    "properties": {
        "conn_type": {"title": "Conn Type", "type": "string"},
        "description": {"title": "Description", **_TEXT},
        "host": {"title": "Host", **_TEXT},
        "schema": {"title": "Schema", **_TEXT},
        "login": {"title": "Login", **_TEXT},
        "password": {"title": "Password", "format": "password", "writeOnly": True, **_TEXT},
        "port": {"title": "Port", "anyOf": [{"type": "integer"}, {"type": "null"}], "default": None},
        "extra": {"title": "Extra", "format": "password", "writeOnly": True, **_TEXT},
    },
    "required": ["conn_type"],
    "block_type_slug": BLOCK_TYPE["slug"],
    "secret_fields": list(SECRET_FIELDS),
    "block_schema_references": {},
}


def check_connection_id(connection_id: str) -> None:
    """Airflow's `validate_key(conn_id, max_length=200)`."""
    if len(connection_id) > CONNECTION_ID_MAX_LENGTH:
        raise BadRequest(f"The key has to be less than {CONNECTION_ID_MAX_LENGTH} characters")
    if not CONNECTION_ID_PATTERN.match(connection_id):
        raise BadRequest(
            f"The key {connection_id!r} has to be made of alphanumeric characters, dashes, dots and underscores "
            "exclusively"
        )


def block_document_to_connection(document: BlockDocument) -> Connection:
    data = document.data
    return Connection(
        connection_id=BLOCK_DOCUMENT_NAMES.to_airflow(document.name or ""),
        conn_type=data.get("conn_type") or "",
        **{name: data.get(name) for name in FIELDS if name != "conn_type"},
    )


def connection_data(connection: Connection) -> dict[str, Any]:
    """The block document data of a connection."""
    return {name: getattr(connection, name) for name in FIELDS}


def redacted_extra(extra: str | None) -> str | None:
    """Airflow's `serialize_extra`: JSON extras with sensitive values hidden; other text as it is."""
    if extra is None:
        return None
    try:
        document = json.loads(extra)
    except json.JSONDecodeError:
        return extra
    return json.dumps(_redact(document))


def _redact(item: Any, key: str | None = None) -> Any:
    if key is not None and any(word in key.strip().lower() for word in SENSITIVE_KEYS):
        return _redact_all(item)
    if isinstance(item, dict):
        return {name: _redact(value, str(name)) for name, value in item.items()}
    if isinstance(item, list):
        return [_redact(value, key) for value in item]
    return item


def _redact_all(item: Any) -> Any:
    if isinstance(item, dict):
        return {name: _redact_all(value) for name, value in item.items()}
    if isinstance(item, list):
        return [_redact_all(value) for value in item]
    return "***" if isinstance(item, str) else item


def connection_sort(order_by: str | None) -> str | None:
    """Prefect's sort for the order; None when the bridge sorts (Prefect sorts block documents by name only)."""
    if order_by is None:
        return "NAME_ASC"
    order = parse_order_by(order_by, AIRFLOW_ORDER_KEYS)
    if order.key != "connection_id":
        return None
    return "NAME_DESC" if order.descending else "NAME_ASC"


def sort_connections(rows: list[tuple[datetime | None, Connection]], order_by: str) -> list[Connection]:
    """(created, connection) pairs in Airflow's order, sorted by the bridge; `id` is creation order."""
    order = parse_order_by(order_by, AIRFLOW_ORDER_KEYS)
    if order.key == "id":
        ordered = postgres_sorted(rows, lambda row: row[0], descending=order.descending)
    else:
        ordered = postgres_sorted(rows, lambda row: getattr(row[1], order.key), descending=order.descending)
    return [connection for _, connection in ordered]
