"""GET /plugins: none. Airflow plugins extend Airflow's own processes; the bridge loads none."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.api_v1 import serialize
from app.api_v1.params import PAGING, Query
from app.api_v1.upstream import prefect_calls

blueprint = Blueprint("plugins", __name__)


@blueprint.get("/plugins")
@prefect_calls()
def get_plugins():
    query = Query(PAGING)
    query.page()
    return jsonify(serialize.empty_collection("plugins"))
