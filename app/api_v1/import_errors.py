"""Import errors: Prefect has none to report.

Prefect's server never imports flow code: a deployment is registered by
`prefect deploy` or `serve()`, which fail on the client's side when the
flow cannot be loaded, and a flow that cannot be loaded at run time fails
its flow run (CRASHED), which shows as a failed DAG run. So the list is
always empty and every import_error_id is a 404.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.api_v1 import serialize
from app.api_v1.params import PAGING, Query, check_order_by
from app.api_v1.upstream import prefect_calls
from app.errors import NotFound

blueprint = Blueprint("import_errors", __name__)

IMPORT_ERROR_ORDER_KEYS = ("import_error_id", "timestamp", "filename")


@blueprint.get("/importErrors")
@prefect_calls()
def get_import_errors():
    query = Query([*PAGING, "order_by"])
    query.page()
    check_order_by(query.text("order_by"), IMPORT_ERROR_ORDER_KEYS)
    return jsonify(serialize.empty_collection("import_errors"))


@blueprint.get("/importErrors/<import_error_id>")
@prefect_calls()
def get_import_error(import_error_id: str):
    Query([])
    raise NotFound(
        f"The ImportError with import_error_id: `{import_error_id}` was not found", title="Import error not found"
    )
