"""The bridge on a bad day: Prefect fails, and clients get honest 502/503/504s.

No real Prefect here: an httpx.MockTransport answers from a script, which
is how failures are injected. Every response is held to Airflow's spec, and
none may carry a traceback or the Prefect API key (nor may the logs).
"""

import json
import logging
import uuid
from collections.abc import Callable

import httpx
import pytest

from app import create_app
from app.settings import Settings
from conftest import PASSWORD, REPO, ApiClient
from support.airflow_spec import ValidatingMiddleware, default_validator
from support.identity_prefect import identity_transport

API_KEY = "pnu_topsecret"
RETRIES = 2
FLOW_ID = str(uuid.uuid4())
DEPLOYMENT_ID = str(uuid.uuid4())
RUN_ID = str(uuid.uuid4())
DAG_RUN_ID = "manual__2024-05-01T06:00:00+00:00"

Answer = httpx.Response | type[Exception] | Callable[[httpx.Request], httpx.Response]


def deployment_json() -> dict:
    return {
        "id": DEPLOYMENT_ID,
        "name": "demo",
        "flow_id": FLOW_ID,
        "created": "2024-01-01T00:00:00Z",
        "updated": "2024-01-02T00:00:00Z",
        "description": "Extract, transform and load a few rows.",
        "paused": False,
        "tags": ["demo", "etl"],
        "schedules": [{"id": str(uuid.uuid4()), "active": True, "schedule": {"cron": "0 6 * * *", "timezone": "UTC"}}],
        "entrypoint": "app/demo/flows.py:etl",
        "parameter_openapi_schema": {"type": "object", "properties": {"rows": {"type": "integer", "default": 3}}},
        "parameters": {},
        "enforce_parameter_schema": True,
    }


def flow_json() -> dict:
    return {"id": FLOW_ID, "name": "etl", "created": "2024-01-01T00:00:00Z", "tags": []}


def flow_run_json(name: str = DAG_RUN_ID, expected_start: str = "2024-05-01T06:00:00Z") -> dict:
    return {
        "id": RUN_ID,
        "name": name,
        "flow_id": FLOW_ID,
        "deployment_id": DEPLOYMENT_ID,
        "created": "2024-05-01T06:00:00Z",
        "parameters": {},
        "context": {},
        "tags": ["airflow-bridge", "demo", "etl"],
        "labels": {},
        "state": {"type": "SCHEDULED", "name": "Scheduled", "timestamp": "2024-05-01T06:00:00Z"},
        "state_type": "SCHEDULED",
        "expected_start_time": expected_start,
        "auto_scheduled": False,
        "run_count": 0,
    }


def ok(body, status: int = 200) -> httpx.Response:
    return httpx.Response(status, json=body)


def echo_run(status: int) -> Callable[[httpx.Request], httpx.Response]:
    """Prefect's answer to create_flow_run: the run as the bridge asked for it,
    with 201 (created now) or 200 (an earlier attempt under the same key had created it)."""

    def answer(request: httpx.Request) -> httpx.Response:
        asked = json.loads(request.content)
        run = flow_run_json(asked["name"], asked["state"]["state_details"]["scheduled_time"])
        return ok(run | {"idempotency_key": asked["idempotency_key"], "context": asked["context"]}, status)

    return answer


class FakePrefect:
    """Answers each (method, path) from a script; the last answer repeats, unscripted paths get `default`."""

    def __init__(self) -> None:
        self.script: dict[tuple[str, str], list[Answer]] = {}
        self.default: Answer = httpx.Response(404, json={"detail": "Not found."})
        self.requests: list[httpx.Request] = []

    def on(self, method: str, path: str, *answers: Answer) -> None:
        self.script[(method, path)] = list(answers)

    def attempts(self, method: str, path: str) -> int:
        return sum((request.method, _route(request)) == (method, path) for request in self.requests)

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        answers = self.script.get((request.method, _route(request)), [self.default])
        answer = answers.pop(0) if len(answers) > 1 else answers[0]
        if isinstance(answer, type) and issubclass(answer, Exception):
            raise answer("injected failure", request=request)
        if callable(answer):
            return answer(request)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)  # a fresh copy


def _route(request: httpx.Request) -> str:
    return request.url.path.removeprefix("/api")


class RecordingClient(ApiClient):
    def __init__(self, app) -> None:
        super().__init__(app)
        self.responses = []

    def request(self, *args, **kwargs):
        response = super().request(*args, **kwargs)
        self.responses.append(response)
        return response


@pytest.fixture
def prefect() -> FakePrefect:
    return FakePrefect()


@pytest.fixture
def api(prefect, caplog) -> RecordingClient:
    caplog.set_level(logging.DEBUG)
    settings = Settings(
        prefect_api_url="http://prefect.invalid/api",
        prefect_api_key=API_KEY,
        admin_password=PASSWORD,
        prefect_retries=RETRIES,
        mapping_file=REPO / "mappings" / "dags.toml",
    )
    # Users are read from an in-memory Prefect: the failures injected here are the operation's, not the login's.
    app = create_app(settings, prefect_transport=httpx.MockTransport(prefect), identity_transport=identity_transport())
    checker = ValidatingMiddleware(app.wsgi_app, default_validator())
    app.wsgi_app = checker
    client = RecordingClient(app)
    yield client
    assert not checker.failures, checker.failures
    for response in client.responses:
        text = response.get_data(as_text=True) + str(response.headers)
        assert "Traceback" not in text and API_KEY not in text, text
    assert API_KEY not in caplog.text


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == status
    assert "Prefect" in problem["detail"]
    return problem


# -- reads: retried, then mapped to 502/503/504 ------------------------------------


@pytest.mark.parametrize("status", [503, 429])
def test_prefect_overloaded_every_time_is_503_after_all_retries(api, prefect, status):
    prefect.default = httpx.Response(status, json={"detail": "busy"})
    assert_problem(api.get("/dags"), 503)
    assert prefect.attempts("POST", "/deployments/filter") == 1 + RETRIES
    assert len(prefect.requests) == 1 + RETRIES


def test_prefect_recovering_within_the_retries_is_200(api, prefect):
    busy = httpx.Response(503)
    prefect.on("POST", "/deployments/filter", busy, busy, ok([deployment_json()]))
    prefect.on("POST", "/flows/filter", ok([flow_json()]))
    response = api.get("/dags")
    assert response.status_code == 200
    assert [dag["dag_id"] for dag in response.get_json()["dags"]] == ["example_etl"]
    # Three reads of the estate (two refused, then answered), one of the page's deployments by id.
    assert prefect.attempts("POST", "/deployments/filter") == 4


@pytest.mark.parametrize(
    ("answer", "status"),
    [
        (httpx.ReadTimeout, 504),
        (httpx.ConnectTimeout, 503),  # never reached Prefect: unreachable, not slow
        (httpx.ConnectError, 503),
        (httpx.RemoteProtocolError, 503),
        (httpx.Response(500, json={"exception_message": "Internal Server Error"}), 502),
        (httpx.Response(200, text="<html>oops</html>"), 502),
        (httpx.Response(422, json={"detail": "unknown filter"}), 502),
        (ok([{"nope": 1}]), 502),
        (ok({"nope": 1}), 502),
        (ok({}), 502),
        (ok(None), 502),
        (ok(42), 502),
        (httpx.Response(200), 502),
    ],
    ids=[
        "read-timeout",
        "connect-timeout",
        "connect-error",
        "protocol-error",
        "500",
        "html",
        "422",
        "wrong-items",
        "object",
        "empty-object",
        "null",
        "number",
        "empty-body",
    ],
)
def test_upstream_failure_is_mapped(api, prefect, answer, status):
    prefect.default = answer
    assert_problem(api.get("/dags"), status)


def test_a_dag_of_the_wrong_shape_is_502(api, prefect):
    prefect.on("GET", "/deployments/name/etl/demo", ok({"id": "not-a-uuid", "name": "demo"}))
    assert_problem(api.get("/dags/example_etl"), 502)


def test_prefect_refusing_the_api_key_is_502_naming_the_setting(api, prefect):
    prefect.default = httpx.Response(401, json={"detail": f"Invalid API key {API_KEY}"})
    problem = assert_problem(api.get("/dags/example_etl"), 502)
    assert "PREFECT_API_KEY" in problem["detail"] and API_KEY not in problem["detail"]
    assert prefect.requests[0].headers["Authorization"] == f"Bearer {API_KEY}"  # the key really was in play


def test_health_reports_prefect_down_as_unhealthy(api, prefect):
    prefect.default = httpx.ConnectError
    response = api.get("/health", auth=False)
    assert response.status_code == 200
    assert response.get_json()["metadatabase"]["status"] == "unhealthy"
    assert response.get_json()["scheduler"]["status"] == "unhealthy"
    assert len(prefect.requests) == 1  # a health check is not retried


# -- writes: retried only when Prefect makes them idempotent -------------------------


def script_trigger(prefect: FakePrefect, *create_answers: Answer) -> str:
    create = f"/deployments/{DEPLOYMENT_ID}/create_flow_run"
    prefect.on("GET", "/deployments/name/etl/demo", ok(deployment_json()))
    prefect.on("POST", "/flow_runs/filter", ok([]))
    prefect.on("POST", create, *create_answers)
    return create


@pytest.mark.parametrize(
    ("failure", "then"),
    [(httpx.Response(503), echo_run(201)), (httpx.ReadTimeout, echo_run(200)), (httpx.ConnectError, echo_run(201))],
    ids=["503-then-created", "timeout-but-it-went-through", "unreachable-then-created"],
)
def test_trigger_retries_create_flow_run_under_its_idempotency_key(api, prefect, failure, then):
    create = script_trigger(prefect, failure, then)
    response = api.post("/dags/example_etl/dagRuns", json={})
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["dag_run_id"].startswith("manual__")
    attempts = [json.loads(r.content) for r in prefect.requests if r.url.path == "/api" + create]
    assert len(attempts) == 2
    assert attempts[0]["idempotency_key"] and attempts[0]["idempotency_key"] == attempts[1]["idempotency_key"]


def test_trigger_gives_up_after_the_retries(api, prefect):
    create = script_trigger(prefect, httpx.Response(503))
    assert_problem(api.post("/dags/example_etl/dagRuns", json={}), 503)
    assert prefect.attempts("POST", create) == 1 + RETRIES


def test_set_state_is_not_repeated_after_a_timeout(api, prefect):
    # Prefect may have applied it: repeating could stack a second state change.
    set_state = f"/flow_runs/{RUN_ID}/set_state"
    prefect.on("POST", "/flow_runs/filter", ok([flow_run_json()]))
    prefect.on("POST", set_state, httpx.ReadTimeout)
    assert_problem(api.patch(f"/dags/example_etl/dagRuns/{DAG_RUN_ID}", json={"state": "failed"}), 504)
    assert prefect.attempts("POST", set_state) == 1


def test_set_state_refused_by_a_busy_prefect_is_repeated(api, prefect):
    # A 503 (SQLite busy) means nothing was applied, so the change is tried again.
    set_state = f"/flow_runs/{RUN_ID}/set_state"
    prefect.on("POST", "/flow_runs/filter", ok([flow_run_json()]))
    prefect.on("POST", set_state, httpx.Response(503))
    assert_problem(api.patch(f"/dags/example_etl/dagRuns/{DAG_RUN_ID}", json={"state": "failed"}), 503)
    assert prefect.attempts("POST", set_state) == 3


def test_delete_is_retried_and_a_run_already_gone_counts_as_deleted(api, prefect):
    # A lost answer to the first DELETE makes the retry find nothing: still a 204.
    delete = f"/flow_runs/{RUN_ID}"
    prefect.on("POST", "/flow_runs/filter", ok([flow_run_json()]))
    prefect.on("DELETE", delete, httpx.ConnectError, httpx.Response(404, json={"detail": "Flow run not found"}))
    assert api.delete(f"/dags/example_etl/dagRuns/{DAG_RUN_ID}").status_code == 204
    assert prefect.attempts("DELETE", delete) == 2


def test_delete_gives_up_after_its_retries(api, prefect):
    delete = f"/flow_runs/{RUN_ID}"
    prefect.on("POST", "/flow_runs/filter", ok([flow_run_json()]))
    prefect.on("DELETE", delete, httpx.ConnectError)
    assert_problem(api.delete(f"/dags/example_etl/dagRuns/{DAG_RUN_ID}"), 503)
    assert prefect.attempts("DELETE", delete) == 3


# -- variables, connections, pools: a create is repeated only when nothing was applied --------


def variable_json(name: str) -> dict:
    return {"id": str(uuid.uuid4()), "name": name, "value": "v", "tags": [], "created": "2024-05-01T06:00:00Z"}


def test_a_create_refused_by_a_busy_prefect_is_repeated(api, prefect):
    prefect.on("POST", "/variables/", httpx.Response(503), ok(variable_json("k"), 201))
    assert api.post("/variables", json={"key": "k", "value": "v"}).status_code == 200
    assert prefect.attempts("POST", "/variables/") == 2


@pytest.mark.parametrize(
    ("method", "path", "body", "create"),
    [
        ("POST", "/variables", {"key": "k", "value": "v"}, "/variables/"),
        ("POST", "/pools", {"name": "p", "slots": 1}, "/v2/concurrency_limits/"),
    ],
)
def test_a_create_is_not_repeated_after_a_timeout(api, prefect, method, path, body, create):
    # Prefect may have made it: a repeat would meet its own first attempt as a duplicate.
    prefect.on("POST", create, httpx.ReadTimeout)
    assert_problem(api.request(method, path, json=body), 504)
    assert prefect.attempts("POST", create) == 1


def test_a_delete_is_not_repeated_after_a_timeout(api, prefect):
    # A repeat would find it gone and report a 404 for a delete that worked.
    prefect.on("DELETE", "/variables/name/k", httpx.ReadTimeout)
    assert_problem(api.delete("/variables/k"), 504)
    assert prefect.attempts("DELETE", "/variables/name/k") == 1


# -- events: paged by link ------------------------------------------------------------


def event_json(number: int) -> dict:
    return {
        "id": str(uuid.UUID(int=number)),
        "occurred": f"2024-05-01T06:{number // 60:02d}:{number % 60:02d}Z",
        "event": "prefect.flow-run.Running",
        "resource": {"prefect.resource.id": "prefect.task-run.unknown"},
    }


def event_page(first: int, count: int, total: int, more: bool) -> httpx.Response:
    next_page = f"http://prefect.invalid/api/events/filter/next?page-token=after-{first + count}" if more else None
    return ok({"events": [event_json(n) for n in range(first, first + count)], "total": total, "next_page": next_page})


def test_an_event_log_offset_follows_prefect_page_links(api, prefect):
    prefect.on("POST", "/events/filter", event_page(0, 50, 120, more=True))
    prefect.on("GET", "/events/filter/next", event_page(50, 50, 120, more=True), event_page(100, 20, 120, more=False))
    body = api.get("/eventLogs?offset=60&limit=50").get_json()
    assert [entry["event_log_id"] for entry in body["event_logs"]] == list(range(60, 110))
    assert body["total_entries"] == 120 and prefect.attempts("GET", "/events/filter/next") == 2
    tokens = [request.url.params["page-token"] for request in prefect.requests if request.method == "GET"]
    assert tokens == ["after-50", "after-100"]


def test_events_of_the_wrong_shape_are_502(api, prefect):
    prefect.on("POST", "/events/filter", ok({"events": [{"id": "nope"}], "total": 1, "next_page": None}))
    assert_problem(api.get("/eventLogs"), 502)


def test_a_next_page_link_without_a_token_is_502(api, prefect):
    page = event_page(0, 50, 60, more=True).json() | {"next_page": "http://prefect.invalid/api/events/filter/next"}
    prefect.on("POST", "/events/filter", ok(page))
    assert_problem(api.get("/eventLogs?offset=50&limit=10"), 502)


def test_dag_stats_with_prefect_down_is_503(api, prefect):
    prefect.default = httpx.Response(503, json={"exception_message": "Service Unavailable"})
    assert_problem(api.get("/dagStats?dag_ids=example_etl"), 503)


def test_dag_stats_are_prefects_counts_per_state_whatever_the_runs(api, prefect):
    # One history (counts per state type) per requested DAG with runs; no run is read.
    prefect.on("POST", "/deployments/filter", ok([deployment_json()]))
    prefect.on("POST", "/flows/filter", ok([flow_json()]))
    counted = [("SCHEDULED", 4000), ("PENDING", 321), ("COMPLETED", 7), ("FAILED", 10), ("CRASHED", 2)]
    states = [
        {"state_type": kind, "state_name": kind.title(), "count_runs": runs, "sum_estimated_run_time": 0.0}
        for kind, runs in counted
    ]
    interval = {"interval_start": "0001-01-01T00:00:00Z", "interval_end": "2100-01-01T00:00:00Z", "states": states}
    prefect.on("POST", "/flow_runs/history", ok([interval]))
    response = api.get("/dagStats?dag_ids=example_etl")
    assert response.status_code == 200, response.get_json()
    counts = {each["state"]: each["count"] for each in response.get_json()["dags"][0]["stats"]}
    assert counts == {"queued": 4321, "success": 7, "running": 0, "failed": 12}
    assert prefect.attempts("POST", "/flow_runs/history") == 1
    assert prefect.attempts("POST", "/flow_runs/filter") == 0


def test_dag_stats_of_a_history_of_the_wrong_shape_are_502(api, prefect):
    prefect.on("POST", "/deployments/filter", ok([deployment_json()]))
    prefect.on("POST", "/flows/filter", ok([flow_json()]))
    prefect.on("POST", "/flow_runs/history", ok([{"states": "nope"}]))
    assert_problem(api.get("/dagStats?dag_ids=example_etl"), 502)
