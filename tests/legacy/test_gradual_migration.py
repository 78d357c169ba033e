"""Gradual migration end to end: a real legacy Airflow 2.10.5, a real Prefect, the bridge on a live port,
and apache-airflow-client 2.10 as Airflow tooling uses it (README "Gradual migration").

The routes file is edited while the bridge runs (checked at every request
here: BRIDGE_ROUTES_CHECK_SECONDS=0); nothing is ever restarted.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from airflow_client import client
from airflow_client.client.api import dag_api, dag_run_api, dag_stats_api
from airflow_client.client.exceptions import ServiceException
from airflow_client.client.model.dag_run import DAGRun
from airflow_client.client.model.list_dag_runs_form import ListDagRunsForm
from werkzeug.serving import make_server

from app import create_app
from app.services.shadow import AUTHORITATIVE_LABEL, LEGACY_RUN_LABEL
from app.settings import Settings
from conftest import ETL, HELLO, PASSWORD, validated
from legacy.bridges import legacy_settings, prefect_dag_ids
from support.forwarder import Forwarder
from support.legacy_airflow import DAG_IDS as LEGACY_DAG_IDS

LEGACY_ONLY = "legacy_report_1"
PREFECT_DAG_IDS = (ETL, HELLO, "fanout.demo")
ROUTES = {
    "airflow": '[[route]]\ndag_id = "example_etl"\nroute = "airflow"\n',
    "shadow": '[[route]]\ndag_id = "example_etl"\nroute = "shadow"\nauthoritative = "airflow"\n',
    "shadow-prefect": '[[route]]\ndag_id = "example_etl"\nroute = "shadow"\nauthoritative = "prefect"\n',
    "prefect": '[[route]]\ndag_id = "example_etl"\nroute = "prefect"\n',
}


def write_routes(path: Path, name: str) -> None:
    # Write-then-rename, as an editor or a config-map update does: a reader never sees half a file.
    partial = path.with_suffix(".partial")
    partial.write_text(ROUTES[name])
    partial.replace(path)


class LiveBridge:
    def __init__(self, settings: Settings) -> None:
        self.app = create_app(settings)
        self.checker = validated(self.app)
        self.server = make_server("127.0.0.1", 0, self.app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/api/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def client(self) -> client.ApiClient:
        return client.ApiClient(client.Configuration(host=self.url, username="admin", password=PASSWORD))

    def stop(self) -> None:
        self.server.shutdown()
        assert not self.checker.failures, self.checker.failures


@pytest.fixture(scope="module")
def routes_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("routes") / "routes.toml"
    write_routes(path, "airflow")
    return path


@pytest.fixture(scope="module")
def bridge(prefect_stack, legacy_airflow, routes_file) -> Iterator[LiveBridge]:
    live = LiveBridge(legacy_settings(prefect_stack, legacy_airflow.url, legacy_airflow.password, routes_file))
    yield live
    live.stop()


@pytest.fixture(scope="module")
def airflow_client(bridge):
    with bridge.client() as api:
        yield api


@pytest.fixture(scope="module")
def legacy_http(legacy_airflow):
    with legacy_airflow.client() as http:
        yield http


def trigger(runs: dag_run_api.DAGRunApi, dag_id: str, dag_run_id: str, conf: dict | None = None) -> DAGRun:
    return runs.post_dag_run(dag_id, DAGRun(dag_run_id=dag_run_id, conf=conf or {}))


def test_one_dag_moves_airflow_shadow_prefect_by_editing_the_routes_only(
    airflow_client, routes_file, legacy_http, api
):
    """`api` is the bridge without a legacy Airflow: what Prefect alone holds."""
    dags, runs = dag_api.DAGApi(airflow_client), dag_run_api.DAGRunApi(airflow_client)

    def listed_once() -> dict:
        listing = dags.get_dags(limit=100)
        ids = [dag.dag_id for dag in listing.dags]
        assert ids.count(ETL) == 1 and set(LEGACY_DAG_IDS) | set(PREFECT_DAG_IDS) <= set(ids)
        return next(dag for dag in listing.dags if dag.dag_id == ETL)

    def in_legacy(dag_run_id: str) -> dict | None:
        return in_legacy_airflow(legacy_http, dag_run_id)

    def in_prefect(dag_run_id: str) -> dict | None:
        response = api.get(f"/dags/{ETL}/dagRuns/{dag_run_id}")
        return response.get_json() if response.status_code == 200 else None

    # 1. airflow: the legacy Airflow serves the DAG; Prefect knows nothing of the run.
    write_routes(routes_file, "airflow")
    assert listed_once().fileloc.endswith("example_etl.py")
    answer = trigger(runs, ETL, "step-airflow", {"fail": False})
    assert answer.dag_run_id == "step-airflow"
    assert runs.get_dag_run(ETL, "step-airflow").conf == {"fail": False}
    assert in_legacy("step-airflow") and in_prefect("step-airflow") is None

    # 2. shadow (authoritative: airflow): the legacy Airflow answers, Prefect runs the same run alongside.
    write_routes(routes_file, "shadow")
    assert listed_once().fileloc.endswith("example_etl.py")
    answer = trigger(runs, ETL, "step-shadow", {"fail": False})
    legacy_run = in_legacy("step-shadow")
    prefect_run = eventually(lambda: in_prefect("step-shadow"))  # the shadow starts once the answer has gone
    assert legacy_run and prefect_run
    assert prefect_run["logical_date"] == legacy_run["logical_date"] == answer.logical_date.isoformat()
    assert prefect_run["conf"] == legacy_run["conf"] == {"fail": False}
    assert runs.get_dag_run(ETL, "step-shadow").external_trigger is True
    labels = paired_labels(api, "step-shadow")
    assert labels[AUTHORITATIVE_LABEL] == "airflow" and labels[LEGACY_RUN_LABEL] == f"{ETL}/step-shadow"

    # 3. prefect: Prefect serves the DAG; the legacy Airflow knows nothing of the run.
    write_routes(routes_file, "prefect")
    assert not listed_once().fileloc.endswith("example_etl.py")
    trigger(runs, ETL, "step-prefect", {"fail": False})
    assert runs.get_dag_run(ETL, "step-prefect").dag_run_id == "step-prefect"
    assert in_prefect("step-prefect") and in_legacy("step-prefect") is None
    assert runs.get_dag_runs(ETL, limit=100).total_entries == len(list_prefect_runs(api, ETL))


def eventually(probe, timeout: float = 60):
    """Poll `probe` until it returns something truthy (the shadow run follows the answer)."""
    deadline = time.monotonic() + timeout
    while not (found := probe()):
        assert time.monotonic() < deadline, f"still nothing after {timeout} s"
        time.sleep(0.2)
    return found


def paired_labels(api, dag_run_id: str) -> dict:
    """The labels of ETL's Prefect run `dag_run_id` once the bridge has recorded its pairing."""
    return eventually(lambda: (labels := api_labels(api, dag_run_id)).get(AUTHORITATIVE_LABEL) and labels)


def in_legacy_airflow(legacy_http, dag_run_id: str) -> dict | None:
    response = legacy_http.get(f"/dags/{ETL}/dagRuns/{dag_run_id}")
    return response.json() if response.status_code == 200 else None


def api_labels(api, dag_run_id: str) -> dict:
    """The labels of the Prefect run behind ETL's run `dag_run_id` (through the Prefect-only bridge)."""
    bridge = api._client.application.extensions["airflow_prefect_bridge"]
    with api._client.application.app_context():
        return bridge.dag_runs.find_flow_run(ETL, dag_run_id).labels


def list_prefect_runs(api, dag_id: str) -> list[dict]:
    runs: list[dict] = []
    while True:
        page = api.get(f"/dags/{dag_id}/dagRuns?limit=100&offset={len(runs)}").get_json()
        runs += page["dag_runs"]
        if not page["dag_runs"] or len(runs) >= page["total_entries"]:
            return runs


def test_a_shadow_trigger_with_prefect_authoritative_also_runs_on_the_legacy_airflow(
    airflow_client, routes_file, legacy_http, api
):
    write_routes(routes_file, "shadow-prefect")
    runs = dag_run_api.DAGRunApi(airflow_client)
    answer = trigger(runs, ETL, "shadow-prefect", {"fail": True})
    legacy_run = eventually(lambda: in_legacy_airflow(legacy_http, "shadow-prefect"))
    assert (legacy_run["logical_date"], legacy_run["conf"]) == (answer.logical_date.isoformat(), {"fail": True})
    labels = paired_labels(api, "shadow-prefect")
    assert labels[AUTHORITATIVE_LABEL] == "prefect" and "airflow.shadow.error" not in labels
    # A run id the legacy Airflow already has: Prefect's answer stands, the refusal is recorded on its run.
    legacy_http.post(f"/dags/{ETL}/dagRuns", json={"dag_run_id": "taken-in-legacy"}).raise_for_status()
    trigger(runs, ETL, "taken-in-legacy")
    assert "409" in paired_labels(api, "taken-in-legacy")["airflow.shadow.error"]


def test_paging_the_merged_listings_shows_everything_once_with_the_right_total(
    airflow_client, routes_file, legacy_http, api, failed_etl_run, prefect_stack
):
    write_routes(routes_file, "airflow")
    dags, runs = dag_api.DAGApi(airflow_client), dag_run_api.DAGRunApi(airflow_client)
    for number in range(3):  # runs at chosen logical dates: some older than every Prefect run
        legacy_http.post(
            f"/dags/{LEGACY_ONLY}/dagRuns",
            json={"dag_run_id": f"paged-{number}", "logical_date": f"2025-0{number + 1}-01T00:00:00+00:00"},
        ).raise_for_status()

    prefect_ids = prefect_dag_ids(prefect_stack)
    expected_dags = sorted(set(LEGACY_DAG_IDS) | set(prefect_ids))
    pages = [dags.get_dags(limit=2, offset=offset) for offset in range(0, len(expected_dags) + 2, 2)]
    listed = [dag.dag_id for page in pages for dag in page.dags]
    assert listed == expected_dags
    assert {page.total_entries for page in pages} == {len(expected_dags)}
    descending = dags.get_dags(limit=3, offset=1, order_by="-dag_id")
    assert [dag.dag_id for dag in descending.dags] == expected_dags[::-1][1:4]

    expected = expected_runs(legacy_http, api, prefect_ids)
    # Orders by logical date: it never changes, while a start date appears when a queued run starts.
    # About ten pages whatever the number of runs other modules left: every page boundary is a merge point.
    size = min(100, max(3, len(expected) // 10))
    for order_by in ("execution_date", "-execution_date", "id"):
        seen, total, offset = [], set(), 0
        while True:
            page = runs.get_dag_runs("~", limit=size, offset=offset, order_by=order_by)
            seen += [(run.dag_id, run.dag_run_id) for run in page.dag_runs]
            total.add(page.total_entries)
            offset += size
            if not page.dag_runs:
                break
        assert sorted(seen) == sorted(expected), order_by
        assert total == {len(expected)}
    batch = runs.get_dag_runs_batch(ListDagRunsForm(page_offset=1, page_limit=4, order_by="execution_date"))
    assert batch.total_entries == len(expected)
    first = runs.get_dag_runs("~", limit=5, order_by="execution_date").dag_runs
    assert [(run.dag_id, run.dag_run_id) for run in batch.dag_runs] == [(r.dag_id, r.dag_run_id) for r in first][1:5]
    # The legacy Airflow's three oldest runs (the paged ones, or another module's dated 2024) are older than every
    # Prefect run of the session: they come first, in the legacy Airflow's own order.
    oldest = legacy_http.post("/dags/~/dagRuns/list", json={"page_limit": 3, "order_by": "execution_date"}).json()
    assert [(run.dag_id, run.dag_run_id) for run in first[:3]] == [
        (run["dag_id"], run["dag_run_id"]) for run in oldest["dag_runs"]
    ]
    assert [run.dag_run_id for run in first if run.dag_run_id.startswith("paged-")] == ["paged-0", "paged-1", "paged-2"]


def expected_runs(legacy_http, api, prefect_ids) -> list[tuple[str, str]]:
    """Every run the merged listing must show with example_etl routed to the legacy Airflow."""
    legacy = legacy_http.post("/dags/~/dagRuns/list", json={"page_limit": 1000}).json()["dag_runs"]
    prefect = []
    for dag_id in prefect_ids:
        if dag_id != ETL:
            prefect += [(dag_id, run["dag_run_id"]) for run in list_prefect_runs(api, dag_id)]
    return [(run["dag_id"], run["dag_run_id"]) for run in legacy] + prefect


def test_dag_stats_come_from_the_side_serving_each_dag(airflow_client, routes_file, legacy_http):
    write_routes(routes_file, "airflow")
    stats_api = dag_stats_api.DagStatsApi(airflow_client)
    # Runs other tests left on the legacy DAG may move from queued to running at any moment: compare
    # the bridge's answer with the legacy Airflow's own, read just before and just after it, unchanged.
    for _ in range(20):
        before = legacy_http.get("/dagStats", params={"dag_ids": LEGACY_ONLY}).json()["dags"][0]
        stats = stats_api.get_dag_stats(dag_ids=f"{HELLO},{LEGACY_ONLY},no_such_dag")
        after = legacy_http.get("/dagStats", params={"dag_ids": LEGACY_ONLY}).json()["dags"][0]
        if before == after:
            break
        time.sleep(1)
    else:
        pytest.fail(f"the legacy Airflow's dagStats for {LEGACY_ONLY} never held still for one request")
    assert [dag.dag_id for dag in stats.dags] == [HELLO, LEGACY_ONLY]
    assert stats.dags[1].to_dict() == after


def test_a_legacy_answer_passes_through_unchanged(bridge, legacy_http, routes_file):
    write_routes(routes_file, "airflow")
    with httpx.Client(auth=("admin", PASSWORD), trust_env=False) as http:
        # (Not a missing task: Airflow 2.10.5 answers that 404 with a null detail, against its own spec.)
        for path in (f"/dags/{LEGACY_ONLY}/tasks", "/dags/no_such_dag", f"/dags/{LEGACY_ONLY}/dagRuns?limit=1"):
            through, direct = http.get(bridge.url + path), legacy_http.get(path)
            assert (through.status_code, through.headers["content-type"]) == (
                direct.status_code,
                direct.headers["content-type"],
            )
            assert through.json() == direct.json()


def test_a_bad_edit_of_the_routes_is_refused_and_the_last_good_routes_stay(airflow_client, routes_file, caplog):
    write_routes(routes_file, "prefect")
    dags = dag_api.DAGApi(airflow_client)
    assert not dags.get_dag(ETL).fileloc.endswith("example_etl.py")
    routes_file.write_text('[[route]]\ndag_id = "example_etl"\nroute = "legacy"\n')
    assert not dags.get_dag(ETL).fileloc.endswith("example_etl.py")  # still Prefect's
    assert "refused" in caplog.text and "'route' must be one of prefect, airflow, shadow" in caplog.text
    write_routes(routes_file, "airflow")
    assert dags.get_dag(ETL).fileloc.endswith("example_etl.py")


@pytest.fixture(scope="module")
def dead_legacy_bridge(prefect_stack, legacy_airflow, tmp_path_factory) -> Iterator[LiveBridge]:
    """The bridge in front of a legacy Airflow that served it and then went down.

    The session's Airflow behind a port of its own (support/forwarder.py), which is then closed: to the
    bridge exactly an Airflow that stopped (its connections closed, new ones refused), while the tests
    after this one keep the session's Airflow and no second one has to start.
    """
    forwarder = Forwarder(("127.0.0.1", urlsplit(legacy_airflow.url).port))
    routes = tmp_path_factory.mktemp("dead-routes") / "routes.toml"
    write_routes(routes, "airflow")
    url = f"http://127.0.0.1:{forwarder.port}"
    live = LiveBridge(legacy_settings(prefect_stack, url, legacy_airflow.password, routes))
    try:
        with live.client() as api_client:
            assert dag_api.DAGApi(api_client).get_dag(LEGACY_ONLY).dag_id == LEGACY_ONLY  # served while it ran
    finally:
        forwarder.close()
    yield live
    live.stop()


def test_with_the_legacy_airflow_down_prefect_dags_work_and_legacy_dags_are_a_503(dead_legacy_bridge):
    with dead_legacy_bridge.client() as api_client:
        dags, runs = dag_api.DAGApi(api_client), dag_run_api.DAGRunApi(api_client)
        assert dags.get_dag(HELLO).dag_id == HELLO
        assert runs.get_dag_runs(HELLO, limit=1).total_entries >= 0
        logical_date = datetime.now(UTC) - timedelta(minutes=5)
        triggered = runs.post_dag_run(HELLO, DAGRun(dag_run_id=f"outage-{logical_date:%H%M%S%f}"))
        assert triggered.state.value == "queued"
        for call in (lambda: dags.get_dag(LEGACY_ONLY), lambda: dags.get_dag(ETL), lambda: dags.get_dags()):
            with pytest.raises(ServiceException) as caught:
                call()
            assert caught.value.status == 503
            assert caught.value.headers["Content-Type"] == "application/problem+json"
            assert "the legacy Airflow at http://127.0.0.1:" in caught.value.body
