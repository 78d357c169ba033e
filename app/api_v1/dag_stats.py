"""GET /dagStats: run counts per Airflow state for each DAG (rules: app/services/dag_stats.py)."""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.api_v1 import serialize
from app.api_v1.authorization import readable_dags, scoped
from app.api_v1.params import Query
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import BadRequest

blueprint = Blueprint("dag_stats", __name__)


@blueprint.get("/dagStats")
@prefect_calls(
    "POST /deployments/count",
    "POST /deployments/filter",
    "POST /flows/filter",
    "POST /flow_runs/history",
)
def get_dag_stats():
    """Every known DAG of `dag_ids` with every state; unknown dag_ids are left out, as in Airflow."""
    query = Query(["dag_ids"])
    if query.text("dag_ids") is None:
        raise BadRequest("Missing query parameter 'dag_ids'")
    stats = current_bridge().dag_stats.stats(scoped(query.texts("dag_ids"), readable_dags()))
    return jsonify(serialize.dag_stats(stats))
