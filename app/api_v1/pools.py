"""Pool operations of the v1 API; a pool is a Prefect global concurrency limit (app/translate/pools.py)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from app.api_v1.params import PAGING, Body, Query
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import BadRequest
from app.translate.airflow import Pool
from app.translate.pools import DEFAULT_POOL, READ_ONLY, WRITABLE, pool_order

blueprint = Blueprint("pools", __name__)

POOL_FIELDS = ("name", "slots", *READ_ONLY, "description", "include_deferred")
#: Reading one pool's limit by name; default_pool is created on its first use (read back if another request won).
READ_LIMIT = ("GET /v2/concurrency_limits/{name}", "POST /v2/concurrency_limits/")
#: A pool's description and include_deferred live in a block document named after its limit.
READ_METADATA = "GET /block_types/slug/{slug}/block_documents/name/{name}"
#: The first metadata of a pool: the block type registered (once per process), then its document.
CREATE_METADATA = (
    "POST /block_types/",
    "GET /block_types/slug/{slug}",
    "POST /block_schemas/",
    "POST /block_documents/",
)


@blueprint.get("/pools")
@prefect_calls(
    "POST /v2/concurrency_limits/filter",
    "POST /v2/concurrency_limits/",
    "GET /v2/concurrency_limits/{name}",
    "POST /block_documents/filter",
)
def get_pools():
    query = Query([*PAGING, "order_by"])
    bridge = current_bridge()
    page = query.page()
    found = bridge.pools.list_pools(pool_order(query.text("order_by") or "id"), page)
    return jsonify({"pools": [_pool(each) for each in found.pools], "total_entries": found.total})


@blueprint.get("/pools/<pool_name>")
@prefect_calls(*READ_LIMIT, READ_METADATA)
def get_pool(pool_name: str):
    Query([])
    return jsonify(_pool(current_bridge().pools.get(pool_name)))


@blueprint.post("/pools")
@prefect_calls("POST /v2/concurrency_limits/", *CREATE_METADATA)
def post_pool():
    Query([])
    body = Body(WRITABLE)
    _require_name_and_slots(body)
    fields = _fields(body)
    pool = current_bridge().pools.create(
        fields["name"], fields["slots"], {key: fields.get(key) for key in ("description", "include_deferred")}
    )
    return jsonify(_pool(pool))


@blueprint.patch("/pools/<pool_name>")
@prefect_calls(
    *READ_LIMIT, "PATCH /v2/concurrency_limits/{id}", READ_METADATA, "PATCH /block_documents/{id}", *CREATE_METADATA
)
def patch_pool(pool_name: str):
    query = Query(["update_mask"])
    update_mask = [field.strip() for field in query.texts("update_mask")]
    body = Body(WRITABLE)
    renames_default = pool_name == DEFAULT_POOL and body.data.get("name") != DEFAULT_POOL
    if renames_default and not (update_mask and set(update_mask) <= {"slots", "include_deferred"}):
        raise BadRequest("Default Pool's name can't be modified")
    fields = _fields(body)
    if update_mask:
        for field in update_mask:
            if field not in POOL_FIELDS:
                raise BadRequest(f"Invalid field: {field} in update mask")
            if field not in fields:
                raise BadRequest(f"'{field}' is unknown or cannot be updated.")
        fields = {field: fields[field] for field in update_mask}
    else:
        _require_name_and_slots(body)
    return jsonify(_pool(current_bridge().pools.update(pool_name, fields)))


@blueprint.delete("/pools/<pool_name>")
@prefect_calls(
    "GET /v2/concurrency_limits/{name}",
    "DELETE /v2/concurrency_limits/{id}",
    READ_METADATA,
    "DELETE /block_documents/{id}",
)
def delete_pool(pool_name: str):
    Query([])
    current_bridge().pools.delete(pool_name)
    return Response(status=204)


def _require_name_and_slots(body: Body) -> None:
    missing = sorted({"name", "slots"} - set(body.data))
    if missing:
        raise BadRequest(f"Missing required property(ies): {missing}")


def _fields(body: Body) -> dict[str, Any]:
    """The writable fields present in the body, type-checked as Airflow's schema does."""
    fields: dict[str, Any] = {}
    if "name" in body.data:
        fields["name"] = body.text("name")
    if "slots" in body.data:
        fields["slots"] = body.integer("slots", 0)
        if fields["slots"] < 0:
            raise BadRequest("{'slots': ['Must be 0 or more: a Prefect concurrency limit cannot be unlimited (-1).']}")
    if "description" in body.data:
        fields["description"] = body.text("description")
    if "include_deferred" in body.data:
        fields["include_deferred"] = body.boolean("include_deferred", False)
    return fields


def _pool(pool: Pool) -> dict[str, Any]:
    return {name: getattr(pool, name) for name in POOL_FIELDS}
