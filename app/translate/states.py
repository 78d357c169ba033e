"""Prefect states <-> Airflow DAG run and task instance states, from `mappings/states.toml`."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

DAG_RUN_STATES = ("queued", "running", "success", "failed")
#: Airflow 2.10's TaskState enum ("none" is its deprecated spelling of null).
TASK_INSTANCE_STATES = (
    "success",
    "running",
    "failed",
    "upstream_failed",
    "skipped",
    "up_for_retry",
    "up_for_reschedule",
    "queued",
    "none",
    "scheduled",
    "deferred",
    "removed",
    "restarting",
)
SETTABLE_TASK_STATES = ("success", "failed", "skipped")
PREFECT_STATE_TYPES = (
    "SCHEDULED",
    "PENDING",
    "RUNNING",
    "PAUSED",
    "CANCELLING",
    "COMPLETED",
    "FAILED",
    "CRASHED",
    "CANCELLED",
)
FINISHED_PREFECT_TYPES = frozenset({"COMPLETED", "FAILED", "CRASHED", "CANCELLED"})
DEFAULT_TABLE = Path(__file__).resolve().parents[2] / "mappings" / "states.toml"
SET_STATE_KEYS = ("success", "failed", "failed_while_unfinished", "queued")


@dataclass(frozen=True)
class StateTable:
    dag_run_state: Mapping[str, str]
    set_dag_run_state: Mapping[str, Mapping[str, str]]
    task_instance_state: Mapping[str, str]
    task_instance_state_names: Mapping[str, Mapping[str, str]]
    set_task_instance_state: Mapping[str, Mapping[str, str]]

    def airflow_state(self, prefect_type: str | None) -> str:
        # A run without a state is one Prefect has only just created.
        return self.dag_run_state.get(prefect_type or "SCHEDULED", "queued")

    def prefect_types(self, airflow_states: list[str]) -> list[str]:
        """The Prefect state types that read as any of `airflow_states`."""
        wanted = set(airflow_states)
        return [prefect for prefect, airflow in self.dag_run_state.items() if airflow in wanted]

    def target_state(self, airflow_state: str, *, unfinished: bool) -> dict[str, str]:
        key = "failed_while_unfinished" if airflow_state == "failed" and unfinished else airflow_state
        return dict(self.set_dag_run_state[key])

    def task_state(self, prefect_type: str | None, prefect_name: str | None) -> str:
        """The Airflow state of a task run in this Prefect state."""
        prefect_type = prefect_type or "PENDING"
        named = self.task_instance_state_names.get(prefect_type, {})
        return named.get(prefect_name or "", self.task_instance_state.get(prefect_type, "queued"))

    def task_run_state_filter(self, airflow_states: list[str]) -> dict[str, Any] | None:
        """The Prefect task-run `state` criteria for any of `airflow_states`; None when no task run can match.

        Types whose names all read alike are matched by type; types whose
        names read differently by the names listed for them.
        """
        wanted = set(airflow_states)
        types = [
            prefect
            for prefect, airflow in self.task_instance_state.items()
            if airflow in wanted and prefect not in self.task_instance_state_names
        ]
        names = [
            name
            for named in self.task_instance_state_names.values()
            for name, airflow in named.items()
            if airflow in wanted
        ]
        criteria: dict[str, Any] = {}
        if types:
            criteria["type"] = {"any_": types}
        if names:
            criteria["name"] = {"any_": names}
        if not criteria:
            return None
        return {"operator": "or_", **criteria}

    def task_target_state(self, airflow_state: str) -> dict[str, str]:
        return dict(self.set_task_instance_state[airflow_state])


def load_state_table(path: Path = DEFAULT_TABLE) -> StateTable:
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    return parse_state_table(data, source=str(path))


def parse_state_table(data: Mapping[str, Any], *, source: str = "state table") -> StateTable:
    runs = dict(data.get("dag_run_state", {}))
    missing = sorted(set(PREFECT_STATE_TYPES) - set(runs))
    if missing:
        raise ValueError(f"{source}: dag_run_state has no entry for Prefect state type(s) {', '.join(missing)}")
    unknown = sorted(set(runs.values()) - set(DAG_RUN_STATES))
    if unknown:
        raise ValueError(f"{source}: dag_run_state maps to unknown Airflow state(s) {', '.join(unknown)}")
    targets = {key: MappingProxyType(dict(value)) for key, value in data.get("set_dag_run_state", {}).items()}
    absent = [key for key in SET_STATE_KEYS if key not in targets]
    if absent:
        raise ValueError(f"{source}: set_dag_run_state needs entries for {', '.join(absent)}")
    tasks = dict(data.get("task_instance_state", {}))
    missing = sorted(set(PREFECT_STATE_TYPES) - set(tasks))
    if missing:
        raise ValueError(f"{source}: task_instance_state has no entry for Prefect state type(s) {', '.join(missing)}")
    names = {key: MappingProxyType(dict(value)) for key, value in data.get("task_instance_state_names", {}).items()}
    shown = set(tasks.values()) | {state for named in names.values() for state in named.values()}
    unknown = sorted(shown - set(TASK_INSTANCE_STATES))
    if unknown:
        raise ValueError(f"{source}: task instance states map to unknown Airflow state(s) {', '.join(unknown)}")
    task_targets = {
        key: MappingProxyType(dict(value)) for key, value in data.get("set_task_instance_state", {}).items()
    }
    absent = [key for key in SETTABLE_TASK_STATES if key not in task_targets]
    if absent:
        raise ValueError(f"{source}: set_task_instance_state needs entries for {', '.join(absent)}")
    return StateTable(
        MappingProxyType(runs),
        MappingProxyType(targets),
        MappingProxyType(tasks),
        MappingProxyType(names),
        MappingProxyType(task_targets),
    )
