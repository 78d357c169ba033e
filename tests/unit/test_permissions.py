"""Airflow 2.10's roles and operation rules as data (app/translate/permissions.py)."""

from __future__ import annotations

import pytest

from app.api_v1.operations import V1_OPERATIONS
from app.translate.dag_ids import MappingError, parse_mapping
from app.translate.permissions import (
    ADMIN,
    BUILTIN_ROLES,
    CAN_EDIT,
    CAN_READ,
    DAG_RUNS,
    DAGS,
    OP,
    OPERATION_RULES,
    PUBLIC,
    USER,
    VIEWER,
    AccessControlError,
    Verdict,
    access_control_grants,
    dag_scope,
    decide,
    unknown_permission,
)


def verdict(role: str, operation_id: str, dag_id: str | None = "etl") -> Verdict:
    return decide(OPERATION_RULES[operation_id], BUILTIN_ROLES[role], dag_id)


def test_every_v1_operation_has_a_rule_and_no_rule_is_for_another():
    assert set(OPERATION_RULES) == {operation.operation_id for operation in V1_OPERATIONS}


def test_each_builtin_role_adds_to_the_one_before():
    assert BUILTIN_ROLES[PUBLIC] == frozenset()
    assert BUILTIN_ROLES[VIEWER] < BUILTIN_ROLES[USER] < BUILTIN_ROLES[OP] < BUILTIN_ROLES[ADMIN]


@pytest.mark.parametrize(
    ("operation_id", "lowest_role"),
    [
        ("get_dags", VIEWER),
        ("get_dag_runs", VIEWER),
        ("get_task_instances", VIEWER),
        ("get_log", VIEWER),
        ("get_pools", VIEWER),
        ("get_import_errors", VIEWER),
        ("patch_dag", USER),
        ("post_dag_run", USER),
        ("post_clear_task_instances", USER),
        ("set_task_instance_note", USER),
        ("get_variables", OP),
        ("post_connection", OP),
        ("post_pool", OP),
        ("get_config", OP),
        ("get_plugins", OP),
        ("get_providers", OP),
        ("get_event_logs", ADMIN),  # Audit Logs are Admin's alone in the FAB provider 1.5
        ("get_roles", ADMIN),
        ("post_role", ADMIN),
        ("get_permissions", ADMIN),
        ("get_users", ADMIN),
    ],
)
def test_an_operation_is_allowed_from_its_lowest_builtin_role_up(operation_id, lowest_role):
    order = [PUBLIC, VIEWER, USER, OP, ADMIN]
    for role in order:
        expected = Verdict.ALLOWED if order.index(role) >= order.index(lowest_role) else Verdict.FORBIDDEN
        assert verdict(role, operation_id) is expected, (role, operation_id)


def test_health_and_version_need_nothing():
    assert verdict(PUBLIC, "get_health") is Verdict.ALLOWED
    assert verdict(PUBLIC, "get_version") is Verdict.ALLOWED


def test_public_is_forbidden_everything_else_with_a_403_never_a_404():
    for operation_id, rule in OPERATION_RULES.items():
        if not rule.public:
            assert verdict(PUBLIC, operation_id) is Verdict.FORBIDDEN, operation_id


# -- per-DAG access ----------------------------------------------------------------------------------
TEAM = frozenset({(CAN_READ, "DAG:etl"), (CAN_EDIT, "DAG:etl"), (CAN_READ, "DAG:report"), (CAN_READ, DAG_RUNS)})


def test_a_dag_level_grant_reads_its_dags_and_hides_the_others():
    assert decide(OPERATION_RULES["get_dag"], TEAM, "etl") is Verdict.ALLOWED
    assert decide(OPERATION_RULES["get_dag_runs"], TEAM, "report") is Verdict.ALLOWED
    assert decide(OPERATION_RULES["get_dag"], TEAM, "secret") is Verdict.HIDDEN
    assert decide(OPERATION_RULES["get_dag_runs"], TEAM, "secret") is Verdict.HIDDEN
    # Listings need a grant on any DAG; they are then narrowed to these.
    assert decide(OPERATION_RULES["get_dags"], TEAM, None) is Verdict.ALLOWED
    assert dag_scope(TEAM) == {"etl", "report"}
    assert dag_scope(TEAM, CAN_EDIT) == {"etl"}
    assert dag_scope(BUILTIN_ROLES[VIEWER]) is None


def test_edits_need_can_edit_403_when_readable_404_when_not():
    assert decide(OPERATION_RULES["patch_dag"], TEAM, "etl") is Verdict.ALLOWED
    assert decide(OPERATION_RULES["patch_dag"], TEAM, "report") is Verdict.FORBIDDEN
    assert decide(OPERATION_RULES["patch_dag"], TEAM, "secret") is Verdict.HIDDEN
    # A run needs can_create on DAG Runs (globally or `DAG Run:<id>`) besides editing the DAG.
    assert decide(OPERATION_RULES["post_dag_run"], TEAM, "etl") is Verdict.FORBIDDEN
    assert decide(OPERATION_RULES["post_dag_run"], TEAM | {("can_create", "DAG Run:etl")}, "etl") is Verdict.ALLOWED


def test_across_dags_only_the_entity_is_checked_as_in_airflow():
    assert decide(OPERATION_RULES["get_dag_runs"], TEAM, None) is Verdict.ALLOWED
    assert decide(OPERATION_RULES["get_dag_runs"], frozenset({(CAN_READ, DAG_RUNS)}), None) is Verdict.ALLOWED
    assert decide(OPERATION_RULES["get_task_instances"], TEAM, None) is Verdict.FORBIDDEN


def test_a_missing_entity_permission_is_a_403_even_on_a_readable_dag():
    assert decide(OPERATION_RULES["get_task_instances"], TEAM, "etl") is Verdict.FORBIDDEN


def test_access_control_reads_both_of_airflows_forms_and_the_old_action_names():
    assert access_control_grants("etl", {"team": ["can_read", "can_dag_edit"]}) == {
        "team": frozenset({(CAN_READ, "DAG:etl"), (CAN_EDIT, "DAG:etl")})
    }
    assert access_control_grants("etl", {"ops": {DAGS: ["can_read"], DAG_RUNS: ["can_create"]}}) == {
        "ops": frozenset({(CAN_READ, "DAG:etl"), ("can_create", "DAG Run:etl")})
    }


@pytest.mark.parametrize(
    "access_control",
    [
        {"team": ["can_create"]},
        {"team": {"Pools": ["can_read"]}},
        {"team": "can_read"},
        {"team": {DAG_RUNS: ["can_edit"]}},
    ],
)
def test_access_control_refuses_what_airflow_refuses(access_control):
    with pytest.raises(AccessControlError):
        access_control_grants("etl", access_control)


def test_the_mapping_gives_roles_their_per_dag_permissions():
    mapping = parse_mapping(
        [
            {"dag_id": "etl", "flow": "etl", "deployment": "demo", "access_control": {"team": ["can_read"]}},
            {"dag_id": "report", "flow": "r", "deployment": "d", "access_control": {"team": {"DAGs": ["can_edit"]}}},
        ]
    )
    assert mapping.grants_by_role() == {"team": frozenset({(CAN_READ, "DAG:etl"), (CAN_EDIT, "DAG:report")})}
    with pytest.raises(MappingError, match="access_control"):
        parse_mapping([{"dag_id": "x", "flow": "f", "deployment": "d", "access_control": {"t": ["can_fly"]}}])


def test_unknown_actions_and_resources_are_named_as_airflow_does():
    assert unknown_permission([("can_read", "DAGs"), ("can_read", "DAG:etl"), ("can_create", "DAG Run:etl")]) is None
    assert unknown_permission([("can_fly", "DAGs")]) == "The specified action: 'can_fly' was not found"
    assert unknown_permission([("can_read", "Nothing")]) == "The specified resource: 'Nothing' was not found"
    assert unknown_permission([("can_read", "DAG:bad id")]) == "The specified resource: 'DAG:bad id' was not found"


def test_builtin_roles_cost_no_prefect_call_and_mapping_grants_join_them():
    from app.services.roles import RoleService

    roles = RoleService(None, None, {"Viewer": frozenset({(CAN_EDIT, "DAG:etl")})})  # no Prefect client at all
    assert roles.exists("Op") and roles.exists("Public")
    assert roles.permissions_of(("Viewer",)) == BUILTIN_ROLES[VIEWER] | {(CAN_EDIT, "DAG:etl")}
    assert roles.permissions_of(("Public", "User")) == BUILTIN_ROLES[USER]
    assert roles.permissions_of(()) == frozenset()
