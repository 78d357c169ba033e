"""The routing layer through Flask's test client: what a merged page costs on each side, a slow legacy
Airflow, and the listings not merged yet. Every response is checked against Airflow 2.10.5's spec."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from app import create_app
from conftest import HELLO, ApiClient, CountingTransport, validated
from legacy.bridges import legacy_settings
from support.legacy_airflow import DAG_IDS as LEGACY_DAG_IDS

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


def test_listings_not_merged_yet_say_so(counted):
    response = counted.api.get("/dags/~/dagRuns/~/taskInstances?limit=1")
    assert response.status_code == 200 and response.headers["X-Bridge-Partial"] == "prefect-only"
    legacy_log = counted.api.get("/eventLogs?dag_id=legacy_report_1&limit=1")
    assert legacy_log.status_code == 200 and "X-Bridge-Partial" not in legacy_log.headers


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
