"""DAG run operations against the real Prefect server, with runs that really execute.

Tests of triggering and listing whose runs need not execute trigger a DAG
no runner serves (`unserved`): every run that executes takes the demo
runner's time (and the machine's) from the runs the other tests wait for.
"""

import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import httpx
import pytest

from conftest import AUTH, ETL, HELLO
from support.deployments import create_deployment
from support.prefect_stack import prefect_call, wait_for_flow_run


def new_id(prefix: str = "run") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def prefect_runs_named(prefect_stack, name: str) -> list[dict]:
    body = {"flow_runs": {"name": {"any_": [name]}}}
    return prefect_call("POST", f"{prefect_stack.api_url}/flow_runs/filter", json=body).json()


@pytest.fixture(scope="module")
def unserved(prefect_stack) -> Iterator[str]:
    """The dag_id of a deployment of this module's own that no runner serves: its runs stay queued."""
    deployment = create_deployment(prefect_stack.api_url, "unserved-runs")
    yield deployment.dag_id
    flow = prefect_call("GET", f"{prefect_stack.api_url}/flows/name/{deployment.flow}").json()
    prefect_call("DELETE", f"{prefect_stack.api_url}/flows/{flow['id']}")  # its deployment and runs with it


def test_trigger_runs_to_success_and_is_visible_in_prefect(api, prefect_stack):
    run_id = new_id()
    response = api.post(f"/dags/{ETL}/dagRuns", json={"dag_run_id": run_id, "conf": {"rows": 4}, "note": "first"})
    assert response.status_code == 200
    run = response.get_json()
    assert (run["dag_run_id"], run["dag_id"], run["state"], run["run_type"]) == (run_id, ETL, "queued", "manual")
    assert run["external_trigger"] is True and run["conf"] == {"rows": 4} and run["note"] == "first"
    assert run["logical_date"] == run["execution_date"]
    finished = api.wait_for_run(ETL, run_id)
    assert finished["state"] == "success" and finished["start_date"] and finished["end_date"]
    [prefect_run] = prefect_runs_named(prefect_stack, run_id)
    assert prefect_run["state_type"] == "COMPLETED" and prefect_run["parameters"] == {"rows": 4}


def test_a_failing_parameter_fails_the_run(api):
    run_id = api.post(f"/dags/{ETL}/dagRuns", json={"conf": {"fail": True}}).get_json()["dag_run_id"]
    assert run_id.startswith("manual__")
    assert api.wait_for_run(ETL, run_id)["state"] == "failed"


def test_default_run_id_is_manual_and_the_logical_date(api, unserved):
    logical_date = (datetime.now(UTC) - timedelta(days=3)).replace(microsecond=0)
    run = api.post(f"/dags/{unserved}/dagRuns", json={"logical_date": logical_date.isoformat()}).get_json()
    assert run["dag_run_id"] == f"manual__{logical_date.isoformat()}"
    assert run["logical_date"] == logical_date.isoformat()


def test_duplicate_run_id_or_logical_date_is_409_and_creates_nothing(api, prefect_stack, unserved):
    run_id = new_id()
    first = api.post(f"/dags/{unserved}/dagRuns", json={"dag_run_id": run_id}).get_json()
    again = api.post(f"/dags/{unserved}/dagRuns", json={"dag_run_id": run_id})
    assert again.status_code == 409 and "already exists" in again.get_json()["detail"]
    same_date = api.post(
        f"/dags/{unserved}/dagRuns", json={"dag_run_id": new_id(), "logical_date": first["logical_date"]}
    )
    assert same_date.status_code == 409 and "logical date" in same_date.get_json()["detail"]
    assert len(prefect_runs_named(prefect_stack, run_id)) == 1


def test_same_run_id_in_another_dag_is_fine(api, unserved):
    run_id = new_id()
    assert api.post(f"/dags/{unserved}/dagRuns", json={"dag_run_id": run_id}).status_code == 200
    assert api.post(f"/dags/{ETL}/dagRuns", json={"dag_run_id": run_id}).status_code == 200


def concurrently(count: int, request) -> list[httpx.Response]:
    # The bridge lets one trigger of a DAG through at a time, and a busy
    # SQLite-backed Prefect can stall each for seconds: the requests get a
    # generous timeout, so a slow machine waits rather than fails.
    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(lambda index: request(index), range(count)))


def test_concurrent_triggers_with_one_run_id_create_one_run(live_bridge, prefect_stack, unserved):
    run_id = new_id("race")
    url = f"{live_bridge.url}/dags/{unserved}/dagRuns"
    responses = concurrently(8, lambda _: httpx.post(url, json={"dag_run_id": run_id}, headers=AUTH, timeout=120))
    assert sorted(response.status_code for response in responses) == [200] + [409] * 7
    assert len(prefect_runs_named(prefect_stack, run_id)) == 1


def test_concurrent_triggers_at_one_logical_date_create_one_run(live_bridge, prefect_stack, unserved):
    logical_date = (datetime.now(UTC) - timedelta(hours=1, minutes=7)).isoformat()
    ids = [new_id("race") for _ in range(6)]
    url = f"{live_bridge.url}/dags/{unserved}/dagRuns"
    body = lambda index: {"dag_run_id": ids[index], "logical_date": logical_date}  # noqa: E731
    responses = concurrently(6, lambda index: httpx.post(url, json=body(index), headers=AUTH, timeout=120))
    assert sorted(response.status_code for response in responses) == [200] + [409] * 5
    created = [run for run_id in ids for run in prefect_runs_named(prefect_stack, run_id)]
    assert len(created) == 1


@pytest.mark.parametrize(
    ("body", "detail"),
    [
        ({"conf": {"rows": "many"}}, "rows"),
        ({"conf": [1]}, "conf"),
        ({"dag_run_id": "has space"}, "invalid"),
        ({"dag_run_id": "scheduled__2024-01-01T00:00:00+00:00"}, "cannot be chosen"),
        ({"logical_date": "2024-01-01T00:00:00"}, "Naive datetime is disallowed"),
        ({"logical_date": "2999-01-01T00:00:00+00:00"}, "in the future"),
        ({"logical_date": "2024-01-01T00:00:00+00:00", "execution_date": "2024-01-02T00:00:00+00:00"}, "conflicts"),
        ({"state": "success"}, "Unknown field"),
        ({"data_interval_start": "2024-01-01T00:00:00+00:00"}, "together"),
    ],
)
def test_bad_trigger_is_400(api, body, detail):
    response = api.post(f"/dags/{ETL}/dagRuns", json=body)
    assert response.status_code == 400 and detail in response.get_json()["detail"]


def test_trigger_errors(api):
    assert api.post("/dags/nope/dagRuns", json={}).status_code == 404
    malformed = api.post(f"/dags/{ETL}/dagRuns", data="{not json", content_type="application/json")
    assert malformed.status_code == 400 and malformed.content_type == "application/problem+json"


def test_list_filter_and_page_runs(api, unserved):
    run_ids = [new_id("list") for _ in range(3)]
    base = datetime.now(UTC) - timedelta(days=30, minutes=len(run_ids))
    for index, run_id in enumerate(run_ids):
        when = (base + timedelta(minutes=index)).isoformat()
        body = {"dag_run_id": run_id, "logical_date": when}
        assert api.post(f"/dags/{unserved}/dagRuns", json=body).status_code == 200
    first, last = (quote(when.isoformat()) for when in (base, base + timedelta(minutes=2)))
    window = f"execution_date_gte={first}&execution_date_lte={last}"
    body = api.get(f"/dags/{unserved}/dagRuns?{window}").get_json()
    assert [run["dag_run_id"] for run in body["dag_runs"]] == run_ids and body["total_entries"] == 3
    newest_first = api.get(f"/dags/{unserved}/dagRuns?{window}&order_by=-execution_date").get_json()["dag_runs"]
    assert [run["dag_run_id"] for run in newest_first] == run_ids[::-1]
    paged = [api.get(f"/dags/{unserved}/dagRuns?{window}&limit=1&offset={offset}").get_json() for offset in range(3)]
    assert [page["dag_runs"][0]["dag_run_id"] for page in paged] == run_ids
    assert all(page["total_entries"] == 3 for page in paged)
    assert (
        api.get(f"/dags/{unserved}/dagRuns?{window}&limit=2&offset=1").get_json()["dag_runs"][0]["dag_run_id"]
        == run_ids[1]
    )


def test_filter_by_state(api):
    run_id = api.post(f"/dags/{ETL}/dagRuns", json={"conf": {"fail": True}}).get_json()["dag_run_id"]
    api.wait_for_run(ETL, run_id, timeout=120)  # 60 s was once too short on a loaded machine
    failed = api.get(f"/dags/{ETL}/dagRuns?state=failed&limit=100").get_json()
    assert run_id in {run["dag_run_id"] for run in failed["dag_runs"]}
    assert {run["state"] for run in failed["dag_runs"]} == {"failed"}
    assert api.get(f"/dags/{ETL}/dagRuns?state=exploded").get_json()["total_entries"] == 0  # unchecked, as in Airflow


def test_all_dags_and_the_batch_form(api):
    for dag_id in (ETL, HELLO):  # this module's own runs, whatever ran before
        assert api.post(f"/dags/{dag_id}/dagRuns", json={"dag_run_id": new_id("every")}).status_code == 200
    every = api.get("/dags/~/dagRuns?limit=100&order_by=-execution_date").get_json()
    assert {ETL, HELLO} <= {run["dag_id"] for run in every["dag_runs"][:10]}
    assert every["total_entries"] >= len(every["dag_runs"]) > 0
    batch = api.post(
        "/dags/~/dagRuns/list", json={"dag_ids": [ETL, HELLO], "page_limit": 5, "order_by": "-execution_date"}
    )
    assert batch.status_code == 200 and len(batch.get_json()["dag_runs"]) == 5
    assert {run["dag_id"] for run in batch.get_json()["dag_runs"]} <= {ETL, HELLO}
    each_total = sum(api.get(f"/dags/{dag_id}/dagRuns?limit=1").get_json()["total_entries"] for dag_id in (ETL, HELLO))
    assert batch.get_json()["total_entries"] == each_total
    only_etl = api.post("/dags/~/dagRuns/list", json={"dag_ids": [ETL], "states": ["success", "failed"]}).get_json()
    assert {run["dag_id"] for run in only_etl["dag_runs"]} <= {ETL}
    assert api.post("/dags/~/dagRuns/list", json={"page_limit": 0}).status_code == 400
    assert api.post("/dags/~/dagRuns/list", json={"start_date_gte": "2024-01-01T00:00:00"}).status_code == 400


def test_unknown_dag_has_no_runs_as_in_airflow_2(api):
    assert api.get("/dags/nope/dagRuns").get_json() == {"dag_runs": [], "total_entries": 0}


@pytest.mark.parametrize(
    "query",
    [
        "order_by=nonsense",
        "order_by=",
        "limit=-1",
        "offset=-2",
        "limit=ten",
        "updated_at_lte=",
        "start_date_gte=yesterday",
        "colour=blue",
    ],
)
def test_bad_run_queries_are_400(api, query):
    response = api.get(f"/dags/{ETL}/dagRuns?{query}")
    assert response.status_code == 400 and response.get_json()["title"]


def test_get_mark_note_and_delete_a_run(api):
    run_id = new_id()
    api.post(f"/dags/{HELLO}/dagRuns", json={"dag_run_id": run_id})
    api.wait_for_run(HELLO, run_id)
    noted = api.patch(f"/dags/{HELLO}/dagRuns/{run_id}/setNote", json={"note": "looked at it"})
    assert noted.get_json()["note"] == "looked at it"
    assert api.get(f"/dags/{HELLO}/dagRuns/{run_id}").get_json()["note"] == "looked at it"
    assert api.patch(f"/dags/{HELLO}/dagRuns/{run_id}/setNote", json={"note": None}).get_json()["note"] is None
    assert api.get(f"/dags/{HELLO}/dagRuns/{run_id}").get_json()["note"] is None
    assert api.patch(f"/dags/{HELLO}/dagRuns/{run_id}/setNote", json={"note": "x" * 1001}).status_code == 400
    marked = api.patch(f"/dags/{HELLO}/dagRuns/{run_id}", json={"state": "failed"})
    assert marked.status_code == 200 and marked.get_json()["state"] == "failed"
    assert api.patch(f"/dags/{HELLO}/dagRuns/{run_id}", json={"state": "running"}).status_code == 400
    assert api.delete(f"/dags/{HELLO}/dagRuns/{run_id}").status_code == 204
    assert api.get(f"/dags/{HELLO}/dagRuns/{run_id}").status_code == 404
    assert api.delete(f"/dags/{HELLO}/dagRuns/{run_id}").status_code == 404


def test_clear_reruns_a_finished_run(api, prefect_stack):
    run_id = new_id()
    api.post(f"/dags/{HELLO}/dagRuns", json={"dag_run_id": run_id})
    api.wait_for_run(HELLO, run_id)
    dry = api.post(f"/dags/{HELLO}/dagRuns/{run_id}/clear", json={})
    assert dry.status_code == 200 and "task_instances" in dry.get_json()
    cleared = api.post(f"/dags/{HELLO}/dagRuns/{run_id}/clear", json={"dry_run": False})
    assert cleared.status_code == 200 and cleared.get_json()["state"] == "queued"
    assert cleared.get_json()["start_date"] is None and cleared.get_json()["end_date"] is None  # as Airflow answers
    assert api.wait_for_run(HELLO, run_id)["state"] == "success"
    [prefect_run] = prefect_runs_named(prefect_stack, run_id)
    assert prefect_run["run_count"] == 2


def test_marking_an_unfinished_run_failed_cancels_it(api, prefect_stack):
    run_id = new_id()
    assert api.post(f"/dags/{ETL}/dagRuns", json={"dag_run_id": run_id, "conf": {"rows": 3}}).status_code == 200
    marked = api.patch(f"/dags/{ETL}/dagRuns/{run_id}", json={"state": "failed"})
    assert marked.status_code == 200
    [prefect_run] = prefect_runs_named(prefect_stack, run_id)
    # Cancelled, not relabelled FAILED: Prefect really stops the run (or never starts it).
    assert wait_for_flow_run(prefect_stack.api_url, prefect_run["id"])["state_type"] == "CANCELLED"
    assert api.wait_for_run(ETL, run_id)["state"] == "failed"


def test_marking_success(api):
    run_id = new_id()
    api.post(f"/dags/{ETL}/dagRuns", json={"dag_run_id": run_id, "conf": {"fail": True}})
    api.wait_for_run(ETL, run_id)
    assert api.patch(f"/dags/{ETL}/dagRuns/{run_id}", json={"state": "success"}).get_json()["state"] == "success"


@pytest.mark.parametrize(
    "dag_run_id",
    ["nope", "scheduled__2020-01-01T00:00:00+00:00", "prefect__00000000-0000-0000-0000-000000000000", "prefect__x"],
)
def test_unknown_run_is_404(api, dag_run_id):
    response = api.get(f"/dags/{ETL}/dagRuns/{dag_run_id}")
    assert response.status_code == 404 and response.get_json()["title"] == "DAGRun not found"


def test_a_page_across_dags_learns_deployment_names_once(api, prefect_calls):
    assert api.get("/dags/~/dagRuns?limit=100").status_code == 200
    assert len(prefect_calls.calls) <= 3  # the page, then deployments and flows seen for the first time
    prefect_calls.reset()
    assert api.get("/dags/~/dagRuns?limit=100").status_code == 200
    assert prefect_calls.calls == [("POST", "/api/flow_runs/paginate")]


def test_upstream_call_budget(api, prefect_calls):
    run_id = api.post(f"/dags/{HELLO}/dagRuns", json={}).get_json()["dag_run_id"]
    api.get("/dags")  # a replica learns the deployments' names (fixed for their ids) once
    for path in (
        f"/dags/{HELLO}/dagRuns?limit=100",
        f"/dags/{HELLO}/dagRuns?limit=1&offset=1",
        f"/dags/{HELLO}/dagRuns?limit=3&offset=4&state=success",
        "/dags/~/dagRuns?limit=100",
        "/dags/~/dagRuns?limit=7&offset=3",
    ):
        prefect_calls.reset()
        assert api.get(path).status_code == 200
        assert len(prefect_calls.calls) <= 2, (path, prefect_calls.calls)
    prefect_calls.reset()
    assert api.get(f"/dags/{HELLO}/dagRuns/{run_id}").status_code == 200
    assert len(prefect_calls.calls) == 1
