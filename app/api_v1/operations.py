"""Every operation of Airflow 2.10.5's v1 API, as data.

One row per operation of the pinned spec (a unit test checks the list
against it, so the spec never has to ship with the app): method, path
template, operationId, and why the bridge answers 501 when no real handler
serves it. `register_fallbacks` compares the list with the app's url_map
once the real blueprints are in, and answers 501 for the rest; an operation
another blueprint starts serving leaves the 501 set on its own.

A reason of None means the bridge serves the operation (a test holds it to
that). A reason says what Prefect lacks, or that the bridge has not built it
yet when it is planned.
"""

from __future__ import annotations

from typing import NamedTuple


class Operation(NamedTuple):
    method: str
    path: str  # the spec's template, relative to /api/v1
    operation_id: str
    reason: str | None = None  # why it answers 501 when no handler serves it


# Operations that are planned and being built: the reason they answer 501 until then.
PLANNED_TASK_INSTANCES = "not implemented yet by the bridge: task instances will be read from Prefect task runs"
NO_TASK_NOTES = (
    "Prefect has no way to label a task run once it exists (flow runs have a labels endpoint, task runs none), "
    "so a task instance's note has nowhere to live"
)
PLANNED_TASKS = "not implemented yet by the bridge: tasks will be read from the task runs Prefect records"
PLANNED_VARIABLES = "not implemented yet by the bridge: variables will be Prefect variables"
PLANNED_CONNECTIONS = "not implemented yet by the bridge: connections will be Prefect blocks"
PLANNED_POOLS = "not implemented yet by the bridge: pools will be Prefect global concurrency limits"

# What Prefect cannot do.
NO_MAP_INDEX = (
    "Prefect task runs have no map index: the runs of a mapped task are separate task runs told apart by a "
    "random dynamic key, so there is no (task_id, map_index) to address"
)
NO_TRIES_HISTORY = (
    "Prefect keeps one task run per task and counts its tries (run_count); the details of an earlier try "
    "are not kept apart from the latest"
)
NO_DEPENDENCY_CHECKS = (
    "Prefect's engine resolves a task's upstream futures in the flow's own process and records no "
    "scheduler dependency checks, so there are no unmet dependencies to report"
)
NO_TASK_STATE_WRITES = (
    "Prefect cannot re-run or re-state a single task run: a task runs inside its flow run's process, so "
    "setting or clearing task states from outside would not make Prefect run or skip that task"
)
NO_EXTRA_LINKS = "Prefect tasks have no operator extra links: a task is a Python function, not an operator"
NO_ASSETS = (
    "Prefect 3.8.8's server has no assets (Airflow datasets): there is no dataset to record an event against, "
    "and no DAG scheduled on dataset events, so nothing is ever queued"
)
NO_USERS = (
    "Prefect's open-source server has no users, roles or permissions (Prefect Cloud manages them outside the "
    "workspace API); the bridge authenticates one configured user"
)
NO_DAG_PROCESSOR = (
    "Prefect has no DAG processor: a deployment is registered by `prefect deploy` or `serve()`, never parsed "
    "from a file by the server, so there is no file to re-parse"
)
NO_CONNECTION_TEST = (
    "Prefect's server cannot test a connection: a block is only used by flow code, and the server has no "
    "provider hooks to open it with"
)

V1_OPERATIONS: tuple[Operation, ...] = (
    # monitoring
    Operation("GET", "/health", "get_health"),
    Operation("GET", "/version", "get_version"),
    # DAGs
    Operation("GET", "/dags", "get_dags"),
    Operation("PATCH", "/dags", "patch_dags"),
    Operation("GET", "/dags/{dag_id}", "get_dag"),
    Operation("PATCH", "/dags/{dag_id}", "patch_dag"),
    Operation("DELETE", "/dags/{dag_id}", "delete_dag"),
    Operation("GET", "/dags/{dag_id}/details", "get_dag_details"),
    Operation("GET", "/dagSources/{file_token}", "get_dag_source"),
    Operation("PUT", "/parseDagFile/{file_token}", "reparse_dag_file", NO_DAG_PROCESSOR),
    Operation("GET", "/dagStats", "get_dag_stats"),
    Operation("GET", "/dagWarnings", "get_dag_warnings"),
    Operation("GET", "/importErrors", "get_import_errors"),
    Operation("GET", "/importErrors/{import_error_id}", "get_import_error"),
    # DAG runs
    Operation("GET", "/dags/{dag_id}/dagRuns", "get_dag_runs"),
    Operation("POST", "/dags/{dag_id}/dagRuns", "post_dag_run"),
    Operation("POST", "/dags/~/dagRuns/list", "get_dag_runs_batch"),
    Operation("GET", "/dags/{dag_id}/dagRuns/{dag_run_id}", "get_dag_run"),
    Operation("DELETE", "/dags/{dag_id}/dagRuns/{dag_run_id}", "delete_dag_run"),
    Operation("PATCH", "/dags/{dag_id}/dagRuns/{dag_run_id}", "update_dag_run_state"),
    Operation("POST", "/dags/{dag_id}/dagRuns/{dag_run_id}/clear", "clear_dag_run"),
    Operation("PATCH", "/dags/{dag_id}/dagRuns/{dag_run_id}/setNote", "set_dag_run_note"),
    Operation("GET", "/dags/{dag_id}/dagRuns/{dag_run_id}/upstreamDatasetEvents", "get_upstream_dataset_events"),
    # tasks and task instances
    Operation("GET", "/dags/{dag_id}/tasks", "get_tasks", PLANNED_TASKS),
    Operation("GET", "/dags/{dag_id}/tasks/{task_id}", "get_task", PLANNED_TASKS),
    Operation("POST", "/dags/{dag_id}/clearTaskInstances", "post_clear_task_instances", NO_TASK_STATE_WRITES),
    Operation("POST", "/dags/{dag_id}/updateTaskInstancesState", "post_set_task_instances_state", NO_TASK_STATE_WRITES),
    Operation("GET", "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances", "get_task_instances", PLANNED_TASK_INSTANCES),
    Operation("POST", "/dags/~/dagRuns/~/taskInstances/list", "get_task_instances_batch", PLANNED_TASK_INSTANCES),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}",
        "get_task_instance",
        PLANNED_TASK_INSTANCES,
    ),
    Operation(
        "PATCH",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}",
        "patch_task_instance",
        NO_TASK_STATE_WRITES,
    ),
    Operation(
        "PATCH",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/setNote",
        "set_task_instance_note",
        NO_TASK_NOTES,
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/dependencies",
        "get_task_instance_dependencies",
        NO_DEPENDENCY_CHECKS,
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/tries",
        "get_task_instance_tries",
        NO_TRIES_HISTORY,
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/tries/{task_try_number}",
        "get_task_instance_try_details",
        NO_TRIES_HISTORY,
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/listMapped",
        "get_mapped_task_instances",
        NO_MAP_INDEX,
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}",
        "get_mapped_task_instance",
        NO_MAP_INDEX,
    ),
    Operation(
        "PATCH",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}",
        "patch_mapped_task_instance",
        NO_MAP_INDEX,
    ),
    Operation(
        "PATCH",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}/setNote",
        "set_mapped_task_instance_note",
        NO_TASK_NOTES,
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}/dependencies",
        "get_mapped_task_instance_dependencies",
        NO_DEPENDENCY_CHECKS,
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}/tries",
        "get_mapped_task_instance_tries",
        NO_MAP_INDEX,
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}/tries/{task_try_number}",
        "get_mapped_task_instance_try_details",
        NO_MAP_INDEX,
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/links",
        "get_extra_links",
        NO_EXTRA_LINKS,
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{task_try_number}",
        "get_log",
        PLANNED_TASK_INSTANCES,
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries",
        "get_xcom_entries",
        PLANNED_TASK_INSTANCES,
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries/{xcom_key}",
        "get_xcom_entry",
        PLANNED_TASK_INSTANCES,
    ),
    # datasets
    Operation("GET", "/datasets", "get_datasets"),
    Operation("GET", "/datasets/{uri}", "get_dataset"),
    Operation("GET", "/datasets/events", "get_dataset_events"),
    Operation("POST", "/datasets/events", "create_dataset_event", NO_ASSETS),
    Operation("GET", "/datasets/queuedEvent/{uri}", "get_dataset_queued_events", NO_ASSETS),
    Operation("DELETE", "/datasets/queuedEvent/{uri}", "delete_dataset_queued_events", NO_ASSETS),
    Operation("GET", "/dags/{dag_id}/datasets/queuedEvent", "get_dag_dataset_queued_events", NO_ASSETS),
    Operation("DELETE", "/dags/{dag_id}/datasets/queuedEvent", "delete_dag_dataset_queued_events", NO_ASSETS),
    Operation("GET", "/dags/{dag_id}/datasets/queuedEvent/{uri}", "get_dag_dataset_queued_event", NO_ASSETS),
    Operation("DELETE", "/dags/{dag_id}/datasets/queuedEvent/{uri}", "delete_dag_dataset_queued_event", NO_ASSETS),
    # event logs
    Operation("GET", "/eventLogs", "get_event_logs"),
    Operation("GET", "/eventLogs/{event_log_id}", "get_event_log"),
    # variables, connections, pools
    Operation("GET", "/variables", "get_variables", PLANNED_VARIABLES),
    Operation("POST", "/variables", "post_variables", PLANNED_VARIABLES),
    Operation("GET", "/variables/{variable_key}", "get_variable", PLANNED_VARIABLES),
    Operation("PATCH", "/variables/{variable_key}", "patch_variable", PLANNED_VARIABLES),
    Operation("DELETE", "/variables/{variable_key}", "delete_variable", PLANNED_VARIABLES),
    Operation("GET", "/connections", "get_connections", PLANNED_CONNECTIONS),
    Operation("POST", "/connections", "post_connection", PLANNED_CONNECTIONS),
    Operation("GET", "/connections/{connection_id}", "get_connection", PLANNED_CONNECTIONS),
    Operation("PATCH", "/connections/{connection_id}", "patch_connection", PLANNED_CONNECTIONS),
    Operation("DELETE", "/connections/{connection_id}", "delete_connection", PLANNED_CONNECTIONS),
    Operation("POST", "/connections/test", "test_connection", NO_CONNECTION_TEST),
    Operation("GET", "/pools", "get_pools", PLANNED_POOLS),
    Operation("POST", "/pools", "post_pool", PLANNED_POOLS),
    Operation("GET", "/pools/{pool_name}", "get_pool", PLANNED_POOLS),
    Operation("PATCH", "/pools/{pool_name}", "patch_pool", PLANNED_POOLS),
    Operation("DELETE", "/pools/{pool_name}", "delete_pool", PLANNED_POOLS),
    # the installation
    Operation("GET", "/config", "get_config"),
    Operation("GET", "/config/section/{section}/option/{option}", "get_value"),
    Operation("GET", "/plugins", "get_plugins"),
    Operation("GET", "/providers", "get_providers"),
    # users and roles
    Operation("GET", "/roles", "get_roles", NO_USERS),
    Operation("POST", "/roles", "post_role", NO_USERS),
    Operation("GET", "/roles/{role_name}", "get_role", NO_USERS),
    Operation("PATCH", "/roles/{role_name}", "patch_role", NO_USERS),
    Operation("DELETE", "/roles/{role_name}", "delete_role", NO_USERS),
    Operation("GET", "/permissions", "get_permissions", NO_USERS),
    Operation("GET", "/users", "get_users", NO_USERS),
    Operation("POST", "/users", "post_user", NO_USERS),
    Operation("GET", "/users/{username}", "get_user", NO_USERS),
    Operation("PATCH", "/users/{username}", "patch_user", NO_USERS),
    Operation("DELETE", "/users/{username}", "delete_user", NO_USERS),
)
