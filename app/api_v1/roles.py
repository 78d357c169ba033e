"""Roles and permissions of the v1 API: the FAB provider's role_and_permission_endpoint.py (app/services/roles.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from app.api_v1.params import PAGING, Body, Query, required
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import BadRequest
from app.services.roles import ROLE_ORDER_KEYS, Role
from app.translate.permissions import ACTIONS, Permission

blueprint = Blueprint("roles", __name__)

ROLE_KEYS = ("name", "actions")
READ_ROLES = "POST /block_documents/filter"
READ_ROLE = "GET /block_types/slug/{slug}/block_documents/name/{name}"
CREATE_ROLE = ("POST /block_types/", "GET /block_types/slug/{slug}", "POST /block_schemas/", "POST /block_documents/")


@blueprint.get("/roles")
@prefect_calls(READ_ROLES)
def get_roles():
    query = Query([*PAGING, "order_by"])
    page = query.page()
    order_by = query.text("order_by") or "name"
    # Airflow compares the raw value: "-name" is refused too (its check runs before the `-` is read).
    if order_by not in ROLE_ORDER_KEYS:
        raise BadRequest(f"Ordering with '{order_by}' is disallowed or the attribute does not exist on the model")
    found = current_bridge().roles.list_roles(order_by, page)
    return jsonify({"roles": [_role(each) for each in found.roles], "total_entries": found.total})


@blueprint.get("/roles/<role_name>")
@prefect_calls(READ_ROLES)
def get_role(role_name: str):
    Query([])
    return jsonify(_role(current_bridge().roles.get(role_name)))


@blueprint.post("/roles")
@prefect_calls(READ_ROLE, *CREATE_ROLE)
def post_role():
    Query([])
    body = Body(ROLE_KEYS)
    required(body, ["name"])
    role = current_bridge().roles.create(body.text("name"), _permissions(body))
    return jsonify(_role(role))


@blueprint.patch("/roles/<role_name>")
@prefect_calls(READ_ROLE, "PATCH /block_documents/{id}", "DELETE /block_documents/{id}", *CREATE_ROLE)
def patch_role(role_name: str):
    query = Query(["update_mask"])
    body = Body(ROLE_KEYS)
    required(body, ["name"])
    new_name, added = body.text("name"), _permissions(body) if "actions" in body.data else None
    update_mask = [field.strip() for field in query.texts("update_mask")]
    if update_mask:
        for field in update_mask:
            if field not in ROLE_KEYS:
                raise BadRequest(f"'{field}' in update_mask is unknown")
        new_name = new_name if "name" in update_mask else None
        added = (added or []) if "actions" in update_mask else None
    return jsonify(_role(current_bridge().roles.update(role_name, new_name, added)))


@blueprint.delete("/roles/<role_name>")
@prefect_calls(READ_ROLE, "DELETE /block_documents/{id}")
def delete_role(role_name: str):
    Query([])
    current_bridge().roles.delete(role_name)
    return Response(status=204)


@blueprint.get("/permissions")
@prefect_calls()
def get_permissions():
    """Airflow's actions (the action table: names only, as the FAB provider answers)."""
    page = Query(PAGING).page()
    window = ACTIONS[page.offset : page.offset + page.limit]
    return jsonify({"actions": [{"name": name} for name in window], "total_entries": len(ACTIONS)})


def _permissions(body: Body) -> list[Permission]:
    """The body's `actions`: [{"action": {"name"}, "resource": {"name"}}, ...], checked as marshmallow does."""
    items = body.data.get("actions") or []
    if not isinstance(items, list):
        raise BadRequest("{'actions': ['Not a valid list.']}")
    found = []
    for number, item in enumerate(items):
        if not item:
            continue  # Airflow skips empty items
        action, resource = _name(item, "action", number), _name(item, "resource", number)
        found.append((action, resource))
    return found


def _name(item: Any, key: str, number: int) -> str:
    value = item.get(key) if isinstance(item, dict) else None
    name = value.get("name") if isinstance(value, dict) else None
    if not isinstance(name, str):
        raise BadRequest(f"{{'actions': {{{number}: {{'{key}': {{'name': ['Missing data for required field.']}}}}}}}}")
    return name


def _role(role: Role) -> dict[str, Any]:
    pairs = sorted(role.permissions)
    actions = [{"action": {"name": action}, "resource": {"name": resource}} for action, resource in pairs]
    return {"name": role.name, "actions": actions}
