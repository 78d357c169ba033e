"""Users and API tokens end to end: apache-airflow-client 2.10's UserApi, and a Bearer token on the real client.

The bridge listens on a real port (`live_bridge`) in front of the real Prefect
server. Each user made here has a name of its own and is deleted at the end.
"""

from __future__ import annotations

import httpx
import pytest
from airflow_client import client
from airflow_client.client.api import user_api, variable_api
from airflow_client.client.exceptions import ApiException, NotFoundException, UnauthorizedException
from airflow_client.client.model.user import User
from airflow_client.client.model.user_collection_item_roles import UserCollectionItemRoles

from support.secret_log_guard import watch_secret
from support.users import unique, user_body


def test_user_round_trip_through_the_client(api_client, live_bridge):
    users = user_api.UserApi(api_client)
    body = user_body(unique("e2e"), roles=[{"name": "Viewer"}])
    roles = [UserCollectionItemRoles(name=role["name"]) for role in body.pop("roles")]
    created = users.post_user(User(**body, roles=roles))
    assert created.username == body["username"] and [role.name for role in created.roles] == ["Viewer"]
    try:
        read = users.get_user(body["username"])
        assert (read.email, read.active) == (body["email"], True)
        assert not hasattr(read, "password") or "password" not in read.to_dict()
        listed = users.get_users(limit=100, order_by="email")
        assert body["username"] in {user.username for user in listed.users}
        assert listed.total_entries >= 2
        patched = users.patch_user(body["username"], User(**{**body, "last_name": "Moe"}), update_mask=["last_name"])
        assert patched.last_name == "Moe"
        with pytest.raises(ApiException) as conflict:
            users.post_user(User(**body, roles=roles))
        assert conflict.value.status == 409
    finally:
        users.delete_user(body["username"])
    with pytest.raises(NotFoundException):
        users.get_user(body["username"])


def test_a_bearer_token_works_on_the_real_client_until_revoked(api_client, live_bridge):
    users = user_api.UserApi(api_client)
    # Op: reading variables needs can_read on Variables (Op and Admin).
    body = user_body(unique("bot"), roles=[{"name": "Op"}])
    users.post_user(User(**{**body, "roles": [UserCollectionItemRoles(name="Op")]}))
    root = live_bridge.url.removesuffix("/api/v1")
    try:
        login = httpx.post(f"{root}/auth/token", json={"username": body["username"], "password": body["password"]})
        assert login.status_code == 201
        token = watch_secret(login.json()["access_token"])
        # The 2.10 client knows Basic only; a default header carries the token, as automation would send it.
        configuration = client.Configuration(host=live_bridge.url)
        with client.ApiClient(configuration, header_name="Authorization", header_value=f"Bearer {token}") as api:
            variables = variable_api.VariableApi(api)
            assert variables.get_variables(limit=1).total_entries >= 0
            assert httpx.delete(f"{root}/auth/token", headers={"Authorization": f"Bearer {token}"}).status_code == 204
            with pytest.raises(UnauthorizedException):
                variables.get_variables(limit=1)
    finally:
        users.delete_user(body["username"])
