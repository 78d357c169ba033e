"""Airflow 2.10's stable REST API (v1), served at /api/v1."""

from __future__ import annotations

from flask import Blueprint, Flask, request

from app.api_v1 import (
    config,
    connections,
    dag_runs,
    dag_sources,
    dag_stats,
    dag_warnings,
    dags,
    datasets,
    event_logs,
    extra_links,
    import_errors,
    logs,
    monitoring,
    plugins,
    pools,
    providers,
    roles,
    task_dependencies,
    task_instances,
    task_notes,
    task_tries,
    tasks,
    users,
    variables,
    xcom,
)
from app.api_v1.auth import require_basic_auth
from app.api_v1.authorization import authorize_request, remember_operations
from app.api_v1.not_implemented import BLUEPRINT, fallback_blueprint, served_operations
from app.api_v1.operations import V1_OPERATIONS
from app.api_v1.routing import route_request

PREFIX = "/api/v1"
PUBLIC = "api_v1_public"
PROTECTED = (
    dags,
    dag_runs,
    task_instances,
    task_tries,
    task_notes,
    task_dependencies,
    extra_links,
    logs,
    xcom,
    tasks,
    variables,
    connections,
    pools,
    dag_stats,
    dag_sources,
    dag_warnings,
    import_errors,
    event_logs,
    datasets,
    config,
    plugins,
    providers,
    roles,
    users,
)


def register(app: Flask) -> None:
    public = Blueprint(PUBLIC, __name__, url_prefix=PREFIX)
    public.register_blueprint(monitoring.blueprint)

    protected = Blueprint("api_v1", __name__, url_prefix=PREFIX)
    protected.before_request(authorize_request)  # the roles' permissions, Airflow's 403 (README "Roles")
    protected.before_request(route_request)  # gradual migration: legacy DAGs and merged listings
    for resource in PROTECTED:
        protected.register_blueprint(resource.blueprint)

    app.register_blueprint(public)
    app.register_blueprint(protected)
    # Last, so it sees every real route: 501 for each listed operation none serves.
    served = served_operations(app, PREFIX)
    missing = [operation for operation in V1_OPERATIONS if operation not in served]
    # A legacy DAG's operation the bridge answers 501 for may be one its legacy Airflow serves.
    app.register_blueprint(fallback_blueprint(missing, _authorized_then_routed), url_prefix=PREFIX)
    endpoints = {endpoint: operation.operation_id for operation, endpoint in served.items()}
    endpoints.update({f"{BLUEPRINT}.{operation.operation_id}": operation.operation_id for operation in missing})
    remember_operations(app, endpoints)


def _authorized_then_routed():
    # Authenticated already (by the guards, as every /api/v1 request): the role's permissions, then the route.
    authorize_request()
    return route_request()


def authenticate() -> None:
    """Authenticate every request under /api/v1 but the public operations (/health, /version).

    Whether or not a route matches it (an unknown path, a wrong method, an
    id that decodes to several segments, a 501 operation): no request under
    the prefix gets past it without credentials, and an anonymous client
    learns nothing about routes or ids but "authenticate". Run by the
    guards (app/guards.py), before every blueprint's own hooks.
    """
    if request.path.startswith(PREFIX + "/") and PUBLIC not in request.blueprints:
        require_basic_auth()
