"""Pool operations against the real Prefect server."""

import uuid
from urllib.parse import quote

import pytest

from support.prefect_stack import prefect_call


def unique_name(prefix: str = "Api pool") -> str:
    return f"{prefix} {uuid.uuid4().hex[:8]}"


@pytest.fixture
def make_pool(api):
    """POST pools; every one is deleted at teardown."""
    names = []

    def make(name: str, slots: int = 3, **extra) -> dict:
        response = api.post("/pools", json={"name": name, "slots": slots, **extra})
        assert response.status_code == 200, response.get_json()
        names.append(name)
        return response.get_json()

    yield make
    for name in names:
        api.delete(f"/pools/{quote(name)}")


def test_create_read_and_delete(api, make_pool, prefect_stack):
    name = unique_name("ETL: 50% & <more>")
    created = make_pool(name, 4, description="the warehouse")
    assert created == {
        "name": name,
        "slots": 4,
        "occupied_slots": 0,
        "running_slots": 0,
        "queued_slots": 0,
        "open_slots": 4,
        "scheduled_slots": 0,
        "deferred_slots": 0,
        "description": "the warehouse",
        "include_deferred": False,
    }
    path = f"/pools/{quote(name)}"
    assert api.get(path).get_json() == created
    # The Prefect limit a flow takes slots of: the same name, banned characters escaped.
    limit_name = name.replace("%", "~25").replace("&", "~26").replace("<", "~3c").replace(">", "~3e")
    limit = prefect_call("GET", f"{prefect_stack.api_url}/v2/concurrency_limits/{quote(limit_name)}").json()
    assert limit["limit"] == 4
    assert api.delete(path).status_code == 204
    missing = api.get(path)
    assert missing.status_code == 404 and missing.get_json()["detail"] == f"Pool with name:'{name}' not found"
    assert api.delete(path).status_code == 404


def test_slots_in_use_are_occupied_and_running(api, make_pool, prefect_stack):
    name = unique_name()
    make_pool(name, 5)
    limit_name = name
    body = {"names": [limit_name], "slots": 2, "mode": "concurrency"}
    prefect_call("POST", f"{prefect_stack.api_url}/v2/concurrency_limits/increment", json=body).raise_for_status()
    pool = api.get(f"/pools/{name}").get_json()
    assert (pool["occupied_slots"], pool["running_slots"], pool["open_slots"], pool["queued_slots"]) == (2, 2, 3, 0)


def test_default_pool_always_exists_and_keeps_its_name(api):
    pool = api.get("/pools/default_pool").get_json()
    assert pool["slots"] >= 0 and pool["description"] == "Default pool"
    assert "default_pool" in {each["name"] for each in api.get("/pools").get_json()["pools"]}
    deleted = api.delete("/pools/default_pool")
    assert deleted.status_code == 400 and deleted.get_json()["detail"] == "Default Pool can't be deleted"
    renamed = api.patch("/pools/default_pool", json={"name": "other", "slots": 1})
    assert renamed.status_code == 400 and renamed.get_json()["detail"] == "Default Pool's name can't be modified"
    try:
        resized = api.patch("/pools/default_pool?update_mask=slots", json={"slots": pool["slots"] + 1})
        assert resized.status_code == 200 and resized.get_json()["slots"] == pool["slots"] + 1
    finally:  # later tests see the size it had
        restored = api.patch("/pools/default_pool?update_mask=slots", json={"slots": pool["slots"]})
    assert restored.get_json()["slots"] == pool["slots"]


def test_patch_with_and_without_update_mask_and_renames(api, make_pool):
    name, new_name, taken = unique_name(), unique_name(), unique_name()
    make_pool(name, 2, description="first")
    make_pool(taken, 1)
    masked = api.patch(
        f"/pools/{name}?update_mask=description,include_deferred",
        json={"description": "d", "include_deferred": True, "slots": 9},
    )
    assert (masked.get_json()["slots"], masked.get_json()["description"], masked.get_json()["include_deferred"]) == (
        2,
        "d",
        True,
    )
    assert api.patch(f"/pools/{name}", json={"name": taken, "slots": 2}).status_code == 409
    renamed = api.patch(f"/pools/{name}", json={"name": new_name, "slots": 6})
    assert renamed.status_code == 200
    moved = api.get(f"/pools/{new_name}").get_json()
    assert (moved["slots"], moved["description"], moved["include_deferred"]) == (6, "d", True)
    assert api.get(f"/pools/{name}").status_code == 404
    assert api.delete(f"/pools/{new_name}").status_code == 204


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "detail"),
    [
        ("POST", "/pools", {"name": "x"}, 400, "Missing required property(ies): ['slots']"),
        ("POST", "/pools", {}, 400, "Missing required property(ies): ['name', 'slots']"),
        ("POST", "/pools", {"name": "x", "slots": "2"}, 400, "{'slots': ['Not a valid integer.']}"),
        ("POST", "/pools", {"name": "x", "slots": 1, "open_slots": 2}, 400, "{'open_slots': ['Unknown field.']}"),
        ("PATCH", "/pools/{name}", {"slots": 1}, 400, "Missing required property(ies): ['name']"),
        ("PATCH", "/pools/{name}?update_mask=nope", {"slots": 1}, 400, "Invalid field: nope in update mask"),
        ("PATCH", "/pools/{name}?update_mask=slots", {"name": "x"}, 400, "'slots' is unknown or cannot be updated."),
        (
            "PATCH",
            "/pools/no such pool",
            {"name": "no such pool", "slots": 1},
            404,
            "Pool with name:'no such pool' not found",
        ),
    ],
)
def test_errors_are_airflows(api, make_pool, method, path, body, status, detail):
    name = unique_name()
    make_pool(name)
    response = api.request(method, path.replace("{name}", name), json=body)
    assert response.status_code == status and response.get_json()["detail"] == detail


def test_duplicate_pool_is_409(api, make_pool):
    name = unique_name()
    make_pool(name)
    again = api.post("/pools", json={"name": name, "slots": 1})
    assert again.status_code == 409 and again.get_json()["detail"] == f"Pool: {name} already exists"


def test_paging_and_order(api, make_pool):
    prefix = unique_name("page")
    for slots in (3, 1, 2):
        make_pool(f"{prefix} {slots}", slots)
    everything = api.get("/pools?limit=100").get_json()
    total = everything["total_entries"]
    names = [each["name"] for each in everything["pools"]]
    assert names[-3:] == [f"{prefix} {slots}" for slots in (3, 1, 2)]  # creation order
    by_name = [each["name"] for each in api.get("/pools?order_by=-name").get_json()["pools"]]
    assert by_name == sorted(names, reverse=True)
    by_slots = [each["slots"] for each in api.get("/pools?order_by=slots").get_json()["pools"]]
    assert by_slots == sorted(by_slots)
    walked = [api.get(f"/pools?limit=1&offset={offset}").get_json()["pools"][0]["name"] for offset in range(total)]
    assert walked == names
    assert api.get("/pools?order_by=nope").get_json()["detail"] == (
        "Ordering with 'nope' is disallowed or the attribute does not exist on the model"
    )
    assert api.get("/pools?limit=-1").status_code == 400
