"""Role permissions on every v1 operation: after authentication, before routing and the handlers.

The rules are Airflow 2.10's, as data (app/translate/permissions.py `OPERATION_RULES`); the caller's
permissions are its roles' (app/services/roles.py). A violation is Airflow's 403 problem; a DAG the
caller may not read, when it may read others, is the 404 of a DAG that does not exist (no existence
leak). Cost: one dict lookup for built-in roles (see roles.py for custom ones).

Handlers narrow their listings with `readable_dags()` / `editable_dags()`: None for every DAG, else
the dag_ids the caller's `DAG:<dag_id>` grants cover.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request

from app.api_v1.upstream import before_handlers
from app.bridge import current_bridge
from app.errors import PermissionDenied
from app.services.catalog import dag_not_found
from app.translate.permissions import (
    CAN_EDIT,
    CAN_READ,
    DAG_RUNS,
    DAGS,
    OPERATION_RULES,
    Permission,
    Rule,
    Verdict,
    dag_scope,
    decide,
    describe,
)

#: app.extensions key: endpoint -> operationId, for every v1 route (served and 501 alike).
OPERATIONS_BY_ENDPOINT = "api_v1_operations_by_endpoint"
ALL_DAGS = "~"
#: Prefect calls the permission check may make in front of any operation: custom roles re-read, at most every
#: REFRESH_SECONDS per process (app/services/roles.py).
ROLE_CHECK_CALLS = ("POST /block_documents/filter",)
#: The migration page shows every DAG and compares their runs: global read on both.
MIGRATION_PAGE_RULE = Rule("GET", resources=(DAGS, DAG_RUNS))


def remember_operations(app: Flask, endpoints: dict[str, str]) -> None:
    app.extensions[OPERATIONS_BY_ENDPOINT] = endpoints


def authorize_request() -> None:
    """403 (or the DAG's 404) unless the caller's roles allow this v1 operation on this DAG."""
    operation_id = current_app.extensions[OPERATIONS_BY_ENDPOINT].get(request.endpoint)
    if operation_id is None:
        return  # no v1 operation (Flask answers 404/405 itself)
    dag_id = (request.view_args or {}).get("dag_id")
    _enforce(operation_id, OPERATION_RULES[operation_id], None if dag_id == ALL_DAGS else dag_id)


def authorize_migration_page() -> None:
    _enforce("the migration page", MIGRATION_PAGE_RULE, None)


def _enforce(what: str, rule: Rule, dag_id: str | None) -> None:
    verdict = decide(rule, granted(), dag_id)
    if verdict is Verdict.HIDDEN:
        raise dag_not_found(dag_id or "")
    if verdict is Verdict.FORBIDDEN:
        raise PermissionDenied(
            f"User '{g.user.username}' may not use {what}: it needs {describe(rule, dag_id)}, "
            f"which none of its roles ({', '.join(g.user.roles) or 'none'}) grants"
        )


def granted() -> frozenset[Permission]:
    """The caller's permissions, computed once per request."""
    if "permissions" not in g:
        with before_handlers():
            g.permissions = current_bridge().roles.permissions_of(g.user.roles)
    return g.permissions


def readable_dags() -> frozenset[str] | None:
    """The DAGs the caller may read: None for every DAG."""
    return dag_scope(granted(), CAN_READ)


def editable_dags() -> frozenset[str] | None:
    """The DAGs the caller may edit (pause, PATCH /dags): None for every DAG."""
    return dag_scope(granted(), CAN_EDIT)


def scoped(dag_ids: list[str] | None, allowed: frozenset[str] | None) -> list[str] | None:
    """`dag_ids` (None: every DAG) narrowed to the `allowed` ones, as Airflow's listings intersect them."""
    if allowed is None:
        return dag_ids
    if dag_ids is None:
        return sorted(allowed)
    return [dag_id for dag_id in dag_ids if dag_id in allowed]
