"""The operation list against the pinned spec, and the 501 fallback built from it."""

from flask import Blueprint, Flask

from app import create_app
from app.api_v1 import PREFIX
from app.api_v1.not_implemented import BLUEPRINT, fallback_blueprint, path_shape, served_operations
from app.api_v1.operations import V1_OPERATIONS
from app.api_v1.problems import render
from app.errors import BridgeError
from app.settings import Settings
from support.airflow_spec import HTTP_METHODS, load_v1_spec


def spec_operations() -> set[tuple[str, str, str]]:
    spec = load_v1_spec()
    return {
        (method.upper(), path, operation["operationId"])
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def test_the_list_is_exactly_the_operations_of_the_pinned_spec():
    listed = [(op.method, op.path, op.operation_id) for op in V1_OPERATIONS]
    assert len(listed) == len(set(listed)), "an operation is listed twice"
    assert set(listed) == spec_operations()


def test_every_reason_says_something():
    for operation in V1_OPERATIONS:
        assert operation.reason is None or len(operation.reason) > 40, operation.operation_id


def test_path_shapes_of_flask_rules_and_spec_templates_compare_equal():
    assert path_shape("/dags/<dag_id>/dagRuns/<path:run>") == path_shape("/dags/{dag_id}/dagRuns/{dag_run_id}")
    assert path_shape("/dags/~/dagRuns/list") == "/dags/~/dagRuns/list"


def app_serving(*rules: tuple[str, str]) -> Flask:
    """An app whose only real routes are `rules` (method, Flask path), with the fallback registered after them."""
    app = Flask(__name__)
    app.register_error_handler(BridgeError, render)
    real = Blueprint("real", __name__)
    for number, (method, path) in enumerate(rules):
        real.add_url_rule(path, f"handler{number}", lambda **_: "real", methods=[method])
    app.register_blueprint(real, url_prefix=PREFIX)
    served = served_operations(app, PREFIX)
    missing = [op for op in V1_OPERATIONS if op not in served]
    app.register_blueprint(fallback_blueprint(missing, lambda: None), url_prefix=PREFIX)
    return app


def test_an_operation_a_blueprint_starts_serving_leaves_the_501_set():
    app = app_serving(("GET", "/variables/<key>"), ("POST", "/variables"))
    fallbacks = {rule.endpoint for rule in app.url_map.iter_rules() if rule.endpoint.startswith(BLUEPRINT + ".")}
    assert f"{BLUEPRINT}.get_variable" not in fallbacks and f"{BLUEPRINT}.post_variables" not in fallbacks
    assert f"{BLUEPRINT}.get_variables" in fallbacks and f"{BLUEPRINT}.delete_variable" in fallbacks
    assert len(fallbacks) == len(V1_OPERATIONS) - 2
    client = app.test_client()
    assert client.get("/api/v1/variables/some_key").get_data(as_text=True) == "real"
    # Another method on a served path still falls back to its own 501.
    answer = client.delete("/api/v1/variables/some_key")
    assert answer.status_code == 501 and answer.get_json()["detail"].startswith("delete_variable is not available: ")


def test_every_route_of_the_app_is_a_listed_operation():
    app = create_app(Settings(auth_enabled=False))
    listed = {(op.method, path_shape(op.path)) for op in V1_OPERATIONS}
    routes = {
        (method, path_shape(rule.rule.removeprefix(PREFIX)))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(PREFIX + "/")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert routes - listed == set(), "routes that are no operation of the spec"
    assert listed - routes == set(), "operations with neither a handler nor a 501"


def test_a_served_operation_has_no_reason_and_a_501_operation_has_one():
    served = served_operations(create_app(Settings(auth_enabled=False)), PREFIX)
    stale = [op.operation_id for op in V1_OPERATIONS if op in served and op.reason is not None]
    unexplained = [op.operation_id for op in V1_OPERATIONS if op not in served and op.reason is None]
    assert not stale, "served operations that still carry a 501 reason"
    assert not unexplained, "501 operations without a reason"


def test_no_reason_promises_later_work():
    for operation in V1_OPERATIONS:
        reason = (operation.reason or "").lower()
        assert "not implemented yet" not in reason and "later" not in reason, operation.operation_id
