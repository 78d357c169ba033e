"""Owners as Airflow shows them: never empty, the default owner configurable."""

from app import create_app
from conftest import ETL, FANOUT, HELLO, ApiClient, validated


def test_dags_without_owners_show_airflows_default_owner(api):
    owners = {dag["dag_id"]: dag["owners"] for dag in api.get("/dags").get_json()["dags"]}
    assert owners[ETL] == ["data-engineering"] and owners[HELLO] == ["airflow"]
    assert all(owners.values())
    assert api.get(f"/dags/{FANOUT}/details").get_json()["owners"] == ["airflow"]


def test_the_default_owner_is_a_setting(settings, prefect_stack):
    app = create_app(settings.model_copy(update={"default_owner": "platform"}))
    checker = validated(app)
    api = ApiClient(app)
    assert api.get(f"/dags/{HELLO}").get_json()["owners"] == ["platform"]
    assert api.get(f"/dags/{ETL}").get_json()["owners"] == ["data-engineering"]  # mapped owners stay
    assert {task["owner"] for task in api.get(f"/dags/{FANOUT}/tasks").get_json()["tasks"]} == {"platform"}
    assert not checker.failures
