"""501 Not Implemented for every v1 operation no blueprint serves.

Registered after the real blueprints: each operation of `V1_OPERATIONS`
that no url_map rule serves (same method, same path shape) gets a route
answering Airflow's problem+json with status 501, naming the operationId
and the reason. Behind the same authentication as the rest of the API.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from flask import Blueprint, Flask

from app.api_v1.operations import V1_OPERATIONS, Operation
from app.errors import NotImplementedByBridge

BLUEPRINT = "api_v1_not_implemented"
_FLASK_PARAM = re.compile(r"<[^>]+>")
_SPEC_PARAM = re.compile(r"\{[^}]+\}")


def path_shape(path: str) -> str:
    """A path with every parameter written `{}`: Flask rules and spec templates compare equal."""
    return _SPEC_PARAM.sub("{}", _FLASK_PARAM.sub("{}", path))


def served_operations(app: Flask, prefix: str) -> dict[Operation, str]:
    """Listed operations a real (non-501) rule serves -> that rule's endpoint."""
    rules = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(BLUEPRINT + ".") or not rule.rule.startswith(prefix + "/"):
            continue
        for method in rule.methods or ():
            rules[(method, path_shape(rule.rule.removeprefix(prefix)))] = rule.endpoint
    found = ((op, rules.get((op.method, path_shape(op.path)))) for op in V1_OPERATIONS)
    return {op: endpoint for op, endpoint in found if endpoint is not None}


def fallback_blueprint(missing: Iterable[Operation], before_request: Callable[[], object]) -> Blueprint:
    blueprint = Blueprint(BLUEPRINT, __name__)
    blueprint.before_request(before_request)
    for operation in missing:
        flask_path = _SPEC_PARAM.sub(lambda match: "<" + match.group(0)[1:-1] + ">", operation.path)
        blueprint.add_url_rule(flask_path, operation.operation_id, _answer_501(operation), methods=[operation.method])
    return blueprint


def _answer_501(operation: Operation) -> Callable:
    reason = operation.reason or "the bridge lists it as served, but no handler serves it"

    def not_implemented(**_path_params):
        raise NotImplementedByBridge(f"{operation.operation_id} is not available: {reason}")

    return not_implemented
