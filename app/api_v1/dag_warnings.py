"""DAG warnings: Prefect has none to report.

Airflow's DAG processor records warnings while parsing DAG files (a DAG
naming a pool that does not exist). Prefect parses no files on the server
and records no warnings about deployments, so the list is always empty;
the parameters and the order are still checked as Airflow checks them.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.api_v1 import serialize
from app.api_v1.params import PAGING, Query, check_order_by
from app.api_v1.upstream import prefect_calls

blueprint = Blueprint("dag_warnings", __name__)

DAG_WARNING_ORDER_KEYS = ("dag_id", "warning_type", "message", "timestamp")


@blueprint.get("/dagWarnings")
@prefect_calls()
def get_dag_warnings():
    query = Query([*PAGING, "order_by", "dag_id", "warning_type"])
    query.page()
    check_order_by(query.text("order_by"), DAG_WARNING_ORDER_KEYS)
    return jsonify(serialize.empty_collection("dag_warnings"))
