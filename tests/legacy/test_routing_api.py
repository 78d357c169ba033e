"""The routing layer through Flask's test client: what a merged page costs on each side, a slow legacy
Airflow, and the listings not merged yet. Every response is checked against Airflow 2.10.5's spec."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from datetime import datetime

import pytest

from app import create_app
from conftest import HELLO, ApiClient, CountingTransport, validated
from legacy.bridges import legacy_settings
from support.legacy_airflow import DAG_IDS as LEGACY_DAG_IDS

LEGACY_TI_BATCH = "/dags/~/dagRuns/~/taskInstances/list"
ROUTES = '[[route]]\ndag_id = "example_etl"\nroute = "airflow"\n'


@pytest.fixture(scope="module")
def routes_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("routing-api") / "routes.toml"
    path.write_text(ROUTES)
    return path


class Counted:
    def __init__(self, api: ApiClient, prefect: CountingTransport, legacy: CountingTransport) -> None:
        self.api, self.prefect, self.legacy = api, prefect, legacy

    def reset(self) -> None:
        self.prefect.reset()
        self.legacy.reset()


@pytest.fixture
def counted(prefect_stack, legacy_airflow, routes_file) -> Iterator[Counted]:
    prefect, legacy = CountingTransport(), CountingTransport()
    settings = legacy_settings(prefect_stack, legacy_airflow.url, legacy_airflow.password, routes_file)
    app = create_app(settings, prefect_transport=prefect, legacy_transport=legacy)
    checker = validated(app)
    yield Counted(ApiClient(app), prefect, legacy)
    assert not checker.failures, checker.failures


def test_a_page_of_merged_dags_reads_each_dag_list_once(counted):
    counted.reset()
    page = counted.api.get("/dags?limit=2&offset=2").get_json()
    assert page["total_entries"] == len(set(LEGACY_DAG_IDS) | {"example_etl", HELLO, "fanout.demo"})
    assert counted.legacy.calls == [("GET", "/api/v1/dags")]  # ceil(4 legacy DAGs / 100)
    assert len(counted.prefect.calls) <= 4


def test_a_page_of_merged_runs_reads_a_bounded_window_of_each_side(counted):
    counted.reset()
    page = counted.api.get("/dags/~/dagRuns?limit=2&offset=4").get_json()
    assert len(page["dag_runs"]) <= 2
    assert counted.legacy.calls == [("GET", "/api/v1/dags"), ("POST", "/api/v1/dags/~/dagRuns/list")]
    assert len(counted.prefect.calls) <= 6


def test_task_instances_across_dags_page_through_both_sides_once(counted, legacy_airflow, failed_etl_run, fanout_run):
    with legacy_airflow.client() as legacy:
        legacy.post("/dags/legacy_report_2/dagRuns", json={"dag_run_id": "ti-merge"}).raise_for_status()
        wait_for_task_instances(legacy, "legacy_report_2", "ti-merge")
    seen, totals, offset = [], set(), 0
    while True:
        counted.reset()
        page = counted.api.get(f"/dags/~/dagRuns/~/taskInstances?limit=25&offset={offset}").get_json()
        assert counted.legacy.calls == [("GET", "/api/v1/dags"), ("POST", f"/api/v1{LEGACY_TI_BATCH}")]
        seen += [(ti["dag_id"], ti["dag_run_id"], ti["task_id"], ti["map_index"]) for ti in page["task_instances"]]
        totals.add(page["total_entries"])
        offset += 25
        if not page["task_instances"]:
            break
    assert len(seen) == len(set(seen)) == totals.pop() and not totals
    assert ("legacy_report_2", "ti-merge", "report", -1) in seen
    assert any(ti[1] == fanout_run.dag_run_id for ti in seen)
    assert not any(ti[1] == failed_etl_run.dag_run_id for ti in seen)  # example_etl is routed to the legacy Airflow
    batch = counted.api.post(
        LEGACY_TI_BATCH, json={"dag_ids": ["legacy_report_2"], "page_limit": 100}
    ).get_json()
    assert ("legacy_report_2", "ti-merge", "report", -1) in [
        (ti["dag_id"], ti["dag_run_id"], ti["task_id"], ti["map_index"]) for ti in batch["task_instances"]
    ]


def wait_for_task_instances(legacy, dag_id: str, dag_run_id: str, timeout: float = 60) -> None:
    """The scheduler creates a run's task instances a moment after the trigger."""
    deadline = time.monotonic() + timeout
    while not legacy.get(f"/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances").json()["task_instances"]:
        assert time.monotonic() < deadline, f"no task instances for {dag_id}/{dag_run_id} after {timeout} s"
        time.sleep(0.5)


def test_the_event_log_of_every_dag_merges_both_systems_by_time(counted, legacy_airflow, api, failed_etl_run):
    """`api` is the bridge without a legacy Airflow: Prefect's events alone."""
    with legacy_airflow.client() as legacy:
        legacy.post("/dags/legacy_report_3/dagRuns", json={"dag_run_id": "event-log"}).raise_for_status()
        legacy_total = legacy.get("/eventLogs", params={"limit": 1}).json()["total_entries"]
    prefect_total = api.get("/eventLogs?limit=1").get_json()["total_entries"]
    assert legacy_total and prefect_total
    counted.reset()
    page = counted.api.get("/eventLogs?limit=7&offset=3&order_by=-when").get_json()
    assert page["total_entries"] >= legacy_total + prefect_total
    times = [datetime.fromisoformat(entry["when"]) for entry in page["event_logs"]]
    assert len(times) == min(7, page["total_entries"] - 3) and times == sorted(times, reverse=True)
    assert counted.legacy.calls == [("GET", "/api/v1/eventLogs")]  # the first 10 legacy entries, one call
    one_dag = counted.api.get("/eventLogs?dag_id=legacy_report_1&limit=100").get_json()["event_logs"]
    assert {entry["dag_id"] for entry in one_dag} <= {"legacy_report_1"}


@pytest.fixture(scope="module")
def silent_legacy() -> Iterator[str]:
    """A legacy Airflow that accepts connections and never answers."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(64)
    held = []

    def hold():
        while True:
            try:
                held.append(server.accept()[0])
            except OSError:
                return

    threading.Thread(target=hold, daemon=True).start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for connection in held:
        connection.close()


def test_a_slow_legacy_airflow_is_a_504_for_its_dags_only(prefect_stack, silent_legacy, routes_file):
    settings = legacy_settings(prefect_stack, silent_legacy, "pw", routes_file, legacy_airflow_timeout=0.5)
    app = create_app(settings)
    checker = validated(app)
    api = ApiClient(app)
    assert api.get(f"/dags/{HELLO}").status_code == 200
    for path in ("/dags/legacy_report_1", "/dags/example_etl/dagRuns", "/dags/~/dagRuns"):
        response = api.get(path)
        assert response.status_code == 504, path
        assert response.mimetype == "application/problem+json"
        assert response.get_json()["detail"].startswith(f"the legacy Airflow at {silent_legacy} did not answer")
    assert not checker.failures, checker.failures
