"""A Prefect deployment as an Airflow DAG.

Synthesised fields and their rules:
- dag_id: the mapping (explicit entry or the automatic rule, dag_ids.py);
  dag_display_name: `<flow>/<deployment>`, Prefect's own name for it.
- is_paused <- deployment.paused; is_active: always true (a deployment that
  exists is a DAG whose file is present); tags <- deployment.tags.
- owners: the mapping's owners, else the default owner (`airflow`, or
  BRIDGE_DEFAULT_OWNER), never none; description: the mapping's override,
  else the deployment's description.
- schedule_interval, timetable_description, next_dagrun: schedules.py.
  next_dagrun_data_interval_start/end and next_dagrun_create_after equal
  next_dagrun, because a Prefect run covers the instant it is scheduled for.
- fileloc: the entrypoint's file; file_token: the deployment id, which
  finds the deployment again; last_parsed_time <- deployment.updated;
  start_date <- deployment.created (its schedules fire from then on).
- max_active_runs <- the deployment's concurrency limit, else Airflow's
  default 16; timezone <- the active schedules' timezone when they share
  one, else UTC.
- params <- the parameter schema: one Airflow Param per flow parameter.

Every other field is what Airflow 2.10.5 shows for a DAG defined without
that attribute (DAG.__init__ and the config defaults it reads), because
Prefect has nothing to say about it: see AIRFLOW_DEFAULTS. The one
deliberate exception is `catchup`: false, because Prefect's scheduler never
creates runs for intervals that passed before a deployment was created or
while it was paused, which is Airflow's catchup=False.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

from app.prefect.models import Deployment
from app.translate import schedules
from app.translate.airflow import Dag
from app.translate.dag_ids import DagMapping, DeploymentName
from app.translate.dag_runs import visible

#: Airflow 2.10.5's value for a DAG defined without the attribute, where
#: Prefect has no equivalent; the comment names the config option behind it.
AIRFLOW_DEFAULTS: dict[str, Any] = {
    "default_view": "grid",  # [webserver] dag_default_view
    "orientation": "LR",  # [webserver] dag_orientation
    "max_active_tasks": 16,  # [core] max_active_tasks_per_dag (Prefect limits no tasks per flow run)
    "concurrency": 16,  # the deprecated name of max_active_tasks
    "max_active_runs": 16,  # [core] max_active_runs_per_dag (a deployment without a concurrency limit)
    "max_consecutive_failed_dag_runs": 0,  # [core] max_consecutive_failed_dag_runs_per_dag
    "timezone": "UTC",  # [core] default_timezone
    "dag_run_timeout": None,
    "doc_md": None,
    "end_date": None,
    "is_paused_upon_creation": None,
    "template_search_path": None,
    "render_template_as_native_obj": False,
    "dataset_expression": None,  # not scheduled on datasets: Prefect 3.8.8's server has no assets
    "has_task_concurrency_limits": False,
}
#: Not Airflow's default (True): Prefect never catches up, see the module docstring.
CATCHUP = False


def deployment_to_dag(deployment: Deployment, flow_name: str, mapping: DagMapping, *, now: datetime) -> Dag:
    name = DeploymentName(flow_name, deployment.name)
    entry = mapping.entry_for(name)
    active = [schedule.schedule for schedule in deployment.schedules if schedule.active]
    return Dag(
        dag_id=mapping.dag_id_for(name),
        dag_display_name=str(name),
        deployment_id=deployment.id,
        is_paused=deployment.paused,
        is_active=True,
        last_parsed_time=deployment.updated,
        fileloc=(deployment.entrypoint or "").rpartition(":")[0] or (deployment.entrypoint or ""),
        file_token=str(deployment.id),
        owners=mapping.owners_for(name),
        description=entry.description if entry and entry.description is not None else deployment.description,
        schedule_interval=schedules.schedule_interval(active),
        timetable_description=schedules.describe(active),
        tags=list(deployment.tags),
        max_active_runs=deployment.concurrency_limit or AIRFLOW_DEFAULTS["max_active_runs"],
        timezone=schedules.timezone(active) or AIRFLOW_DEFAULTS["timezone"],
        next_dagrun=schedules.next_fire_time(active, now),
        start_date=deployment.created,
        params=parameter_schema_to_params(deployment.parameter_openapi_schema, deployment.parameters),
    )


def parameter_schema_to_params(schema: dict[str, Any] | None, defaults: dict[str, Any]) -> dict[str, Any]:
    """Airflow's serialised Params from a Prefect parameter schema."""
    properties = (schema or {}).get("properties", {})
    params = {}
    for name, prop in properties.items():
        value_schema = {key: value for key, value in prop.items() if key not in ("position", "title", "default")}
        params[name] = {
            "__class": "airflow.models.param.Param",
            "value": defaults.get(name, prop.get("default")),
            "description": prop.get("description"),
            "schema": value_schema,
        }
    return params


#: Flow run states in which the flow's code may be executing: a DAG is not deleted while one of its runs is in
#: one (Airflow refuses while a task instance is running). Queued (SCHEDULED) and finished runs are deleted.
EXECUTING_STATE_TYPES = ("PENDING", "RUNNING", "PAUSED", "CANCELLING")
#: Prefect's cap on one bulk delete of flow runs.
BULK_DELETE_LIMIT = 50


def executing_runs_filter(deployment_id: UUID) -> dict[str, Any]:
    """FlowRunFilter criteria for the deployment's runs whose code may be executing."""
    return {"deployment_id": {"any_": [str(deployment_id)]}, "state": {"type": {"any_": list(EXECUTING_STATE_TYPES)}}}


def deletable_runs_filter(deployment_id: UUID, *, now: datetime) -> dict[str, Any]:
    """FlowRunFilter criteria for the deployment's DAG runs that deleting the DAG removes.

    Runs whose expected start has come and that are not executing. Future
    scheduled runs are not DAG runs yet (they are the DAG's next_dagrun) and
    stay; a run that starts executing meanwhile no longer matches.
    """
    return visible(
        {"deployment_id": {"any_": [str(deployment_id)]}, "state": {"type": {"not_any_": list(EXECUTING_STATE_TYPES)}}},
        now=now,
    )


def matches_dag_id_pattern(dag_id: str, pattern: str | None) -> bool:
    """Airflow's `dag_id ILIKE '%<pattern>%'`: `%` and `_` are SQL wildcards; `~` alone is every DAG."""
    return dag_id_matcher(pattern)(dag_id)


def dag_id_matcher(pattern: str | None) -> Callable[[str], bool]:
    """`matches_dag_id_pattern` for one pattern, compiled once (a listing tests every dag_id of the estate)."""
    if not pattern or pattern == "~":
        return lambda dag_id: True
    regex = "".join(".*" if char == "%" else "." if char == "_" else re.escape(char) for char in pattern)
    compiled = re.compile(regex, flags=re.IGNORECASE | re.DOTALL)
    return lambda dag_id: compiled.search(dag_id) is not None
