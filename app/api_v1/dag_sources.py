"""GET /dagSources/{file_token}: a DAG's file_token is its deployment id (app/translate/dags.py).

The content is what Prefect records about the flow's code (app/translate/dag_sources.py),
as text/plain or as JSON `{"content": ...}` by the Accept header, as Airflow does.
"""

from __future__ import annotations

from uuid import UUID

from flask import Blueprint, Response, jsonify

from app.api_v1.authorization import readable_dags
from app.api_v1.params import Query, accepted_media_type
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import NotFound
from app.prefect import PrefectRequestError
from app.translate.dag_sources import source_text

blueprint = Blueprint("dag_sources", __name__)


@blueprint.get("/dagSources/<file_token>")
@prefect_calls("GET /deployments/{id}", "POST /deployments/filter", "POST /flows/filter")
def get_dag_source(file_token: str):
    Query([])
    media_type = accepted_media_type()
    content = source_text(_deployment(file_token))
    if media_type == "text/plain":
        return Response(content, mimetype="text/plain")
    return jsonify({"content": content})


def _deployment(file_token: str):
    not_found = NotFound(f"No DAG has the file token '{file_token}'", title="Dag source not found")
    try:
        deployment_id = UUID(file_token)
    except ValueError:
        raise not_found from None
    bridge = current_bridge()
    try:
        deployment = bridge.prefect.read_deployment(deployment_id)
    except PrefectRequestError as error:
        if error.prefect_status == 404:
            raise not_found from None
        raise
    readable = readable_dags()
    if readable is not None and bridge.catalog.dag_ids([deployment.id]).get(deployment.id) not in readable:
        raise not_found  # per-DAG access: another DAG's file is as unknown as no file
    return deployment
