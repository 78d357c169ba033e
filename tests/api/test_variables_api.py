"""Variable operations against the real Prefect server."""

import uuid

import pytest

from support.prefect_stack import prefect_call


def unique_key(prefix: str = "Api.Var") -> str:
    return f"{prefix}.{uuid.uuid4().hex[:8]}"


@pytest.fixture
def make_variable(api):
    """POST variables; every one is deleted at teardown."""
    keys = []

    def make(key: str, value: str = "v", **extra) -> dict:
        response = api.post("/variables", json={"key": key, "value": value, **extra})
        assert response.status_code == 200, response.get_json()
        keys.append(key)
        return response.get_json()

    yield make
    for key in keys:
        api.delete(f"/variables/{key}")


def test_create_read_and_delete(api, make_variable, prefect_stack):
    key = unique_key("Env.HOST")
    created = make_variable(key, "db.internal", description="the database")
    assert created == {"key": key, "value": "db.internal", "description": "the database"}
    assert api.get(f"/variables/{key}").get_json() == created
    # What a Prefect flow's Variable.get reads: the mapped name, the same string.
    name = "-env-1-h-o-s-t-1" + key.rsplit(".", 1)[1]
    prefect = prefect_call("GET", f"{prefect_stack.api_url}/variables/name/{name}").json()
    assert prefect["value"] == "db.internal" and "airflow-description:the database" in prefect["tags"]
    assert api.delete(f"/variables/{key}").status_code == 204
    missing = api.get(f"/variables/{key}")
    assert missing.status_code == 404
    assert missing.get_json()["title"] == "Variable not found"
    assert missing.get_json()["detail"] == "Variable does not exist"
    assert api.delete(f"/variables/{key}").status_code == 404


def test_post_of_an_existing_key_overwrites_it_as_airflow_does(api, make_variable):
    key = unique_key()
    make_variable(key, "one", description="first")
    again = api.post("/variables", json={"key": key, "value": "two"})
    assert again.status_code == 200
    assert api.get(f"/variables/{key}").get_json() == {"key": key, "value": "two", "description": None}


def test_keys_with_any_character(api, make_variable):
    key = f"team Ünïcode key:{uuid.uuid4().hex[:6]}"
    make_variable(key, "x")
    assert api.get(f"/variables/{key}").get_json()["value"] == "x"


def test_patch_with_and_without_update_mask(api, make_variable):
    key = unique_key()
    make_variable(key, "one", description="first")
    masked = api.patch(
        f"/variables/{key}?update_mask=description", json={"key": key, "value": "ignored", "description": "d"}
    )
    assert masked.get_json() == {"key": key, "value": "one", "description": "d"}
    whole = api.patch(f"/variables/{key}", json={"key": key, "value": "two"})
    assert whole.get_json() == {"key": key, "value": "two", "description": "d"}
    assert api.get(f"/variables/{key}").get_json() == {"key": key, "value": "two", "description": "d"}


@pytest.mark.parametrize(
    ("path", "body", "status", "title", "detail"),
    [
        (
            "/variables/K?update_mask=key",
            {"key": "K", "value": "v"},
            400,
            "Bad Request",
            "'key' is unknown or cannot be updated.",
        ),
        (
            "/variables/K",
            {"key": "other", "value": "v"},
            400,
            "Invalid post body",
            "key from request body doesn't match uri parameter",
        ),
        (
            "/variables/K",
            {"key": "K"},
            400,
            "Invalid Variable schema",
            "{'value': ['Missing data for required field.']}",
        ),
        (
            "/variables/K",
            {"key": "K", "value": 5},
            400,
            "Invalid Variable schema",
            "{'value': ['Not a valid string.']}",
        ),
        (
            "/variables/K",
            {"key": "K", "value": "v", "x": 1},
            400,
            "Invalid Variable schema",
            "{'x': ['Unknown field.']}",
        ),
        (
            "/variables/No.Such.Key",
            {"key": "No.Such.Key", "value": "v"},
            404,
            "Variable not found",
            "Variable does not exist",
        ),
    ],
)
def test_patch_errors_are_airflows(api, path, body, status, title, detail):
    response = api.patch(path, json=body)
    assert response.status_code == status
    assert (response.get_json()["title"], response.get_json()["detail"]) == (title, detail)


def test_post_errors(api):
    missing = api.post("/variables", json={})
    assert missing.status_code == 400
    assert (
        missing.get_json()["detail"]
        == "{'key': ['Missing data for required field.'], 'value': ['Missing data for required field.']}"
    )
    too_long = api.post("/variables", json={"key": "A" * 200, "value": "v"})
    assert too_long.status_code == 400 and "longer than 255" in too_long.get_json()["detail"]


def test_values_made_in_prefect_read_back_as_json_text(api, prefect_stack):
    name = f"api_json_{uuid.uuid4().hex[:8]}"
    body = {"name": name, "value": {"rows": [1, 2]}, "tags": []}
    prefect_call("POST", f"{prefect_stack.api_url}/variables/", json=body).raise_for_status()
    try:
        assert api.get(f"/variables/{name}").get_json()["value"] == '{"rows": [1, 2]}'
    finally:
        prefect_call("DELETE", f"{prefect_stack.api_url}/variables/name/{name}")


def test_paging_and_order(api, make_variable, prefect_calls):
    prefix = f"page{uuid.uuid4().hex[:6]}"
    keys = [f"{prefix}_{n}" for n in range(3)]
    for key in keys:
        make_variable(key)
    everything = api.get("/variables?limit=100").get_json()
    total = everything["total_entries"]
    assert total >= 3 and len(everything["variables"]) == min(total, 100)
    by_id = [each["key"] for each in everything["variables"]]
    assert by_id[-3:] == keys  # oldest first: the newest are last
    newest_first = [each["key"] for each in api.get("/variables?order_by=-id&limit=3").get_json()["variables"]]
    assert newest_first == keys[::-1]
    by_key = [each["key"] for each in api.get("/variables?order_by=key&limit=100").get_json()["variables"]]
    assert by_key == sorted(by_key)
    by_value = [each["value"] for each in api.get("/variables?order_by=-value&limit=100").get_json()["variables"]]
    assert by_value == sorted(by_value, reverse=True)
    prefect_calls.reset()
    walked = []
    for offset in range(total):
        page = api.get(f"/variables?limit=1&offset={offset}").get_json()
        assert page["total_entries"] == total
        walked += [each["key"] for each in page["variables"]]
    assert walked == by_id
    assert len(prefect_calls.calls) <= 2 * total


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ("order_by=nope", "Ordering with 'nope' is disallowed or the attribute does not exist on the model"),
        ("order_by=", "Ordering with '' is disallowed or the attribute does not exist on the model"),
        ("limit=-1", "Page limit must be a positive integer"),
        ("offset=-1", "-1 is less than the minimum of 0 - 'offset'"),
        ("other=1", "Extra query parameter(s) other not in spec"),
    ],
)
def test_list_errors(api, query, detail):
    response = api.get(f"/variables?{query}")
    assert response.status_code == 400 and response.get_json()["detail"] == detail
