"""Variable operations of the v1 API; a variable is a Prefect variable (app/translate/variables.py)."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from app.api_v1.params import PAGING, Body, Query, required, schema_errors
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import BadRequest
from app.services.variables import UNSET
from app.translate.airflow import Variable
from app.translate.variables import variable_order

blueprint = Blueprint("variables", __name__)

VARIABLE_KEYS = ("key", "value", "description")
INVALID_SCHEMA = "Invalid Variable schema"


@blueprint.get("/variables")
@prefect_calls("POST /variables/count", "POST /variables/filter")
def get_variables():
    query = Query([*PAGING, "order_by"])
    bridge = current_bridge()
    page = query.page()
    found = bridge.variables.list_variables(variable_order(query.text("order_by", "id")), page)
    return jsonify({"variables": [_variable(each) for each in found.variables], "total_entries": found.total})


@blueprint.get("/variables/<path:variable_key>")
@prefect_calls("GET /variables/name/{name}")
def get_variable(variable_key: str):
    Query([])
    return jsonify(_variable(current_bridge().variables.get(variable_key)))


@blueprint.post("/variables")
@prefect_calls("POST /variables/", "GET /variables/name/{name}", "PATCH /variables/name/{name}")
def post_variables():
    """Create a variable; an existing key is overwritten with a 200, as Airflow 2's `Variable.set` does."""
    Query([])
    variable = _read_variable()
    return jsonify(_variable(current_bridge().variables.set(variable)))


@blueprint.patch("/variables/<path:variable_key>")
@prefect_calls("GET /variables/name/{name}", "PATCH /variables/name/{name}")
def patch_variable(variable_key: str):
    query = Query(["update_mask"])
    variable = _read_variable()
    if variable.key != variable_key:
        raise BadRequest("key from request body doesn't match uri parameter", title="Invalid post body")
    given: dict[str, str] = {"value": variable.value}
    if variable.description is not None:  # absent from the body: left as it is
        given["description"] = variable.description
    update_mask = query.texts("update_mask")
    if update_mask:
        for field in update_mask:
            if field.strip() not in given:
                raise BadRequest(f"'{field}' is unknown or cannot be updated.")
        given = {field.strip(): given[field.strip()] for field in update_mask}
    service = current_bridge().variables
    updated = service.update(variable_key, given.get("value", UNSET), given.get("description", UNSET))
    return jsonify(_variable(updated))


@blueprint.delete("/variables/<path:variable_key>")
@prefect_calls("DELETE /variables/name/{name}")
def delete_variable(variable_key: str):
    Query([])
    current_bridge().variables.delete(variable_key)
    return Response(status=204)


def _read_variable() -> Variable:
    with schema_errors(INVALID_SCHEMA):
        body = Body(VARIABLE_KEYS)
        required(body, ("key", "value"))
        return Variable(key=body.text("key"), value=body.text("value"), description=body.text("description"))


def _variable(variable: Variable) -> dict:
    return {"key": variable.key, "value": variable.value, "description": variable.description}
