"""The role x operation matrix against a real Airflow 2.10.5 (README "Roles and permissions").

For each built-in role, one user on each side; on every v1 operation one harmless request each
(tests/support/role_probes.py): the bridge forbids (403) exactly what Airflow 2.10.5 forbids.
Served or 501, an operation's permission check comes first on the bridge, as the decorator does
in Airflow, so the 501 operations are compared too.
"""

from __future__ import annotations

import secrets

import httpx
import pytest

from app import create_app
from conftest import AUTH, HELLO
from legacy.bridges import legacy_settings
from support.role_probes import Probe, probes
from support.role_users import add_users
from support.users import basic

ROLES = ("Public", "Viewer", "User", "Op", "Admin")


@pytest.fixture(scope="module")
def airflow_users(legacy_airflow) -> dict[str, dict[str, str]]:
    """One Airflow user per built-in role, made through Airflow's own /users."""
    headers = {}
    with legacy_airflow.client() as admin:
        for role in ROLES:
            username, password = f"authz_{role.lower()}_{secrets.token_hex(3)}", secrets.token_urlsafe(12)
            body = {
                "username": username,
                "first_name": role,
                "last_name": "Probe",
                "email": f"{username}@example.com",
                "roles": [{"name": role}],
                "password": password,
            }
            made = admin.post("/users", json=body)
            assert made.status_code == 200, made.text
            headers[role] = basic(username, password)
    return headers


def _airflow_statuses(legacy_airflow, headers: dict[str, str], found: dict[str, Probe]) -> dict[str, int]:
    statuses = {}
    with httpx.Client(base_url=legacy_airflow.api_url, timeout=60, trust_env=False) as client:
        for operation_id, probe in found.items():
            response = client.request(probe.method, probe.path, params=probe.query, json=probe.body, headers=headers)
            statuses[operation_id] = response.status_code
        with legacy_airflow.client() as admin:
            for probe in found.values():
                if probe.cleanup:
                    admin.request(*probe.cleanup)
    return statuses


def _bridge_statuses(app, headers: dict[str, str], found: dict[str, Probe]) -> dict[str, int]:
    client = app.test_client()
    statuses = {}
    for operation_id, probe in found.items():
        response = client.open(
            "/api/v1" + probe.path, method=probe.method, query_string=probe.query, json=probe.body, headers=headers
        )
        statuses[operation_id] = response.status_code
    for probe in found.values():
        if probe.cleanup:
            client.open("/api/v1" + probe.cleanup[1], method=probe.cleanup[0], headers=AUTH)
    return statuses


@pytest.mark.parametrize("role", ROLES)
def test_each_builtin_role_is_forbidden_exactly_what_airflow_forbids_it(role, legacy_airflow, airflow_users, make_app):
    app = make_app()
    bridge_user = add_users(app, {f"authz_{role.lower()}": (role,)})
    found = probes(role.lower())
    airflow = _airflow_statuses(legacy_airflow, airflow_users[role], found)
    bridge = _bridge_statuses(app, bridge_user[f"authz_{role.lower()}"], found)
    differing = {
        operation_id: {"airflow": airflow[operation_id], "bridge": bridge[operation_id]}
        for operation_id in found
        if (airflow[operation_id] == 403) != (bridge[operation_id] == 403)
    }
    assert differing == {}, f"{role}: 403 on one side only"
    if role == "Public":
        assert sum(status == 403 for status in airflow.values()) == len(found) - 2  # all but /health and /version


def test_per_dag_access_during_a_migration_covers_one_dag_and_refuses_merged_listings(
    legacy_airflow, prefect_stack, tmp_path
):
    """The legacy side of a merged listing answers with the bridge's credentials: it cannot narrow to a caller."""
    routes = tmp_path / "routes.toml"
    routes.write_text("")
    app = create_app(legacy_settings(prefect_stack, legacy_airflow.url, legacy_airflow.password, routes))
    client = app.test_client()
    name = f"authz-migrating-{secrets.token_hex(3)}"
    permissions = [("can_read", f"DAG:{HELLO}"), ("can_read", "DAG Runs")]
    actions = [{"action": {"name": action}, "resource": {"name": resource}} for action, resource in permissions]
    assert client.post("/api/v1/roles", json={"name": name, "actions": actions}, headers=AUTH).status_code == 200
    try:
        member = add_users(app, {"migrating": (name,)})["migrating"]
        assert client.get(f"/api/v1/dags/{HELLO}/dagRuns", headers=member).status_code == 200
        merged = client.get("/api/v1/dags", headers=member)
        assert merged.status_code == 403 and "merged with the legacy Airflow" in merged.get_json()["detail"]
        assert client.get("/api/v1/dags", headers=AUTH).status_code == 200
    finally:
        client.delete(f"/api/v1/roles/{name}", headers=AUTH)
