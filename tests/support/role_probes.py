"""One harmless request per v1 operation, for the role x operation matrix.

Each probe names things that do not exist (a permitted caller gets a 404 or an empty page), or
creates something named after the caller that `cleanup` removes; bodies are valid for Airflow's
spec, so neither side refuses a request for its shape before checking permissions.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from app.api_v1.operations import V1_OPERATIONS

MISSING = "authz_probe_missing"
RUN = "authz_probe_run"
TASK = "authz_probe_task"


class Probe(NamedTuple):
    method: str
    path: str  # relative to /api/v1
    query: dict[str, Any]
    body: Any
    cleanup: tuple[str, str] | None  # (method, path) an admin sends afterwards


PATH_VALUES = {
    "dag_id": MISSING,
    "dag_run_id": RUN,
    "task_id": TASK,
    "map_index": "0",
    "task_try_number": "1",
    "file_token": MISSING,
    "import_error_id": "999999",
    "uri": "authz-probe",  # no slash: an encoded one is a path separator to some servers
    "event_log_id": "999999999",
    "variable_key": MISSING,
    "connection_id": MISSING,
    "pool_name": MISSING,
    "section": "core",
    "option": "dags_folder",
    "role_name": MISSING,
    "username": MISSING,
    "xcom_key": "missing",
}


def _path(template: str) -> str:
    path = template
    for name, value in PATH_VALUES.items():
        path = path.replace("{" + name + "}", value)
    return path


def probes(tag: str) -> dict[str, Probe]:
    """operationId -> its probe; `tag` names what a permitted caller creates."""
    made = f"authz_probe_{tag}"
    user = {
        "username": made,
        "first_name": "Probe",
        "last_name": tag,
        "email": f"{made}@example.com",
        "roles": [],
        "password": "probe-password-1",
    }
    bodies: dict[str, tuple[Any, tuple[str, str] | None]] = {
        "patch_dags": ({"is_paused": True}, None),
        "patch_dag": ({"is_paused": True}, None),
        "post_dag_run": ({"conf": {}}, None),
        "get_dag_runs_batch": ({"dag_ids": [MISSING]}, None),
        "update_dag_run_state": ({"state": "success"}, None),
        "clear_dag_run": ({"dry_run": True}, None),
        "set_dag_run_note": ({"note": "probe"}, None),
        "post_clear_task_instances": ({"dry_run": True}, None),
        "post_set_task_instances_state": ({"dry_run": True, "task_id": TASK, "new_state": "success"}, None),
        "get_task_instances_batch": ({"dag_ids": [MISSING]}, None),
        "patch_task_instance": ({"dry_run": True, "new_state": "success"}, None),
        "patch_mapped_task_instance": ({"dry_run": True, "new_state": "success"}, None),
        "set_task_instance_note": ({"note": "probe"}, None),
        "set_mapped_task_instance_note": ({"note": "probe"}, None),
        "create_dataset_event": ({"dataset_uri": "s3://authz-probe"}, None),
        "post_variables": ({"key": made, "value": "v"}, ("DELETE", f"/variables/{made}")),
        "patch_variable": ({"key": MISSING, "value": "v"}, None),
        "post_connection": ({"connection_id": made, "conn_type": "http"}, ("DELETE", f"/connections/{made}")),
        "patch_connection": ({"connection_id": MISSING, "conn_type": "http"}, None),
        "test_connection": ({"connection_id": made, "conn_type": "http"}, None),
        "post_pool": ({"name": made, "slots": 1}, ("DELETE", f"/pools/{made}")),
        "patch_pool": ({"name": MISSING, "slots": 1}, None),
        "post_role": ({"name": made, "actions": []}, ("DELETE", f"/roles/{made}")),
        "patch_role": ({"name": MISSING, "actions": []}, None),
        "post_user": (user, ("DELETE", f"/users/{made}")),
        "patch_user": ({**user, "username": MISSING}, None),
    }
    queries = {"patch_dags": {"dag_id_pattern": MISSING}, "get_dag_stats": {"dag_ids": MISSING}}
    found = {}
    for operation in V1_OPERATIONS:
        body, cleanup = bodies.get(operation.operation_id, (None, None))
        query = queries.get(operation.operation_id, {})
        found[operation.operation_id] = Probe(operation.method, _path(operation.path), query, body, cleanup)
    return found
