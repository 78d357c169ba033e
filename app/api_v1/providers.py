"""GET /providers: none.

Airflow providers are packages of operators and hooks installed next to
Airflow. Their Prefect counterparts (integrations such as prefect-aws) are
installed where the flows run, which Prefect's server does not know, and
the bridge runs no flow code: so it lists no provider rather than guess.
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.api_v1 import serialize
from app.api_v1.params import Query
from app.api_v1.upstream import prefect_calls

blueprint = Blueprint("providers", __name__)


@blueprint.get("/providers")
@prefect_calls()
def get_providers():
    Query([])
    return jsonify(serialize.empty_collection("providers"))
