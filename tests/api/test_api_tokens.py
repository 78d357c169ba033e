"""Bearer API tokens: POST /auth/token(/cli) as Airflow 3's simple auth manager, used on /api/v1, revocable.

Every user a test makes has a name of its own and is deleted when the test ends.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator

import pytest

from app.bridge import EXTENSION
from app.translate.users import TOKEN_BLOCK_TYPE, token_document_name
from support.secret_log_guard import watch_secret
from support.users import bearer, eventually, unique, user_body


@pytest.fixture
def robot(api) -> Iterator[dict]:
    """A user with the User role, deleted at the end."""
    body = user_body(unique("robot"), roles=[{"name": "User"}])
    assert api.post("/users", json=body).status_code == 200
    yield body
    assert api.delete(f"/users/{body['username']}").status_code in (204, 404)


def token_of(client, username: str, password: str, path: str = "/auth/token", **kwargs) -> str:
    response = client.post(path, json={"username": username, "password": password}, **kwargs)
    assert response.status_code == 201, response.get_json()
    return watch_secret(response.get_json()["access_token"])


def test_a_token_from_json_or_a_form_is_good_on_the_v1_api(app, robot, prefect_client):
    client = app.test_client()
    token = token_of(client, robot["username"], robot["password"])
    assert client.get("/api/v1/dags", headers=bearer(token)).status_code == 200
    form = client.post("/auth/token", data={"username": robot["username"], "password": robot["password"]})
    assert form.status_code == 201
    assert client.get("/api/v1/dags", headers=bearer(form.get_json()["access_token"])).status_code == 200
    cli = token_of(client, robot["username"], robot["password"], "/auth/token/cli")
    assert client.get("/api/v1/dags", headers=bearer(cli)).status_code == 200
    # Prefect keeps the token's hash and facts, never the token.
    document = prefect_client.read_block_document(TOKEN_BLOCK_TYPE["slug"], token_document_name(token))
    assert token not in json.dumps(document.data)
    assert document.data["revoked"] is False and document.data["username"] == robot["username"]


def test_a_login_is_counted_as_fab_counts_it(api, app, robot):
    token_of(app.test_client(), robot["username"], robot["password"])
    found = api.get(f"/users/{robot['username']}").get_json()
    assert found["login_count"] == 1 and found["last_login"] is not None


@pytest.mark.parametrize(
    ("body", "status", "detail"),
    [
        ({"username": "admin"}, 400, "Username and password must be provided"),
        ({}, 400, "Username and password must be provided"),
        ({"username": "admin", "password": "wrong"}, 401, "Invalid credentials"),
        ({"username": "nobody-" + uuid.uuid4().hex, "password": "x"}, 401, "Invalid credentials"),
    ],
)
def test_token_errors_as_airflow_3_writes_them(app, body, status, detail):
    response = app.test_client().post("/auth/token", json=body)
    assert (response.status_code, response.mimetype) == (status, "application/json")
    assert response.get_json() == {"detail": detail}


def test_an_unknown_or_malformed_bearer_token_is_a_401(api, prefect_calls):
    for header in ("Bearer never-issued", "Bearer ", "bearer x y"):
        response = api.get("/users", auth=False, headers={"Authorization": header})
        assert response.status_code == 401, header


def test_revoking_a_token_refuses_it_at_once(app, robot):
    client = app.test_client()
    token = token_of(client, robot["username"], robot["password"])
    assert client.get("/api/v1/dags", headers=bearer(token)).status_code == 200
    assert client.delete("/auth/token", headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/dags", headers=bearer(token)).status_code == 401
    assert client.delete("/auth/token", headers=bearer("never-issued")).status_code == 401


def test_a_user_s_tokens_die_with_a_new_password_or_deletion(api, app, robot):
    client = app.test_client()
    token = token_of(client, robot["username"], robot["password"])
    changed = {**robot, "password": "an0ther-Pass"}
    assert api.patch(f"/users/{robot['username']}", json=changed).status_code == 200
    assert client.get("/api/v1/dags", headers=bearer(token)).status_code == 401
    token = token_of(client, robot["username"], "an0ther-Pass")
    assert client.get("/api/v1/dags", headers=bearer(token)).status_code == 200
    assert api.delete(f"/users/{robot['username']}").status_code == 204
    assert client.get("/api/v1/dags", headers=bearer(token)).status_code == 401


def test_a_token_revoked_on_one_replica_is_refused_by_the_other(make_app, robot):
    one = make_app(identity_check_seconds=0.5).test_client()
    other = make_app(identity_check_seconds=0.5).test_client()
    token = token_of(one, robot["username"], robot["password"])
    assert other.get("/api/v1/dags", headers=bearer(token)).status_code == 200  # now cached there
    assert one.delete("/auth/token", headers=bearer(token)).status_code == 204
    eventually(lambda: other.get("/api/v1/dags", headers=bearer(token)).status_code == 401, "a revoked token")


def test_tokens_can_be_listed_and_revoked_by_id(app, robot):
    store = app.extensions[EXTENSION].users
    client = app.test_client()
    token = token_of(client, robot["username"], robot["password"])
    listed = {record.name: document_id for document_id, record in store.list_tokens()}
    assert token_document_name(token) in listed
    assert store.revoke_token(document_id=listed[token_document_name(token)])
    assert client.get("/api/v1/dags", headers=bearer(token)).status_code == 401



def test_the_tokens_command_lists_and_revokes_a_user_s_tokens(app, robot, prefect_stack, monkeypatch, capsys):
    from app.cli import main

    client = app.test_client()
    token = token_of(client, robot["username"], robot["password"])
    monkeypatch.setenv("PREFECT_API_URL", prefect_stack.api_url)
    assert main(["tokens", "list"]) == 0
    listing = capsys.readouterr().out
    assert robot["username"] in listing and token not in listing
    assert main(["tokens", "revoke", "--user", robot["username"]]) == 0
    assert "revoked" in capsys.readouterr().out
    # Revoked by another process: refused here within the bound.
    eventually(lambda: client.get("/api/v1/dags", headers=bearer(token)).status_code == 401, "a revoked token")
    assert main(["tokens", "revoke", "00000000-0000-0000-0000-000000000000"]) == 1
    assert main(["tokens", "revoke"]) == 2
