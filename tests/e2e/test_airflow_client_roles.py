"""Roles and permissions end to end through apache-airflow-client 2.10 (README "Roles and permissions")."""

from __future__ import annotations

import uuid

import pytest
from airflow_client.client.api import permission_api, role_api
from airflow_client.client.exceptions import NotFoundException
from airflow_client.client.model.action import Action
from airflow_client.client.model.action_resource import ActionResource
from airflow_client.client.model.resource import Resource
from airflow_client.client.model.role import Role


def permission(action: str, resource: str) -> ActionResource:
    return ActionResource(action=Action(name=action), resource=Resource(name=resource))


def test_custom_role_round_trip(api_client):
    roles = role_api.RoleApi(api_client)
    name = f"e2e-readers-{uuid.uuid4().hex[:6]}"
    created = roles.post_role(Role(name=name, actions=[permission("can_read", "DAGs")]))
    assert created.name == name
    try:
        assert [(each.action.name, each.resource.name) for each in roles.get_role(name).actions] == [
            ("can_read", "DAGs")
        ]
        assert name in {role.name for role in roles.get_roles(limit=100).roles}
        patched = roles.patch_role(name, Role(name=name, actions=[permission("can_read", "DAG Runs")]))
        assert {each.resource.name for each in patched.actions} == {"DAGs", "DAG Runs"}
    finally:
        roles.delete_role(name)
    with pytest.raises(NotFoundException):
        roles.get_role(name)


def test_the_permission_actions(api_client):
    found = permission_api.PermissionApi(api_client).get_permissions()
    assert "can_read" in {action.name for action in found.actions}
