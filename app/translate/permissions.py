"""Airflow 2.10's permissions, built-in roles and the permission each v1 operation requires: as data.

Sources read (Airflow 2.10.5 with apache-airflow-providers-fab 1.5.3, the pair tests/legacy_airflow pins):

- airflow/security/permissions.py: the action and resource names, the `DAG:` and `DAG Run:` prefixes
  of per-DAG resources and which actions each takes (RESOURCE_DETAILS_MAP);
- airflow/providers/fab/auth_manager/security_manager/override.py: VIEWER_PERMISSIONS,
  USER_PERMISSIONS, OP_PERMISSIONS, ADMIN_PERMISSIONS and ROLE_CONFIGS (Public has none; each role
  adds to the one before), and `update_admin_permission` (Admin also holds every other non-DAG
  permission the webserver's views register: users, roles, permissions, ...);
- airflow/providers/fab/auth_manager/fab_auth_manager.py: how an API method maps to an action
  (GET can_read, POST can_create, PUT can_edit, DELETE can_delete), `is_authorized_dag` (a DAG
  sub-entity needs can_read on the DAG for GET, can_edit for anything else, then the method's action
  on each entity resource), `_MAP_DAG_ACCESS_ENTITY_TO_FAB_RESOURCE_TYPE` (a task instance needs
  both `DAG Runs` and `Task Instances`), `_is_authorized_dag_run` (`DAG Run:<dag_id>` counts for
  one DAG), `get_permitted_dag_ids`, and the access views (import errors, plugins, providers);
- airflow/api_connexion/security.py (`requires_access_dag`: without a dag_id, a DAG-level grant on
  any DAG is enough for GET and PUT) and the `@security.requires_access_*` decorator of every
  endpoint in airflow/api_connexion/endpoints/, plus the FAB provider's
  api_endpoints/role_and_permission_endpoint.py and user_endpoint.py (`requires_access_custom_view`);
- airflow/models/dag.py `_upgrade_outdated_dag_access_control`: the two forms of `access_control`
  (a set of actions on the DAG, or a dict keyed by resource) and the old `can_dag_read/edit` names.

Pure: no Flask, no Prefect. app/services/roles.py stores custom roles; app/api_v1/authorization.py
enforces `decide` before every v1 handler.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

Permission = tuple[str, str]  # (action, resource), Airflow's names

# -- actions ----------------------------------------------------------------------------------------
CAN_CREATE = "can_create"
CAN_READ = "can_read"
CAN_EDIT = "can_edit"
CAN_DELETE = "can_delete"
MENU_ACCESS = "menu_access"
ACTIONS = (CAN_CREATE, CAN_READ, CAN_EDIT, CAN_DELETE, MENU_ACCESS)
#: Airflow's API methods -> the action they need (airflow/auth/managers/utils/fab.py).
METHOD_ACTIONS = {"POST": CAN_CREATE, "GET": CAN_READ, "PUT": CAN_EDIT, "DELETE": CAN_DELETE}

# -- resources --------------------------------------------------------------------------------------
PERMISSIONS = "Permissions"  # RESOURCE_ACTION
ADMIN_MENU = "Admin"
AUDIT_LOGS = "Audit Logs"
BROWSE_MENU = "Browse"
CONFIGURATIONS = "Configurations"
CONNECTIONS = "Connections"
DAGS = "DAGs"
DAG_CODE = "DAG Code"
DAG_DEPENDENCIES = "DAG Dependencies"
DAG_RUNS = "DAG Runs"
DAG_WARNINGS = "DAG Warnings"
CLUSTER_ACTIVITY = "Cluster Activity"
DATASETS = "Datasets"
DOCUMENTATION = "Documentation"
DOCS_MENU = "Docs"
IMPORT_ERRORS = "ImportError"
JOBS = "Jobs"
MY_PASSWORD = "My Password"
MY_PROFILE = "My Profile"
PASSWORDS = "Passwords"
PERMISSION_VIEWS = "Permission Views"
PLUGINS = "Plugins"
POOLS = "Pools"
PROVIDERS = "Providers"
VIEW_MENUS = "View Menus"
ROLES = "Roles"
SLA_MISSES = "SLA Misses"
TASK_INSTANCES = "Task Instances"
TASK_LOGS = "Task Logs"
TASK_RESCHEDULES = "Task Reschedules"
TRIGGERS = "Triggers"
USERS = "Users"
USER_STATS_CHART = "User Stats Chart"
VARIABLES = "Variables"
WEBSITE = "Website"
XCOMS = "XComs"
RESOURCES = (
    PERMISSIONS, ADMIN_MENU, AUDIT_LOGS, BROWSE_MENU, CONFIGURATIONS, CONNECTIONS, DAGS, DAG_CODE,
    DAG_DEPENDENCIES, DAG_RUNS, DAG_WARNINGS, CLUSTER_ACTIVITY, DATASETS, DOCUMENTATION, DOCS_MENU,
    IMPORT_ERRORS, JOBS, MY_PASSWORD, MY_PROFILE, PASSWORDS, PERMISSION_VIEWS, PLUGINS, POOLS, PROVIDERS,
    VIEW_MENUS, ROLES, SLA_MISSES, TASK_INSTANCES, TASK_LOGS, TASK_RESCHEDULES, TRIGGERS, USERS,
    USER_STATS_CHART, VARIABLES, WEBSITE, XCOMS,
)  # fmt: skip

#: Per-DAG resources: `DAG:<dag_id>` and `DAG Run:<dag_id>`, and the actions each takes (RESOURCE_DETAILS_MAP).
DAG_PREFIX = "DAG:"
DAG_RUN_PREFIX = "DAG Run:"
PER_DAG_RESOURCES = {
    DAGS: (DAG_PREFIX, frozenset({CAN_READ, CAN_EDIT, CAN_DELETE})),
    DAG_RUNS: (DAG_RUN_PREFIX, frozenset({CAN_READ, CAN_CREATE, CAN_DELETE, MENU_ACCESS})),
}
DAG_PREFIXES = (DAG_PREFIX, DAG_RUN_PREFIX)
#: Airflow 1's per-DAG action names, still accepted in `access_control`.
OUTDATED_DAG_ACTIONS = {"can_dag_read": CAN_READ, "can_dag_edit": CAN_EDIT}

# -- the built-in roles (override.py) ---------------------------------------------------------------
VIEWER_PERMISSIONS: tuple[Permission, ...] = (
    *((CAN_READ, each) for each in (
        DAGS, DAG_DEPENDENCIES, DAG_CODE, DAG_RUNS, DATASETS, CLUSTER_ACTIVITY, POOLS, IMPORT_ERRORS,
        DAG_WARNINGS, JOBS, MY_PASSWORD, MY_PROFILE, SLA_MISSES, TASK_INSTANCES, TASK_LOGS, XCOMS, WEBSITE,
    )),
    (CAN_EDIT, MY_PASSWORD),
    (CAN_EDIT, MY_PROFILE),
    *((MENU_ACCESS, each) for each in (
        BROWSE_MENU, DAGS, DAG_DEPENDENCIES, DAG_RUNS, DATASETS, CLUSTER_ACTIVITY, DOCUMENTATION, DOCS_MENU,
        JOBS, SLA_MISSES, TASK_INSTANCES,
    )),
)  # fmt: skip
USER_PERMISSIONS: tuple[Permission, ...] = (
    (CAN_EDIT, DAGS),
    (CAN_DELETE, DAGS),
    (CAN_CREATE, TASK_INSTANCES),
    (CAN_EDIT, TASK_INSTANCES),
    (CAN_DELETE, TASK_INSTANCES),
    (CAN_CREATE, DAG_RUNS),
    (CAN_EDIT, DAG_RUNS),
    (CAN_DELETE, DAG_RUNS),
    (CAN_CREATE, DATASETS),
)
OP_PERMISSIONS: tuple[Permission, ...] = (
    (CAN_READ, CONFIGURATIONS),
    *((MENU_ACCESS, each) for each in (ADMIN_MENU, CONFIGURATIONS, CONNECTIONS, POOLS, PLUGINS, VARIABLES,
                                       PROVIDERS, XCOMS)),
    *((action, CONNECTIONS) for action in (CAN_CREATE, CAN_READ, CAN_EDIT, CAN_DELETE)),
    *((action, POOLS) for action in (CAN_CREATE, CAN_EDIT, CAN_DELETE)),
    (CAN_READ, PLUGINS),
    (CAN_READ, PROVIDERS),
    *((action, VARIABLES) for action in (CAN_CREATE, CAN_READ, CAN_EDIT, CAN_DELETE)),
    (CAN_DELETE, XCOMS),
    (CAN_DELETE, DATASETS),
    (CAN_CREATE, DATASETS),
)  # fmt: skip
ADMIN_PERMISSIONS: tuple[Permission, ...] = (
    (CAN_READ, AUDIT_LOGS),
    (MENU_ACCESS, AUDIT_LOGS),
    (CAN_READ, TASK_RESCHEDULES),
    (MENU_ACCESS, TASK_RESCHEDULES),
    (CAN_READ, TRIGGERS),
    (MENU_ACCESS, TRIGGERS),
    (CAN_READ, PASSWORDS),
    (CAN_EDIT, PASSWORDS),
    (CAN_READ, ROLES),
    (CAN_EDIT, ROLES),
)
#: What the FAB security views register and `update_admin_permission` gives Admin besides its list.
SECURITY_VIEW_PERMISSIONS: tuple[Permission, ...] = (
    *((action, USERS) for action in (CAN_CREATE, CAN_READ, CAN_EDIT, CAN_DELETE)),
    (CAN_CREATE, ROLES),
    (CAN_DELETE, ROLES),
    (CAN_READ, PERMISSIONS),
    (CAN_READ, PERMISSION_VIEWS),
    (CAN_READ, VIEW_MENUS),
    (CAN_READ, USER_STATS_CHART),
)

PUBLIC, VIEWER, USER, OP, ADMIN = "Public", "Viewer", "User", "Op", "Admin"
BUILTIN_ROLES: Mapping[str, frozenset[Permission]] = {
    PUBLIC: frozenset(),
    VIEWER: frozenset(VIEWER_PERMISSIONS),
    USER: frozenset(VIEWER_PERMISSIONS + USER_PERMISSIONS),
    OP: frozenset(VIEWER_PERMISSIONS + USER_PERMISSIONS + OP_PERMISSIONS),
    ADMIN: frozenset(
        VIEWER_PERMISSIONS + USER_PERMISSIONS + OP_PERMISSIONS + ADMIN_PERMISSIONS + SECURITY_VIEW_PERMISSIONS
    ),
}


# -- names a custom role may use ----------------------------------------------------------------------
_DAG_ID = re.compile(r"^[A-Za-z0-9_.-]{1,250}$")


def resource_exists(resource: str) -> bool:
    """Airflow's resource names, and `DAG:<dag_id>` / `DAG Run:<dag_id>` for any valid dag_id.

    Airflow knows a DAG's resources once the DAG is parsed; the bridge accepts them for any valid
    dag_id, so a role can be made before its DAG is deployed.
    """
    if resource in RESOURCES:
        return True
    return any(resource.startswith(prefix) and _DAG_ID.match(resource[len(prefix) :]) for prefix in DAG_PREFIXES)


def unknown_permission(permissions: Iterable[Permission]) -> str | None:
    """Airflow's 400 detail for the first unknown action or resource, or None when all are known."""
    for action, resource in permissions:
        if action not in ACTIONS:
            return f"The specified action: {action!r} was not found"
        if not resource_exists(resource):
            return f"The specified resource: {resource!r} was not found"
    return None


# -- per-DAG access declared in the mapping (Airflow's `access_control`) ----------------------------------
class AccessControlError(ValueError):
    pass


def access_control_grants(dag_id: str, access_control: Mapping[str, object]) -> dict[str, frozenset[Permission]]:
    """role -> the per-DAG permissions `access_control` gives it on `dag_id`.

    Both of Airflow 2.10's forms: `{role: ["can_read", ...]}` (actions on the DAG) and
    `{role: {"DAGs": [...], "DAG Runs": [...]}}`; `can_dag_read`/`can_dag_edit` read as
    can_read/can_edit, as Airflow upgrades them.
    """
    grants: dict[str, frozenset[Permission]] = {}
    for role, given in access_control.items():
        by_resource = given if isinstance(given, Mapping) else {DAGS: given}
        found: set[Permission] = set()
        for resource, actions in by_resource.items():
            if resource not in PER_DAG_RESOURCES:
                raise AccessControlError(
                    f"role '{role}': '{resource}' takes no per-DAG permissions (only {', '.join(PER_DAG_RESOURCES)})"
                )
            if isinstance(actions, str) or not isinstance(actions, Iterable):
                raise AccessControlError(f"role '{role}': the actions on '{resource}' must be a list of names")
            prefix, allowed = PER_DAG_RESOURCES[resource]
            for action in actions:
                action = OUTDATED_DAG_ACTIONS.get(action, action)
                if action not in allowed:
                    raise AccessControlError(
                        f"role '{role}': '{action}' is not an action on '{resource}' "
                        f"(one of {', '.join(sorted(allowed))})"
                    )
                found.add((action, prefix + dag_id))
        grants[str(role)] = frozenset(found)
    return grants


# -- what each operation requires -------------------------------------------------------------------------
@dataclass(frozen=True)
class Rule:
    """What Airflow checks before an operation runs.

    `method` is Airflow's ResourceMethod. `dag` is True for `requires_access_dag` (the DAG itself,
    globally through `DAGs` or for one DAG through `DAG:<dag_id>`); `entities` are the resources of
    the DAG's sub-entity (`DAG Runs` may be granted for one DAG through `DAG Run:<dag_id>`);
    `resources` are global resources checked with the method's action; `custom` are exact
    (action, resource) pairs (`requires_access_custom_view`).
    """

    method: str = "GET"
    dag: bool = False
    entities: tuple[str, ...] = ()
    resources: tuple[str, ...] = ()
    custom: tuple[Permission, ...] = ()
    public: bool = False
    #: The method the DAG itself is checked with, when not `method` (the dataset queue's DELETE needs the DAG's GET).
    dag_method: str | None = None


PUBLIC_RULE = Rule(public=True)


def dag_rule(method: str, *entities: str, also: tuple[str, ...] = ()) -> Rule:
    return Rule(method, dag=True, entities=entities, resources=also)


def resource_rule(method: str, resource: str) -> Rule:
    return Rule(method, resources=(resource,))


def custom_rule(method: str, resource: str) -> Rule:
    return Rule(method, custom=((METHOD_ACTIONS[method], resource),))


#: DagAccessEntity -> resources (fab_auth_manager._MAP_DAG_ACCESS_ENTITY_TO_FAB_RESOURCE_TYPE).
RUN = (DAG_RUNS,)
TASK = (TASK_INSTANCES,)
TASK_INSTANCE = (DAG_RUNS, TASK_INSTANCES)

#: operationId -> the rule of its endpoint's decorator (api_connexion/endpoints/*.py, FAB api_endpoints).
OPERATION_RULES: Mapping[str, Rule] = {
    "get_health": PUBLIC_RULE,
    "get_version": PUBLIC_RULE,
    # DAGs
    "get_dags": dag_rule("GET"),
    "patch_dags": dag_rule("PUT"),
    "get_dag": dag_rule("GET"),
    "patch_dag": dag_rule("PUT"),
    "delete_dag": dag_rule("DELETE"),
    "get_dag_details": dag_rule("GET"),
    "get_dag_source": dag_rule("GET", DAG_CODE),
    "reparse_dag_file": dag_rule("PUT"),
    "get_dag_stats": dag_rule("GET", *RUN),
    "get_dag_warnings": dag_rule("GET", DAG_WARNINGS),
    "get_import_errors": resource_rule("GET", IMPORT_ERRORS),
    "get_import_error": resource_rule("GET", IMPORT_ERRORS),
    # DAG runs
    "get_dag_runs": dag_rule("GET", *RUN),
    "post_dag_run": dag_rule("POST", *RUN),
    "get_dag_runs_batch": dag_rule("GET", *RUN),
    "get_dag_run": dag_rule("GET", *RUN),
    "delete_dag_run": dag_rule("DELETE", *RUN),
    "update_dag_run_state": dag_rule("PUT", *RUN),
    "clear_dag_run": dag_rule("PUT", *RUN),
    "set_dag_run_note": dag_rule("PUT", *RUN),
    "get_upstream_dataset_events": dag_rule("GET", *RUN, also=(DATASETS,)),
    # tasks and task instances
    "get_tasks": dag_rule("GET", *TASK),
    "get_task": dag_rule("GET", *TASK),
    "post_clear_task_instances": dag_rule("PUT", *TASK_INSTANCE),
    "post_set_task_instances_state": dag_rule("PUT", *TASK_INSTANCE),
    "get_task_instances": dag_rule("GET", *TASK_INSTANCE),
    "get_task_instances_batch": dag_rule("GET", *TASK_INSTANCE),
    "get_task_instance": dag_rule("GET", *TASK_INSTANCE),
    "patch_task_instance": dag_rule("PUT", *TASK_INSTANCE),
    "set_task_instance_note": dag_rule("PUT", *TASK_INSTANCE),
    "get_task_instance_dependencies": dag_rule("GET", *TASK_INSTANCE),
    "get_task_instance_tries": dag_rule("GET", *TASK_INSTANCE),
    "get_task_instance_try_details": dag_rule("GET", *TASK_INSTANCE),
    "get_mapped_task_instances": dag_rule("GET", *TASK_INSTANCE),
    "get_mapped_task_instance": dag_rule("GET", *TASK_INSTANCE),
    "patch_mapped_task_instance": dag_rule("PUT", *TASK_INSTANCE),
    # the three below have no decorator of their own: they call the unmapped endpoint, which has
    "set_mapped_task_instance_note": dag_rule("PUT", *TASK_INSTANCE),
    "get_mapped_task_instance_dependencies": dag_rule("GET", *TASK_INSTANCE),
    "get_mapped_task_instance_tries": dag_rule("GET", *TASK_INSTANCE),
    "get_mapped_task_instance_try_details": dag_rule("GET", *TASK_INSTANCE),
    "get_extra_links": dag_rule("GET", *TASK_INSTANCE),
    "get_log": dag_rule("GET", TASK_LOGS),
    "get_xcom_entries": dag_rule("GET", XCOMS),
    "get_xcom_entry": dag_rule("GET", XCOMS),
    # datasets
    "get_datasets": resource_rule("GET", DATASETS),
    "get_dataset": resource_rule("GET", DATASETS),
    "get_dataset_events": resource_rule("GET", DATASETS),
    "create_dataset_event": resource_rule("POST", DATASETS),
    "get_dataset_queued_events": resource_rule("GET", DATASETS),
    "delete_dataset_queued_events": resource_rule("DELETE", DATASETS),
    # both decorators: the dataset's with the method, the DAG's with GET
    "get_dag_dataset_queued_events": Rule("GET", dag=True, resources=(DATASETS,)),
    "delete_dag_dataset_queued_events": Rule("DELETE", dag=True, resources=(DATASETS,), dag_method="GET"),
    "get_dag_dataset_queued_event": Rule("GET", dag=True, resources=(DATASETS,)),
    "delete_dag_dataset_queued_event": Rule("DELETE", dag=True, resources=(DATASETS,), dag_method="GET"),
    # event logs
    "get_event_logs": dag_rule("GET", AUDIT_LOGS),
    "get_event_log": dag_rule("GET", AUDIT_LOGS),
    # variables, connections, pools
    "get_variables": resource_rule("GET", VARIABLES),
    "post_variables": resource_rule("POST", VARIABLES),
    "get_variable": resource_rule("GET", VARIABLES),
    "patch_variable": resource_rule("PUT", VARIABLES),
    "delete_variable": resource_rule("DELETE", VARIABLES),
    "get_connections": resource_rule("GET", CONNECTIONS),
    "post_connection": resource_rule("POST", CONNECTIONS),
    "get_connection": resource_rule("GET", CONNECTIONS),
    "patch_connection": resource_rule("PUT", CONNECTIONS),
    "delete_connection": resource_rule("DELETE", CONNECTIONS),
    "test_connection": resource_rule("POST", CONNECTIONS),
    "get_pools": resource_rule("GET", POOLS),
    "post_pool": resource_rule("POST", POOLS),
    "get_pool": resource_rule("GET", POOLS),
    "patch_pool": resource_rule("PUT", POOLS),
    "delete_pool": resource_rule("DELETE", POOLS),
    # the installation
    "get_config": resource_rule("GET", CONFIGURATIONS),
    "get_value": resource_rule("GET", CONFIGURATIONS),
    "get_plugins": resource_rule("GET", PLUGINS),
    "get_providers": resource_rule("GET", PROVIDERS),
    # users, roles and permissions (the FAB provider's requires_access_custom_view)
    "get_roles": custom_rule("GET", ROLES),
    "post_role": custom_rule("POST", ROLES),
    "get_role": custom_rule("GET", ROLES),
    "patch_role": custom_rule("PUT", ROLES),
    "delete_role": custom_rule("DELETE", ROLES),
    "get_permissions": custom_rule("GET", PERMISSIONS),
    "get_users": custom_rule("GET", USERS),
    "post_user": custom_rule("POST", USERS),
    "get_user": custom_rule("GET", USERS),
    "patch_user": custom_rule("PUT", USERS),
    "delete_user": custom_rule("DELETE", USERS),
}


# -- deciding -----------------------------------------------------------------------------------------
class Verdict(enum.Enum):
    ALLOWED = "allowed"
    #: 403: the caller may not do this.
    FORBIDDEN = "forbidden"
    #: 404: the caller may read some DAGs but not this one; answered as if it did not exist.
    HIDDEN = "hidden"


def decide(rule: Rule, granted: frozenset[Permission], dag_id: str | None) -> Verdict:
    """Airflow 2.10's verdict for `rule`, for a caller holding `granted`, on `dag_id` (None: no DAG or `~`).

    One departure, the bridge's no-existence-leak rule: where Airflow answers 403 because the DAG
    itself is out of reach, a caller who may read some DAGs but cannot read this one gets a 404,
    the answer for a DAG that does not exist.
    """
    if rule.public:
        return Verdict.ALLOWED
    action = METHOD_ACTIONS[rule.method]
    if any(pair not in granted for pair in rule.custom):
        return Verdict.FORBIDDEN
    if any((action, resource) not in granted for resource in rule.resources):
        return Verdict.FORBIDDEN
    if rule.dag:
        # With a sub-entity and no DAG named (`~`), Airflow checks the entity alone; listings are narrowed after.
        dag_checked = dag_id is not None or not rule.entities
        if dag_checked and not _dag_allowed(granted, _dag_action(rule), dag_id, any_dag=not rule.entities):
            return _hidden_or_forbidden(granted, dag_id)
        for entity in rule.entities:
            if not _entity_allowed(granted, action, entity, dag_id):
                return Verdict.FORBIDDEN
    return Verdict.ALLOWED


def _dag_action(rule: Rule) -> str:
    """A sub-entity needs the DAG read for GET and edited otherwise; the DAG itself, the method's action."""
    if rule.entities:
        return CAN_READ if rule.method == "GET" else CAN_EDIT
    return METHOD_ACTIONS[rule.dag_method or rule.method]


def _dag_allowed(granted: frozenset[Permission], action: str, dag_id: str | None, *, any_dag: bool) -> bool:
    if (action, DAGS) in granted:
        return True
    if dag_id is not None:
        return (action, DAG_PREFIX + dag_id) in granted
    # requires_access_dag without a DAG: for the DAG itself, a grant on any one DAG (GET and PUT only).
    return any_dag and action in (CAN_READ, CAN_EDIT) and bool(per_dag_ids(granted, action))


def _entity_allowed(granted: frozenset[Permission], action: str, entity: str, dag_id: str | None) -> bool:
    if (action, entity) in granted:
        return True
    # _is_authorized_dag_run: `DAG Run:<dag_id>` grants runs of one DAG.
    return entity == DAG_RUNS and dag_id is not None and (action, DAG_RUN_PREFIX + dag_id) in granted


def _hidden_or_forbidden(granted: frozenset[Permission], dag_id: str | None) -> Verdict:
    readable = dag_id is not None and _dag_allowed(granted, CAN_READ, dag_id, any_dag=False)
    if dag_id is None or readable or not per_dag_ids(granted, CAN_READ):
        return Verdict.FORBIDDEN
    return Verdict.HIDDEN


def per_dag_ids(granted: Iterable[Permission], action: str) -> frozenset[str]:
    """The dag_ids `DAG:<dag_id>` grants `action` on."""
    return frozenset(
        resource[len(DAG_PREFIX) :] for granted_action, resource in granted
        if granted_action == action and resource.startswith(DAG_PREFIX)
    )  # fmt: skip


def dag_scope(granted: frozenset[Permission], action: str = CAN_READ) -> frozenset[str] | None:
    """The DAGs `action` is allowed on: None for every DAG (a grant on `DAGs`), else those of `DAG:<id>` grants.

    Airflow's get_permitted_dag_ids: listings across DAGs (`~`, GET /dags, dagStats) keep only these.
    """
    if (action, DAGS) in granted:
        return None
    return per_dag_ids(granted, action)


def describe(rule: Rule, dag_id: str | None) -> str:
    """What `rule` needs, in Airflow's names, for a 403's detail."""
    action = METHOD_ACTIONS.get(rule.method, CAN_READ)
    needs = [f"{pair[0]} on {pair[1]}" for pair in rule.custom]
    needs += [f"{action} on {resource}" for resource in rule.resources]
    if rule.dag:
        dag_action = _dag_action(rule)
        where = f"{DAGS} (or {DAG_PREFIX}{dag_id})" if dag_id else DAGS
        needs.append(f"{dag_action} on {where}")
        needs += [f"{action} on {entity}" for entity in rule.entities]
    return ", ".join(needs)
