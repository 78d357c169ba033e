"""Users kept in Prefect and the v1 user operations (FAB provider 1.5.3's rules), over the suite's Prefect server.

Every user a test makes has a name of its own (the suite runs twice, in any
order, over one Prefect) and is deleted when the test ends.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator

import pytest

from app.bridge import EXTENSION
from app.translate.users import USER_BLOCK_TYPE, UserRecord, user_document_name
from support.users import basic, eventually, unique, user_body


@pytest.fixture
def made_users(api) -> Iterator[list[str]]:
    """Usernames the test made; each is deleted at the end (a 404 if the test deleted it already)."""
    names: list[str] = []
    yield names
    for name in names:
        assert api.delete(f"/users/{name}").status_code in (204, 404)


@pytest.fixture
def make_user(api, made_users) -> Callable[..., dict]:
    def make(prefix: str = "user", **fields) -> dict:
        body = user_body(unique(prefix), **fields)
        response = api.post("/users", json=body)
        assert response.status_code == 200, response.get_json()
        made_users.append(body["username"])
        return body

    return make


def test_a_user_is_a_block_document_holding_a_salted_hash_never_the_password(app, make_user, prefect_client):
    body = make_user(roles=[{"name": "Viewer"}])
    document = prefect_client.read_block_document(
        USER_BLOCK_TYPE["slug"], user_document_name(body["username"]), include_secrets=True
    )
    stored = json.dumps(document.data)
    assert body["password"] not in stored
    assert document.data["password_hash"].startswith("scrypt$")
    assert document.data["username"] == body["username"] and document.data["roles"] == ["Viewer"]


def test_the_store_creates_users_that_authenticate_with_their_roles(app):
    store = app.extensions[EXTENSION].users
    name = unique("store")
    store.create(UserRecord(username=name, email=f"{name}@example.com", roles=("Admin",)), "store-pw-1")
    try:
        client = app.test_client()
        response = client.get(f"/api/v1/users/{name}", headers=basic(name, "store-pw-1"))
        assert response.status_code == 200
        assert response.get_json()["roles"] == [{"name": "Admin"}]
        assert client.get("/api/v1/users", headers=basic(name, "wrong-pw")).status_code == 401
    finally:
        store.delete(name)


def test_post_user_answers_airflow_s_user_without_the_password(api, make_user):
    body = make_user()
    found = api.get(f"/users/{body['username']}").get_json()
    assert "password" not in found
    assert found["username"] == body["username"] and found["email"] == body["email"]
    assert found["active"] is True and found["roles"] == [{"name": "Public"}]  # FAB's registered-user role
    assert found["created_on"] and found["changed_on"] and found["login_count"] is None


def test_post_user_conflicts_and_bad_bodies(api, make_user):
    taken = make_user()
    again = api.post("/users", json=user_body(taken["username"].upper()))
    assert again.status_code == 409  # usernames match case-insensitively, as FAB's
    assert "already exists" in again.get_json()["detail"]
    same_email = api.post("/users", json=user_body(unique("other"), email=taken["email"]))
    assert same_email.status_code == 409
    assert same_email.get_json()["detail"] == f"The email `{taken['email']}` is already taken."
    unknown = api.post("/users", json=user_body(unique("roles"), roles=[{"name": "Nope"}, {"name": "Admin"}]))
    assert unknown.status_code == 400 and unknown.get_json()["detail"] == "Unknown roles: 'Nope'"
    missing = api.post("/users", json={"username": unique("missing")})
    assert missing.status_code == 400 and "Missing data for required field." in missing.get_json()["detail"]
    read_only = api.post("/users", json=user_body(unique("ro"), active=False))
    assert read_only.status_code == 400 and "Unknown field." in read_only.get_json()["detail"]
    assert api.post("/users", json=user_body(unique("type"), first_name=3)).status_code == 400


def test_get_users_pages_and_orders(api, make_user):
    made = [make_user("page", first_name=name) for name in ("Zed", "Amy", "Max")]
    everyone = api.get("/users?limit=100").get_json()
    assert everyone["total_entries"] >= 4  # the admin too
    names = [user["username"] for user in everyone["users"]]
    assert names.index(made[0]["username"]) < names.index(made[1]["username"]) < names.index(made[2]["username"])
    by_first = api.get("/users?order_by=first_name&limit=100").get_json()["users"]
    firsts = [user["first_name"] for user in by_first]
    assert firsts == sorted(firsts)
    page = api.get("/users?limit=1&offset=1").get_json()
    assert len(page["users"]) == 1 and page["users"][0] == everyone["users"][1]
    assert page["total_entries"] == everyone["total_entries"]
    # Airflow checks the raw order_by: a leading `-` is its 400, as an unknown key is.
    for order_by in ("-id", "password", ""):
        response = api.get(f"/users?order_by={order_by}")
        assert response.status_code == 400, order_by
    assert api.get("/users/nobody-" + uuid.uuid4().hex).status_code == 404


def test_patch_user_with_and_without_update_mask(api, app, make_user):
    body = make_user("patch")
    name = body["username"]
    masked = api.patch(f"/users/{name}?update_mask=first_name", json={**body, "first_name": "Bea", "last_name": "X"})
    assert masked.status_code == 200
    assert masked.get_json()["first_name"] == "Bea" and masked.get_json()["last_name"] == "Lee"
    unknown_mask = api.patch(f"/users/{name}?update_mask=nope", json=body)
    assert unknown_mask.status_code == 400 and unknown_mask.get_json()["detail"] == "Unknown update masks: 'nope'"
    roles = api.patch(f"/users/{name}", json={**body, "roles": [{"name": "Op"}, {"name": "Viewer"}]})
    assert roles.get_json()["roles"] == [{"name": "Op"}, {"name": "Viewer"}]
    assert api.patch(f"/users/{name}", json={**body, "roles": [{"name": "Ghost"}]}).status_code == 400
    assert api.patch(f"/users/nobody-{uuid.uuid4().hex}", json=body).status_code == 404
    other = make_user("taken")
    clash = api.patch(f"/users/{name}", json={**body, "email": other["email"]})
    assert clash.status_code == 409 and clash.get_json()["detail"] == f"The email `{other['email']}` already exists"


def test_a_new_password_replaces_the_old_one_at_once(app, api, make_user):
    body = make_user("pw")
    client = app.test_client()
    old = basic(body["username"], body["password"])
    assert client.get("/api/v1/users", headers=old).status_code != 401
    changed = api.patch(f"/users/{body['username']}?update_mask=password", json={**body, "password": "n3w-Pass"})
    assert changed.status_code == 200 and "password" not in changed.get_json()
    assert client.get("/api/v1/users", headers=old).status_code == 401
    assert client.get("/api/v1/users", headers=basic(body["username"], "n3w-Pass")).status_code != 401


def test_renaming_keeps_the_user(api, make_user, made_users):
    body = make_user("old")
    new_name = unique("new")
    made_users.append(new_name)
    renamed = api.patch(f"/users/{body['username']}", json={**body, "username": new_name})
    assert renamed.status_code == 200 and renamed.get_json()["username"] == new_name
    assert api.get(f"/users/{body['username']}").status_code == 404
    assert api.get(f"/users/{new_name}").get_json()["created_on"] == renamed.get_json()["created_on"]


def test_delete_user_then_its_credentials_fail(app, api, make_user):
    body = make_user("gone")
    client = app.test_client()
    credentials = basic(body["username"], body["password"])
    assert client.get("/api/v1/users", headers=credentials).status_code != 401
    assert api.delete(f"/users/{body['username']}").status_code == 204
    assert client.get("/api/v1/users", headers=credentials).status_code == 401
    assert api.delete(f"/users/{body['username']}").status_code == 404


# Signing in is `!= 401`: with roles' permissions enforced (authz), a user without Admin's is then 403 on /users.

# -- replicas -------------------------------------------------------------------------


@pytest.fixture
def replicas(make_app):
    """Two apps over the same Prefect: two processes' worth of bridges, each with its own snapshot."""
    return make_app(identity_check_seconds=0.5).test_client(), make_app(identity_check_seconds=0.5).test_client()


def test_a_user_made_on_one_replica_signs_in_on_the_other(replicas, made_users):
    one, other = replicas
    body = user_body(unique("rep"))
    assert one.post("/api/v1/users", json=body, headers=basic("admin", "test-password")).status_code == 200
    made_users.append(body["username"])
    credentials = basic(body["username"], body["password"])
    eventually(lambda: other.get("/api/v1/users", headers=credentials).status_code != 401, "a new user")


def test_a_password_changed_or_a_user_deleted_on_one_replica_is_refused_by_the_other(replicas, made_users):
    one, other = replicas
    admin = basic("admin", "test-password")
    body = user_body(unique("rep"))
    assert one.post("/api/v1/users", json=body, headers=admin).status_code == 200
    made_users.append(body["username"])
    credentials = basic(body["username"], body["password"])
    eventually(lambda: other.get("/api/v1/users", headers=credentials).status_code != 401, "a new user")
    # The other replica has the verdict cached now; a new password must still void it there.
    changed = {**body, "password": "An0ther-pw"}
    assert one.patch(f"/api/v1/users/{body['username']}", json=changed, headers=admin).status_code == 200
    eventually(lambda: other.get("/api/v1/users", headers=credentials).status_code == 401, "a new password")
    fresh = basic(body["username"], "An0ther-pw")
    eventually(lambda: other.get("/api/v1/users", headers=fresh).status_code != 401, "the new password")
    assert one.delete(f"/api/v1/users/{body['username']}", headers=admin).status_code == 204
    eventually(lambda: other.get("/api/v1/users", headers=fresh).status_code == 401, "a deleted user")


def test_a_user_deactivated_on_one_replica_is_refused_by_the_other(app, replicas, made_users):
    one, other = replicas
    admin = basic("admin", "test-password")
    body = user_body(unique("act"), roles=[{"name": "Viewer"}])
    assert one.post("/api/v1/users", json=body, headers=admin).status_code == 200
    made_users.append(body["username"])
    credentials = basic(body["username"], body["password"])
    eventually(lambda: other.get("/api/v1/users", headers=credentials).status_code != 401, "a new user")
    app.extensions[EXTENSION].users.update(body["username"], {"active": False}, None)
    eventually(lambda: other.get("/api/v1/users", headers=credentials).status_code == 401, "a deactivated user")
