"""Every operation of Airflow 2.10.5's v1 API, as data.

One row per operation of the pinned spec (a unit test checks the list
against it, so the spec never has to ship with the app): method, path
template, operationId, and why the bridge answers 501 when no real handler
serves it. `app.api_v1.register` compares the list with the app's url_map
once the real blueprints are in (`not_implemented.served_operations`) and
answers 501 for the rest.

A served operation has no reason, and a 501 operation says precisely what
Prefect lacks (tests/unit/test_operations.py holds both): when a blueprint
starts serving an operation, its reason goes.
"""

from __future__ import annotations

from typing import NamedTuple


class Operation(NamedTuple):
    method: str
    path: str  # the spec's template, relative to /api/v1
    operation_id: str
    reason: str | None = None  # why it answers 501 when no handler serves it


# What Prefect lacks, for the operations that answer 501.
NO_ASSETS = (
    "Prefect 3.8.8's server keeps no assets (Airflow's datasets): `@materialize` only emits events, there is no "
    "asset registry (no `/assets` endpoints) to record a dataset event against, and a deployment triggered by asset "
    "events is an automation whose pending trigger state the API does not expose, so there is no queue of dataset "
    "events to read or clear"
)
NO_USERS = (
    "Prefect's open-source server has no users, roles or permissions (Prefect Cloud manages them outside the "
    "workspace API); the bridge authenticates one configured user"
)
NO_DAG_PROCESSOR = (
    "Prefect's server parses no files: a deployment is registered from code by `prefect deploy` or `serve()`, and "
    "the server has no process that could read the flow's file again, so there is nothing to ask to re-parse"
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
    Operation("GET", "/dags/{dag_id}/tasks", "get_tasks"),
    Operation("GET", "/dags/{dag_id}/tasks/{task_id}", "get_task"),
    Operation("POST", "/dags/{dag_id}/clearTaskInstances", "post_clear_task_instances"),
    Operation("POST", "/dags/{dag_id}/updateTaskInstancesState", "post_set_task_instances_state"),
    Operation("GET", "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances", "get_task_instances"),
    Operation("POST", "/dags/~/dagRuns/~/taskInstances/list", "get_task_instances_batch"),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}",
        "get_task_instance",
    ),
    Operation(
        "PATCH",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}",
        "patch_task_instance",
    ),
    Operation(
        "PATCH",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/setNote",
        "set_task_instance_note",
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/dependencies",
        "get_task_instance_dependencies",
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/tries",
        "get_task_instance_tries",
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/tries/{task_try_number}",
        "get_task_instance_try_details",
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/listMapped",
        "get_mapped_task_instances",
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}",
        "get_mapped_task_instance",
    ),
    Operation(
        "PATCH",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}",
        "patch_mapped_task_instance",
    ),
    Operation(
        "PATCH",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}/setNote",
        "set_mapped_task_instance_note",
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}/dependencies",
        "get_mapped_task_instance_dependencies",
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}/tries",
        "get_mapped_task_instance_tries",
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/{map_index}/tries/{task_try_number}",
        "get_mapped_task_instance_try_details",
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/links",
        "get_extra_links",
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/logs/{task_try_number}",
        "get_log",
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries",
        "get_xcom_entries",
    ),
    Operation(
        "GET",
        "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries/{xcom_key}",
        "get_xcom_entry",
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
    Operation("GET", "/variables", "get_variables"),
    Operation("POST", "/variables", "post_variables"),
    Operation("GET", "/variables/{variable_key}", "get_variable"),
    Operation("PATCH", "/variables/{variable_key}", "patch_variable"),
    Operation("DELETE", "/variables/{variable_key}", "delete_variable"),
    Operation("GET", "/connections", "get_connections"),
    Operation("POST", "/connections", "post_connection"),
    Operation("GET", "/connections/{connection_id}", "get_connection"),
    Operation("PATCH", "/connections/{connection_id}", "patch_connection"),
    Operation("DELETE", "/connections/{connection_id}", "delete_connection"),
    Operation("POST", "/connections/test", "test_connection"),
    Operation("GET", "/pools", "get_pools"),
    Operation("POST", "/pools", "post_pool"),
    Operation("GET", "/pools/{pool_name}", "get_pool"),
    Operation("PATCH", "/pools/{pool_name}", "patch_pool"),
    Operation("DELETE", "/pools/{pool_name}", "delete_pool"),
    # the installation
    Operation("GET", "/config", "get_config"),
    Operation("GET", "/config/section/{section}/option/{option}", "get_value"),
    Operation("GET", "/plugins", "get_plugins"),
    Operation("GET", "/providers", "get_providers"),
    # users and roles
    Operation("GET", "/roles", "get_roles"),
    Operation("POST", "/roles", "post_role"),
    Operation("GET", "/roles/{role_name}", "get_role"),
    Operation("PATCH", "/roles/{role_name}", "patch_role"),
    Operation("DELETE", "/roles/{role_name}", "delete_role"),
    Operation("GET", "/permissions", "get_permissions"),
    Operation("GET", "/users", "get_users"),
    Operation("POST", "/users", "post_user"),
    Operation("GET", "/users/{username}", "get_user"),
    Operation("PATCH", "/users/{username}", "patch_user"),
    Operation("DELETE", "/users/{username}", "delete_user"),
)
