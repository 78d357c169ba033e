"""The migration status page over the suite's real Prefect (no legacy Airflow configured): auth, formats, cost."""

from __future__ import annotations

from collections import Counter

from conftest import AUTH


def test_the_status_page_is_behind_authentication(app):
    client = app.test_client()
    for path in ("/migration", "/migration.json"):
        answer = client.get(path)
        assert answer.status_code == 401
        assert answer.mimetype == "application/problem+json"
        assert answer.headers["WWW-Authenticate"] == 'Basic realm="Airflow"'


def test_html_or_json_by_the_accept_header(app, failed_etl_run):
    client = app.test_client()
    page = client.get("/migration", headers={**AUTH, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert "<svg" in page.get_data(as_text=True)
    as_json = client.get("/migration", headers={**AUTH, "Accept": "application/json"})
    assert as_json.mimetype == "application/json"
    status = client.get("/migration.json", headers=AUTH).get_json()
    assert status.keys() == as_json.get_json().keys()
    dags = {dag["dag_id"]: dag for dag in status["dags"]}
    assert {"example_etl", "hello.hourly", "fanout.demo"} <= dags.keys()
    assert all(dag["route"] == "prefect" and not dag["in_airflow"] for dag in dags.values())
    assert status["progress"]["migrated"] == status["progress"]["total"] == len(dags)
    assert dags["example_etl"]["last_run"]["prefect"]["state"] in ("success", "failed")


def test_the_page_costs_the_same_prefect_calls_however_many_dags(app, prefect_calls, failed_etl_run):
    client = app.test_client()
    assert client.get("/migration.json", headers=AUTH).status_code == 200  # the process's estate index is read
    prefect_calls.reset()
    assert client.get("/migration.json", headers=AUTH).status_code == 200
    calls = Counter(path for _, path in prefect_calls.calls)
    # DAGs (the estate index's check, then their deployments by id, unless kept from the first request and
    # unchanged since: the demo runner's polls change its deployments at any moment), recent runs (one page)
    # and the stored comparisons: no call per DAG.
    read = {
        "/api/deployments/count": 1,
        "/api/deployments/filter": 2,
        "/api/flow_runs/paginate": 1,
        "/api/artifacts/latest/filter": 1,
    }
    assert calls in (read, {**read, "/api/deployments/filter": 1}), calls
