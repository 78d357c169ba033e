"""The migration status page: `GET /migration` (HTML, or JSON when asked) and `GET /migration.json`.

Outside /api/v1 (it is no Airflow operation), behind the same authentication.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify, request

from app.api_v1.auth import require_basic_auth
from app.api_v1.authorization import authorize_migration_page
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.migration.status_html import status_html

blueprint = Blueprint("migration", __name__)
blueprint.before_request(require_basic_auth)
blueprint.before_request(authorize_migration_page)  # every DAG and its runs: global can_read on DAGs and DAG Runs
#: The page's Prefect calls, whatever the number of DAGs (MigrationService.status).
STATUS_CALLS = (
    "POST /deployments/count",
    "POST /deployments/filter",
    "POST /flows/filter",
    "POST /flow_runs/paginate",
    "POST /artifacts/latest/filter",
)


@blueprint.get("/migration")
@prefect_calls(*STATUS_CALLS)
def get_migration_status():
    """HTML for browsers; JSON when the Accept header prefers it."""
    status = current_bridge().migration.status()
    if request.accept_mimetypes.best_match(["text/html", "application/json"]) == "application/json":
        return jsonify(status.as_json())
    return Response(status_html(status), mimetype="text/html")


@blueprint.get("/migration.json")
@prefect_calls(*STATUS_CALLS)
def get_migration_status_json():
    return jsonify(current_bridge().migration.status().as_json())


def register(app: Flask) -> None:
    app.register_blueprint(blueprint)
