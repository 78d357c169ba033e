"""Prefect state types <-> Airflow DAG run states, from `mappings/states.toml`."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

DAG_RUN_STATES = ("queued", "running", "success", "failed")
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
    return StateTable(MappingProxyType(runs), MappingProxyType(targets))
