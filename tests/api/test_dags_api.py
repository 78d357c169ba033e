"""DAG operations against the real Prefect server."""

import pytest

from conftest import ETL, HELLO


def test_list_dags_shows_the_demo_deployments(api):
    response = api.get("/dags")
    assert response.status_code == 200
    body = response.get_json()
    dags = {dag["dag_id"]: dag for dag in body["dags"]}
    assert {ETL, HELLO} <= set(dags) and body["total_entries"] == len(body["dags"])
    etl = dags[ETL]
    assert etl["dag_display_name"] == "etl/demo" and etl["owners"] == ["data-engineering"]
    assert etl["schedule_interval"] == {"__type": "CronExpression", "value": "0 6 * * *"}
    assert {"name": "etl"} in etl["tags"] and etl["next_dagrun"].endswith("T06:00:00+00:00")
    assert dags[HELLO]["schedule_interval"]["__type"] == "TimeDelta"


def test_paging_with_limit_one_walks_every_dag_once(api):
    total = api.get("/dags").get_json()["total_entries"]
    seen = []
    for offset in range(total + 1):
        page = api.get(f"/dags?limit=1&offset={offset}").get_json()
        assert page["total_entries"] == total
        seen += [dag["dag_id"] for dag in page["dags"]]
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == total


def test_dags_are_ordered_by_dag_id_either_way(api):
    ids = [dag["dag_id"] for dag in api.get("/dags?order_by=-dag_id").get_json()["dags"]]
    assert ids == sorted(ids, reverse=True)
    assert api.get("/dags?order_by=owners").status_code == 400


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("tags=etl", {ETL}),
        ("tags=etl&tags=nope", {ETL}),
        ("tags=nope", set()),
        ("dag_id_pattern=hello", {HELLO}),
        ("dag_id_pattern=EXAMPLE", {ETL}),
        ("only_active=false&dag_id_pattern=example", {ETL}),
    ],
)
def test_dag_filters(api, query, expected):
    assert {dag["dag_id"] for dag in api.get(f"/dags?{query}").get_json()["dags"]} == expected


def test_fields_restricts_the_keys(api):
    body = api.get("/dags?fields=dag_id&fields=is_paused").get_json()
    assert all(set(dag) == {"dag_id", "is_paused"} for dag in body["dags"]) and "total_entries" in body
    assert api.get("/dags?fields=nope").status_code == 400


def test_get_dag_and_details(api):
    assert api.get(f"/dags/{ETL}").get_json()["dag_id"] == ETL
    details = api.get(f"/dags/{ETL}/details").get_json()
    assert set(details["params"]) == {"rows", "fail"} and details["timezone"] == "UTC"
    assert api.get(f"/dags/{HELLO}/details").status_code == 200


@pytest.mark.parametrize("dag_id", ["nope", "etl.demo", "no.such", "a_zz.b"])
def test_unknown_dag_is_404(api, dag_id):
    response = api.get(f"/dags/{dag_id}")
    assert response.status_code == 404
    assert response.get_json()["detail"] == f"DAG with dag_id: '{dag_id}' not found"


def test_pause_and_unpause_a_dag(api):
    try:
        paused = api.patch(f"/dags/{HELLO}?update_mask=is_paused", json={"is_paused": True})
        assert paused.status_code == 200 and paused.get_json()["is_paused"] is True
        assert api.get(f"/dags/{HELLO}").get_json()["is_paused"] is True
        assert HELLO in {dag["dag_id"] for dag in api.get("/dags?paused=true").get_json()["dags"]}
        assert HELLO not in {dag["dag_id"] for dag in api.get("/dags?paused=false").get_json()["dags"]}
    finally:
        resumed = api.patch(f"/dags/{HELLO}", json={"is_paused": False})
    assert resumed.get_json()["is_paused"] is False


@pytest.mark.parametrize(
    ("query", "body", "detail"),
    [
        ("?update_mask=description", {"is_paused": True}, "Only `is_paused` field can be updated"),
        ("", {"is_paused": "yes"}, "is_paused"),
        ("", {"description": "x"}, "Unknown field"),
    ],
)
def test_patch_dag_refuses_anything_but_is_paused(api, query, body, detail):
    response = api.patch(f"/dags/{HELLO}{query}", json=body)
    assert response.status_code == 400 and detail in response.get_json()["detail"]


def test_bulk_pause_by_pattern(api):
    try:
        body = api.patch("/dags?dag_id_pattern=hello", json={"is_paused": True}).get_json()
        assert [dag["dag_id"] for dag in body["dags"]] == [HELLO] and body["dags"][0]["is_paused"] is True
    finally:
        api.patch("/dags?dag_id_pattern=hello", json={"is_paused": False})
    assert api.patch("/dags", json={"is_paused": True}).status_code == 400  # the pattern is required


def test_a_dag_page_costs_the_index_check_and_one_read(api, prefect_calls):
    """Once the process's estate index is loaded: count, changes since the last check, the page's deployments."""
    api.get("/dags")
    for query in ("", "?limit=1", "?limit=1&offset=1", "?tags=demo&paused=false"):
        prefect_calls.reset()
        assert api.get(f"/dags{query}").status_code == 200
        assert len(prefect_calls.calls) <= 3, prefect_calls.calls


def test_reading_a_dag_costs_one_prefect_call(api, prefect_calls):
    response = api.get(f"/dags/{ETL}")
    assert response.status_code == 200 and response.get_json()["dag_id"] == ETL
    assert len(prefect_calls.calls) == 1
