"""The legacy Airflow client against a real Airflow 2.10.5, and its failures against none."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime

import pytest

from app.legacy import LegacyAirflowClient, LegacyAirflowTimeout, LegacyAirflowUnavailable, legacy_client_from_settings
from app.settings import Settings
from support.legacy_airflow import DAG_IDS


@pytest.fixture(scope="module")
def legacy(legacy_airflow):
    settings = Settings(
        auth_enabled=False,
        legacy_airflow_url=legacy_airflow.url,
        legacy_airflow_username=legacy_airflow.username,
        legacy_airflow_password=legacy_airflow.password,
        legacy_airflow_timeout=30,
    )
    client = legacy_client_from_settings(settings)
    yield client
    client.close()


def test_lists_every_dag_page_by_page(legacy):
    page = legacy.list_dags(offset=1, limit=2, order_by="dag_id")
    assert page.total_entries == len(DAG_IDS)
    assert [dag["dag_id"] for dag in page.items] == sorted(DAG_IDS)[1:3]
    assert sorted(dag.dag_id for dag in legacy.iter_dags()) == sorted(DAG_IDS)
    assert legacy.read_dag("no_such_dag") is None
    assert legacy.is_healthy()


def test_runs_in_a_window_and_their_task_instances(legacy):
    dag_id = "legacy_report_3"  # no other test triggers it
    for number, logical_date in enumerate(["2024-03-01T00:00:00+00:00", "2024-06-01T00:00:00+00:00"]):
        body = {"dag_run_id": f"client-contract-{number}", "logical_date": logical_date, "conf": {"n": number}}
        triggered = legacy.post_json(f"/dags/{dag_id}/dagRuns", body)
        assert triggered.status_code == 200, triggered.text
    may, july = datetime(2024, 5, 1, tzinfo=UTC), datetime(2024, 7, 1, tzinfo=UTC)
    window = list(legacy.iter_dag_runs(dag_id, start=may, end=july))
    assert [(run.dag_run_id, run.conf) for run in window] == [("client-contract-1", {"n": 1})]
    assert [run.dag_run_id for run in legacy.iter_dag_runs(dag_id, end=july)] == [
        "client-contract-0",
        "client-contract-1",
    ]
    assert legacy.read_dag_run(dag_id, "client-contract-0").state in {"queued", "running", "success"}
    assert legacy.read_dag_run(dag_id, "no-such-run") is None
    assert [ti.task_id for ti in legacy.list_task_instances(dag_id, "client-contract-0")] in ([], ["report"])


def test_forward_returns_the_answer_as_it_came(legacy):
    response = legacy.forward("GET", "/dags/no_such_dag")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_nothing_listening_is_a_503_naming_the_legacy_airflow():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    client = LegacyAirflowClient(f"http://127.0.0.1:{port}", username="u", password="secret-pw", retries=0)
    with pytest.raises(LegacyAirflowUnavailable) as caught:
        client.list_dags()
    assert caught.value.status == 503
    assert f"the legacy Airflow at http://127.0.0.1:{port}" in str(caught.value)
    assert "secret-pw" not in str(caught.value)


def test_a_silent_legacy_airflow_is_a_504_and_a_trigger_is_not_repeated():
    accepted = []
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()

        def accept_and_stay_silent():
            while len(accepted) < 2:
                try:
                    connection, _ = server.accept()
                except OSError:
                    return
                accepted.append(connection)

        threading.Thread(target=accept_and_stay_silent, daemon=True).start()
        client = LegacyAirflowClient(f"http://127.0.0.1:{server.getsockname()[1]}", username="u", password="p",
                                     timeout=0.5)
        with pytest.raises(LegacyAirflowTimeout) as caught:
            client.post_json("/dags/x/dagRuns", {})
        assert caught.value.status == 504
        assert len(accepted) == 1
        for connection in accepted:
            connection.close()
