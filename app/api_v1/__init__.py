"""Airflow 2.10's stable REST API (v1), served at /api/v1."""

from __future__ import annotations

from flask import Blueprint, Flask

from app.api_v1 import (
    connections,
    dag_runs,
    dags,
    logs,
    monitoring,
    pools,
    task_instances,
    task_tries,
    tasks,
    variables,
    xcom,
)
from app.api_v1.auth import require_basic_auth

PREFIX = "/api/v1"


def register(app: Flask) -> None:
    public = Blueprint("api_v1_public", __name__, url_prefix=PREFIX)
    public.register_blueprint(monitoring.blueprint)

    protected = Blueprint("api_v1", __name__, url_prefix=PREFIX)
    protected.before_request(require_basic_auth)
    protected.register_blueprint(dags.blueprint)
    protected.register_blueprint(dag_runs.blueprint)
    protected.register_blueprint(task_instances.blueprint)
    protected.register_blueprint(task_tries.blueprint)
    protected.register_blueprint(logs.blueprint)
    protected.register_blueprint(xcom.blueprint)
    protected.register_blueprint(tasks.blueprint)
    protected.register_blueprint(variables.blueprint)
    protected.register_blueprint(connections.blueprint)
    protected.register_blueprint(pools.blueprint)

    app.register_blueprint(public)
    app.register_blueprint(protected)
