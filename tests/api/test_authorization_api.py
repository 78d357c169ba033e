"""Roles and permissions over HTTP (README "Roles and permissions"): 403s, per-DAG access, /roles.

The built-in roles against a real Airflow: tests/legacy/test_role_matrix.py.
"""

from __future__ import annotations

import secrets

import pytest

from conftest import AUTH, ETL, FANOUT, HELLO, REPO
from support.role_probes import probes
from support.role_users import add_users

PERMISSION_DENIED = (
    "https://airflow.apache.org/docs/apache-airflow/2.10.5/stable-rest-api-ref.html#section/Errors/PermissionDenied"
)
TEAM_PERMISSIONS = [
    ("can_read", "DAG Runs"),
    ("can_read", "Task Instances"),
    ("can_read", "Audit Logs"),
    ("can_read", "DAG Code"),
]


def actions(pairs) -> list[dict]:
    return [{"action": {"name": action}, "resource": {"name": resource}} for action, resource in pairs]


@pytest.fixture
def team(make_app, prefect_calls, tmp_path, failed_etl_run, fanout_run):
    """An app whose mapping lets the custom role `team` read example_etl alone; a user of that role."""
    role = f"authz-team-{secrets.token_hex(3)}"
    mapping = (REPO / "mappings" / "dags.toml").read_text() + f'access_control = {{ "{role}" = ["can_read"] }}\n'
    (tmp_path / "dags.toml").write_text(mapping)
    app = make_app(prefect_transport=prefect_calls, mapping_file=tmp_path / "dags.toml")
    client = app.test_client()
    made = client.post("/api/v1/roles", json={"name": role, "actions": actions(TEAM_PERMISSIONS)}, headers=AUTH)
    assert made.status_code == 200, made.get_json()
    users = add_users(app, {"member": (role,), "viewer": ("Viewer",), "nobody": ("Public",)})
    yield app, client, users, role
    client.delete(f"/api/v1/roles/{role}", headers=AUTH)


def test_a_forbidden_operation_is_airflows_403_and_costs_no_prefect_call(team, prefect_calls):
    _, client, users, _ = team
    prefect_calls.reset()
    response = client.get("/api/v1/variables", headers=users["viewer"])
    assert response.status_code == 403
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert (body["title"], body["status"], body["type"]) == ("Forbidden", 403, PERMISSION_DENIED)
    assert "can_read on Variables" in body["detail"] and "Viewer" in body["detail"]
    assert prefect_calls.calls == []


def test_501_operations_and_the_migration_page_are_behind_permissions_too(team):
    _, client, users, _ = team
    assert client.put("/api/v1/parseDagFile/some-token", headers=users["viewer"]).status_code == 403
    assert client.put("/api/v1/parseDagFile/some-token", headers=AUTH).status_code == 501
    assert client.get("/migration.json", headers=users["nobody"]).status_code == 403
    assert client.get("/migration.json", headers=users["member"]).status_code == 403  # not every DAG
    assert client.get("/migration.json", headers=users["viewer"]).status_code == 200


def test_per_dag_access_shows_exactly_the_granted_dags_in_lists_and_counts(team):
    _, client, users, _ = team
    member = users["member"]
    dags = client.get("/api/v1/dags", headers=member).get_json()
    assert [dag["dag_id"] for dag in dags["dags"]] == [ETL]
    assert dags["total_entries"] == 1
    everything = client.get("/api/v1/dags", headers=AUTH).get_json()["total_entries"]
    assert everything > 1

    runs = client.get("/api/v1/dags/~/dagRuns", headers=member).get_json()
    own = client.get(f"/api/v1/dags/{ETL}/dagRuns", headers=AUTH).get_json()
    all_runs = client.get("/api/v1/dags/~/dagRuns", headers=AUTH).get_json()
    assert {run["dag_id"] for run in runs["dag_runs"]} == {ETL}
    assert runs["total_entries"] == own["total_entries"] < all_runs["total_entries"]
    batch = client.post("/api/v1/dags/~/dagRuns/list", json={"dag_ids": [ETL, FANOUT]}, headers=member).get_json()
    assert batch["total_entries"] == own["total_entries"]

    instances = client.get("/api/v1/dags/~/dagRuns/~/taskInstances", headers=member).get_json()
    assert instances["total_entries"] > 0
    assert {each["dag_id"] for each in instances["task_instances"]} == {ETL}
    listed = client.post("/api/v1/dags/~/dagRuns/~/taskInstances/list", json={"dag_ids": [FANOUT]}, headers=member)
    assert listed.get_json()["total_entries"] == 0

    stats = client.get("/api/v1/dagStats", query_string={"dag_ids": f"{ETL},{FANOUT},{HELLO}"}, headers=member)
    assert [each["dag_id"] for each in stats.get_json()["dags"]] == [ETL]

    events = client.get("/api/v1/eventLogs", headers=member).get_json()
    assert {entry["dag_id"] for entry in events["event_logs"]} <= {ETL}


def test_a_dag_the_caller_may_not_read_is_the_404_of_a_dag_that_does_not_exist(team):
    _, client, users, _ = team
    member = users["member"]
    assert client.get(f"/api/v1/dags/{ETL}", headers=member).status_code == 200
    hidden = client.get(f"/api/v1/dags/{FANOUT}", headers=member)
    missing = client.get("/api/v1/dags/no_such_dag_at_all", headers=member)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.get_json()["title"] == missing.get_json()["title"] == "DAG not found"
    assert client.get(f"/api/v1/dags/{FANOUT}/dagRuns", headers=member).status_code == 404
    assert client.get(f"/api/v1/dags/{FANOUT}/dagRuns", headers=users["viewer"]).status_code == 200


def test_edits_need_can_edit_403_on_a_readable_dag_404_on_a_hidden_one(team):
    _, client, users, _ = team
    member = users["member"]
    assert client.patch(f"/api/v1/dags/{ETL}", json={"is_paused": True}, headers=member).status_code == 403
    assert client.patch(f"/api/v1/dags/{FANOUT}", json={"is_paused": True}, headers=member).status_code == 404
    assert client.post(f"/api/v1/dags/{ETL}/dagRuns", json={}, headers=member).status_code == 403
    # PATCH /dags needs an editable DAG; a reader of one DAG has none.
    patched = client.patch(
        "/api/v1/dags", query_string={"dag_id_pattern": "~"}, json={"is_paused": True}, headers=member
    )
    assert patched.status_code == 403


def test_a_user_without_roles_that_grant_anything_is_forbidden_not_told_what_exists(team):
    _, client, users, _ = team
    assert client.get(f"/api/v1/dags/{ETL}", headers=users["nobody"]).status_code == 403
    assert client.get("/api/v1/dags/no_such_dag_at_all", headers=users["nobody"]).status_code == 403
    assert client.get("/api/v1/health", headers=users["nobody"]).status_code == 200


# -- /roles and /permissions ---------------------------------------------------------------------------
def test_custom_roles_are_made_read_changed_renamed_and_deleted_with_airflows_rules(api):
    name = f"authz-custom-{secrets.token_hex(3)}"
    made = api.post("/roles", json={"name": name, "actions": actions([("can_read", "DAGs")])})
    assert made.status_code == 200
    assert made.get_json() == {"name": name, "actions": actions([("can_read", "DAGs")])}
    again = api.post("/roles", json={"name": name, "actions": []})
    assert again.status_code == 409
    assert (
        again.get_json()["detail"] == f"Role with name '{name}' already exists; please update with the PATCH endpoint"
    )
    assert api.post("/roles", json={"name": "Viewer", "actions": []}).status_code == 409

    unknown_action = api.post("/roles", json={"name": name + "-x", "actions": actions([("can_fly", "DAGs")])})
    assert (unknown_action.status_code, unknown_action.get_json()["detail"]) == (
        400,
        "The specified action: 'can_fly' was not found",
    )
    unknown_resource = api.post("/roles", json={"name": name + "-x", "actions": actions([("can_read", "Nope")])})
    assert unknown_resource.get_json()["detail"] == "The specified resource: 'Nope' was not found"

    # PATCH adds permissions, as Airflow's bulk_sync_roles does.
    patched = api.patch(f"/roles/{name}", json={"name": name, "actions": actions([("can_read", f"DAG:{ETL}")])})
    assert patched.status_code == 200
    assert patched.get_json()["actions"] == actions(sorted([("can_read", "DAGs"), ("can_read", f"DAG:{ETL}")]))
    renamed = api.patch(f"/roles/{name}", json={"name": name + "-b"}, query_string={"update_mask": "name"})
    assert renamed.get_json()["name"] == name + "-b"
    assert api.get(f"/roles/{name}").status_code == 404
    assert len(api.get(f"/roles/{name}-b").get_json()["actions"]) == 2

    names = [role["name"] for role in api.get("/roles", query_string={"limit": 100}).get_json()["roles"]]
    assert names[:5] == sorted(names[:5]) and name + "-b" in names
    by_id = api.get("/roles", query_string={"order_by": "role_id", "limit": 5}).get_json()
    assert [role["name"] for role in by_id["roles"]] == ["Admin", "Public", "Viewer", "User", "Op"]
    assert api.get("/roles", query_string={"order_by": "-name"}).status_code == 400  # as Airflow's check

    assert api.delete(f"/roles/{name}-b").status_code == 204
    assert api.delete(f"/roles/{name}-b").status_code == 404


def test_builtin_roles_are_airflows_and_cannot_be_changed(api):
    viewer = api.get("/roles/Viewer").get_json()
    assert {"action": {"name": "can_read"}, "resource": {"name": "DAGs"}} in viewer["actions"]
    assert api.get("/roles/Public").get_json()["actions"] == []
    assert api.patch("/roles/Viewer", json={"name": "Viewer", "actions": []}).status_code == 400
    assert api.delete("/roles/Admin").status_code == 400
    permissions = api.get("/permissions").get_json()
    assert [each["name"] for each in permissions["actions"]] == [
        "can_create",
        "can_read",
        "can_edit",
        "can_delete",
        "menu_access",
    ]


def test_a_role_changed_on_one_replica_counts_on_another(make_app):
    first, second = make_app(), make_app()
    second.extensions["airflow_prefect_bridge"].roles.refresh_seconds = 0  # the bound is REFRESH_SECONDS; here none
    name = f"authz-replica-{secrets.token_hex(3)}"
    made = first.test_client().post("/api/v1/roles", json={"name": name, "actions": []}, headers=AUTH)
    assert made.status_code == 200
    user = add_users(second, {"replica-user": (name,)})["replica-user"]
    assert second.test_client().get("/api/v1/pools", headers=user).status_code == 403
    body = {"name": name, "actions": actions([("can_read", "Pools")])}
    assert first.test_client().patch(f"/api/v1/roles/{name}", json=body, headers=AUTH).status_code == 200
    assert second.test_client().get("/api/v1/pools", headers=user).status_code == 200
    first.test_client().delete(f"/api/v1/roles/{name}", headers=AUTH)
    assert second.test_client().get("/api/v1/pools", headers=user).status_code == 403


@pytest.mark.parametrize("role", ["Viewer", "Op"])
def test_every_operation_checks_permissions_before_anything_else(make_app, role):
    """Bridge-side wiring of the matrix: each of the 89 routes enforces its rule (a real Airflow: tests/legacy)."""
    from app.translate.permissions import BUILTIN_ROLES, OPERATION_RULES, Verdict, decide

    app = make_app()
    headers = add_users(app, {"wiring": (role,)})["wiring"]
    client = app.test_client()
    found = probes(f"wiring-{role.lower()}")
    wrong = {}
    for operation_id, probe in found.items():
        if probe.cleanup:
            continue  # creating things is the legacy matrix's part
        response = client.open(
            "/api/v1" + probe.path, method=probe.method, query_string=probe.query, json=probe.body, headers=headers
        )
        forbidden = decide(OPERATION_RULES[operation_id], BUILTIN_ROLES[role], None) is Verdict.FORBIDDEN
        permission_403 = response.status_code == 403 and "none of its roles" in (response.get_json() or {}).get(
            "detail", ""
        )
        if forbidden != permission_403:
            wrong[operation_id] = response.status_code
    assert wrong == {}
