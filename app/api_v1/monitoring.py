"""GET /health and GET /version: no authentication, as in Airflow."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Blueprint, jsonify

from app import __version__
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.translate.dates import format_datetime

blueprint = Blueprint("monitoring", __name__)

AIRFLOW_API_VERSION = "2.10.5"


@blueprint.get("/health")
@prefect_calls("GET /health")
def get_health():
    """Prefect's health stands for Airflow's metadatabase and scheduler.

    Prefect's server runs its scheduler in-process, so one health check
    answers both; the triggerer and DAG processor do not exist in Prefect
    and report no status, as in an Airflow without them.
    """
    healthy = current_bridge().prefect.is_healthy()
    status = "healthy" if healthy else "unhealthy"
    heartbeat = format_datetime(datetime.now(UTC)) if healthy else None
    return jsonify(
        {
            "metadatabase": {"status": status},
            "scheduler": {"status": status, "latest_scheduler_heartbeat": heartbeat},
            "triggerer": {"status": None, "latest_triggerer_heartbeat": None},
            "dag_processor": {"status": None, "latest_dag_processor_heartbeat": None},
        }
    )


@blueprint.get("/version")
@prefect_calls()
def get_version():
    return jsonify({"version": AIRFLOW_API_VERSION, "git_version": f"airflow-prefect-bridge-{__version__}"})
