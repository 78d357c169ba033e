"""Airflow's objects as the bridge synthesises them, before serialisation.

Field names are Airflow's; values are Python values (aware datetimes, not
strings). Each API dialect serialises these in its own shape, so a rule of
meaning lives here once and the dialects differ only in the wire format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class Dag:
    dag_id: str
    dag_display_name: str
    deployment_id: UUID
    is_paused: bool
    is_active: bool
    last_parsed_time: datetime | None
    fileloc: str
    file_token: str
    owners: list[str]
    description: str | None
    schedule_interval: dict[str, Any] | None
    timetable_description: str | None
    tags: list[str]
    max_active_runs: int | None
    next_dagrun: datetime | None
    start_date: datetime | None
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DagRun:
    dag_run_id: str
    dag_id: str
    flow_run_id: UUID
    logical_date: datetime | None
    start_date: datetime | None
    end_date: datetime | None
    run_type: str
    state: str
    external_trigger: bool
    conf: dict[str, Any]
    note: str | None


@dataclass(frozen=True)
class EventLog:
    event_log_id: int
    when: datetime
    event: str
    dag_id: str | None
    task_id: str | None
    run_id: str | None
    execution_date: datetime | None
    extra: str | None
