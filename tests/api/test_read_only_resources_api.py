"""dagStats, eventLogs, importErrors, dagWarnings, plugins, providers, config, dagSources and datasets."""

import json
import time
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from pydantic import SecretStr

from app import create_app
from conftest import ETL, HELLO, ApiClient, validated


def new_id(prefix: str = "res") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


@pytest.fixture(scope="module")
def finished_run(settings):
    """One run of hello.hourly, triggered through the bridge and run to success: (dag_run_id, dag run)."""
    app = create_app(settings)
    checker = validated(app)
    api = ApiClient(app)
    run_id = new_id("events")
    assert api.post(f"/dags/{HELLO}/dagRuns", json={"dag_run_id": run_id}).status_code == 200
    run = api.wait_for_run(HELLO, run_id)
    assert run["state"] == "success" and not checker.failures
    return run_id, run


def wait_for_events(api, query: str, count: int, timeout: float = 30) -> dict:
    """Prefect persists events a moment after they happen: poll until `count` have arrived."""
    deadline = time.monotonic() + timeout
    while True:
        response = api.get(f"/eventLogs?{query}")
        assert response.status_code == 200, response.get_json()
        body = response.get_json()
        if body["total_entries"] >= count:
            return body
        if time.monotonic() > deadline:
            raise TimeoutError(f"{body['total_entries']} event logs for {query} after {timeout:g} s, expected {count}")
        time.sleep(0.3)


# -- dagStats ---------------------------------------------------------------


def test_dag_stats_counts_every_state_of_each_known_dag(api, finished_run):
    body = api.get(f"/dagStats?dag_ids={HELLO},{ETL},nope").get_json()
    assert [dag["dag_id"] for dag in body["dags"]] == [HELLO, ETL] and body["total_entries"] == 2
    hello = {stat["state"]: stat["count"] for stat in body["dags"][0]["stats"]}
    assert list(hello) == ["queued", "success", "running", "failed"] and hello["success"] >= 1
    runs = api.get(f"/dags/{HELLO}/dagRuns?limit=100").get_json()
    assert sum(hello.values()) == runs["total_entries"]


def test_dag_stats_cost_does_not_grow_with_the_number_of_dags(api, prefect_calls):
    assert api.get(f"/dagStats?dag_ids={HELLO}").get_json()["total_entries"] == 1
    one = len(prefect_calls.calls)
    prefect_calls.reset()
    assert api.get(f"/dagStats?dag_ids={HELLO},{ETL}").get_json()["total_entries"] == 2
    # At most the second DAG's history (when the two have more runs than the bridge reads) and its flow name.
    assert len(prefect_calls.calls) <= one + 2


def test_dag_stats_needs_dag_ids(api):
    assert api.get("/dagStats").status_code == 400
    assert api.get("/dagStats?dag_ids=nope").get_json() == {"dags": [], "total_entries": 0}


# -- eventLogs --------------------------------------------------------------


def test_event_logs_of_a_run_are_its_prefect_events(api, finished_run):
    run_id, run = finished_run
    body = wait_for_events(api, f"dag_id={HELLO}&run_id={run_id}&event=prefect.flow-run.Completed", 1)
    [entry] = body["event_logs"]
    assert (entry["dag_id"], entry["run_id"], entry["event"]) == (HELLO, run_id, "prefect.flow-run.Completed")
    assert entry["execution_date"] == run["logical_date"] and entry["owner"] is None
    assert json.loads(entry["extra"])["validated_state"]["type"] == "COMPLETED"
    assert api.get(f"/eventLogs/{entry['event_log_id']}").get_json() == entry


def test_event_logs_page_in_order_of_occurrence(api, finished_run):
    run_id, _ = finished_run
    query = f"dag_id={HELLO}&run_id={run_id}"
    everything = wait_for_events(api, query, 4)["event_logs"]
    assert [each["when"] for each in everything] == sorted(each["when"] for each in everything)
    newest_first = api.get(f"/eventLogs?{query}&order_by=-when").get_json()["event_logs"]
    assert newest_first == list(reversed(everything))
    second_page = api.get(f"/eventLogs?{query}&limit=2&offset=2").get_json()
    assert second_page["event_logs"] == everything[2:4] and second_page["total_entries"] == len(everything)


def test_event_log_filters_by_event_names(api, finished_run):
    run_id, _ = finished_run
    query = f"run_id={run_id}&included_events=prefect.flow-run.Running,prefect.flow-run.Completed"
    events = {each["event"] for each in wait_for_events(api, query, 2)["event_logs"]}
    assert events == {"prefect.flow-run.Running", "prefect.flow-run.Completed"}
    excluded = api.get(f"/eventLogs?run_id={run_id}&excluded_events=prefect.flow-run.Running").get_json()
    assert "prefect.flow-run.Running" not in {each["event"] for each in excluded["event_logs"]}


@pytest.mark.parametrize(
    "query",
    ["task_id=say", "map_index=1", "try_number=1", "order_by=dag_id", "order_by=nope"],
)
def test_event_log_queries_prefect_cannot_honour_are_400(api, query):
    response = api.get(f"/eventLogs?{query}")
    assert response.status_code == 400 and response.get_json()["detail"]


def test_an_event_log_offset_past_the_last_event_is_an_empty_page(api):
    # Events of the last minute only: few, whatever other modules made before (more than 950 would make
    # the offset below a 400, at most 1000 deep).
    since = quote((datetime.now(UTC) - timedelta(minutes=1)).isoformat())
    total = api.get(f"/eventLogs?limit=1&after={since}").get_json()["total_entries"]
    assert total < 950
    beyond = api.get(f"/eventLogs?limit=100&offset=950&after={since}").get_json()
    assert beyond["event_logs"] == [] and beyond["total_entries"] >= total


def test_event_log_filters_that_match_nothing(api):
    for query in ("owner=admin", "dag_id=nope", "run_id=nope", f"dag_id={HELLO}&run_id=prefect__nope"):
        assert api.get(f"/eventLogs?{query}").get_json() == {"event_logs": [], "total_entries": 0}


def test_unknown_event_log_is_404(api):
    assert api.get(f"/eventLogs/{uuid.uuid4().int}").status_code == 404
    assert api.get("/eventLogs/-1").status_code == 404
    assert api.get("/eventLogs/abc").status_code == 404


# -- the always-empty collections ---------------------------------------------


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("/importErrors", "import_errors"),
        ("/dagWarnings?dag_id=x&warning_type=non-existent%20pool", "dag_warnings"),
        ("/plugins", "plugins"),
        ("/providers", "providers"),
        ("/datasets?uri_pattern=s3&dag_ids=x", "datasets"),
        ("/datasets/events?dataset_id=1&source_dag_id=x", "dataset_events"),
    ],
)
def test_collections_prefect_has_nothing_for_are_empty(api, path, key, prefect_calls):
    assert api.get(path).get_json() == {key: [], "total_entries": 0}
    assert prefect_calls.calls == []


@pytest.mark.parametrize(
    "path",
    ["/importErrors?order_by=nope", "/dagWarnings?order_by=nope", "/plugins?limit=-1", "/datasets/events?dataset_id=x"],
)
def test_their_parameters_are_still_checked(api, path):
    assert api.get(path).status_code == 400


def test_single_import_error_and_dataset_are_404(api):
    assert api.get("/importErrors/1").get_json()["title"] == "Import error not found"
    assert api.get("/datasets/s3%3A%2F%2Fbucket%2Fkey").get_json()["title"] == "Dataset not found"


def test_upstream_dataset_events_of_a_run_are_none(api, finished_run):
    run_id, _ = finished_run
    body = api.get(f"/dags/{HELLO}/dagRuns/{run_id}/upstreamDatasetEvents").get_json()
    assert body == {"dataset_events": [], "total_entries": 0}
    assert api.get(f"/dags/{HELLO}/dagRuns/nope/upstreamDatasetEvents").status_code == 404


# -- config -------------------------------------------------------------------


def test_config_is_not_exposed_by_default(api):
    for path in ("/config", "/config/section/api/option/maximum_page_limit"):
        response = api.get(path)
        assert response.status_code == 403 and response.get_json()["title"] == "Forbidden"
        assert response.get_json()["detail"] == (
            "Your Airflow administrator chose not to expose the configuration, most likely for security reasons."
        )


@pytest.fixture
def exposing(make_app) -> ApiClient:
    return ApiClient(make_app(expose_config=True, prefect_api_key=SecretStr("pnu_secret")))


def test_exposed_config_shows_the_bridge_settings_without_secrets(exposing):
    response = exposing.get("/config", headers={"Accept": "application/json"})
    assert response.status_code == 200 and "pnu_secret" not in response.get_data(as_text=True)
    sections = {section["name"]: section for section in response.get_json()["sections"]}
    assert set(sections) == {"api", "operators", "prefect", "bridge"}
    assert "test-password" not in response.get_data(as_text=True)
    text = exposing.get("/config?section=api", headers={"Accept": "text/plain"}).get_data(as_text=True)
    assert text == "[api]\nmaximum_page_limit = 100\nfallback_page_limit = 100\n"
    value = exposing.get("/config/section/prefect/option/retries", headers={"Accept": "*/*"}).get_data(as_text=True)
    assert value == "[prefect]\nretries = 5\n"
    value = exposing.get("/config/section/prefect/option/retries", headers={"Accept": "application/json"}).get_json()
    assert value == {"sections": [{"name": "prefect", "options": [{"key": "retries", "value": "5"}]}]}


def test_exposed_config_unknown_section_or_option_is_404(exposing):
    assert exposing.get("/config?section=nope").get_json()["detail"] == "section=nope not found."
    assert exposing.get("/config").content_type.startswith("text/plain")  # no Accept header: anything
    response = exposing.get("/config/section/prefect/option/api_key")
    assert response.status_code == 404
    assert response.get_json()["detail"] == "The option [prefect/api_key] is not found in config."


# -- dagSources -----------------------------------------------------------------


def test_dag_source_is_where_prefect_loads_the_flow_from(api):
    file_token = api.get(f"/dags/{ETL}").get_json()["file_token"]
    as_json = api.get(f"/dagSources/{file_token}", headers={"Accept": "application/json"})
    assert as_json.content_type == "application/json"
    content = as_json.get_json()["content"]
    assert "# entrypoint: app/demo/flows.py:etl" in content and file_token in content
    as_text = api.get(f"/dagSources/{file_token}", headers={"Accept": "text/plain"})
    assert as_text.content_type.startswith("text/plain") and as_text.get_data(as_text=True) == content


def test_dag_source_errors(api):
    assert api.get(f"/dagSources/{uuid.uuid4()}").status_code == 404
    assert api.get("/dagSources/not-a-token").status_code == 404
    file_token = api.get(f"/dags/{ETL}").get_json()["file_token"]
    assert api.get(f"/dagSources/{file_token}", headers={"Accept": "image/png"}).status_code == 406
