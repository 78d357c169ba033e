"""User operations of the v1 API, by FAB provider 1.5.3's rules; a user is a Prefect block document.

The rules: app/translate/users.py; the store: app/services/users.py.

Who may call them (an admin's rights) is decided with the other permissions;
these handlers never read or return a password.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from app.api_v1.params import PAGING, Body, Query, required
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import BadRequest
from app.translate.users import (
    DEFAULT_ROLE,
    REQUIRED_FIELDS,
    WRITABLE_FIELDS,
    UserRecord,
    airflow_user,
    check_lengths,
)

blueprint = Blueprint("users", __name__)

READ_USERS = "POST /block_documents/filter"
#: Registering the bridge's block type (once per process) and creating a user's document.
CREATE_DOCUMENT = (
    "POST /block_types/",
    "GET /block_types/slug/{slug}",
    "POST /block_schemas/",
    "POST /block_documents/",
)


@blueprint.get("/users")
@prefect_calls(READ_USERS)
def get_users():
    query = Query([*PAGING, "order_by"])
    page = query.page()
    found = current_bridge().users.page(query.text("order_by"), page)
    return jsonify({"users": [airflow_user(user) for user in found.users], "total_entries": found.total})


@blueprint.get("/users/<path:username>")
@prefect_calls(READ_USERS)
def get_user(username: str):
    Query([])
    return jsonify(airflow_user(current_bridge().users.get(username)))


@blueprint.post("/users")
@prefect_calls(READ_USERS, *CREATE_DOCUMENT)
def post_user():
    Query([])
    fields, password = _user_body()
    roles = fields.pop("roles", None) or [DEFAULT_ROLE]  # FAB's registered-user role when none is given
    user = UserRecord(roles=tuple(roles), **fields)
    return jsonify(airflow_user(current_bridge().users.create(user, password)))


@blueprint.patch("/users/<path:username>")
@prefect_calls(READ_USERS, "PATCH /block_documents/{id}", "DELETE /block_documents/{id}", *CREATE_DOCUMENT)
def patch_user(username: str):
    query = Query(["update_mask"])
    fields, password = _user_body()
    given = {**fields, **({} if password is None else {"password": password})}
    update_mask = query.texts("update_mask") if "update_mask" in query.args else None
    if update_mask is not None:
        missing = [field.strip() for field in update_mask if field.strip() not in given]
        if missing:
            raise BadRequest(f"Unknown update masks: {', '.join(repr(name) for name in missing)}")
        given = {field.strip(): given[field.strip()] for field in update_mask}
    password = given.pop("password", None)
    if "roles" in given:
        given["roles"] = tuple(given["roles"])
    return jsonify(airflow_user(current_bridge().users.update(username, given, password)))


@blueprint.delete("/users/<path:username>")
@prefect_calls(READ_USERS, "DELETE /block_documents/{id}")
def delete_user(username: str):
    Query([])
    current_bridge().users.delete(username)
    return Response(status=204)


def _user_body() -> tuple[dict[str, Any], str | None]:
    """Airflow's `UserSchema` load: the whole user (PATCH too), typed; the password apart."""
    body = Body(WRITABLE_FIELDS)
    required(body, REQUIRED_FIELDS)
    fields: dict[str, Any] = {name: body.text(name) for name in REQUIRED_FIELDS}
    password = body.text("password")
    check_lengths({**fields, "password": password})
    if "roles" in body.data:
        fields["roles"] = _role_names(body.data["roles"])
    return fields, password


def _role_names(roles: Any) -> list[str]:
    """`roles: [{"name": ...}]`, as marshmallow's nested RoleSchema(only=("name",)) loads it."""
    if not isinstance(roles, list):
        raise BadRequest(str({"roles": ["Not a valid list."]}))
    names = []
    for index, role in enumerate(roles):
        if not isinstance(role, dict) or set(role) - {"name"} or not isinstance(role.get("name"), str):
            raise BadRequest(str({"roles": {index: {"name": ["Missing data for required field."]}}}))
        names.append(role["name"])
    return names
