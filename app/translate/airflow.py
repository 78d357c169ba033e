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
class TaskInstance:
    task_id: str
    dag_id: str
    dag_run_id: str
    execution_date: datetime | None
    map_index: int
    state: str | None
    try_number: int
    max_tries: int
    start_date: datetime | None = None
    end_date: datetime | None = None
    duration: float | None = None
    queued_when: datetime | None = None
    #: The Prefect task run behind it; None for a task that never ran in this DAG run.
    task_run_id: UUID | None = None
    flow_run_id: UUID | None = None
    note: str | None = None


@dataclass(frozen=True)
class TaskDependency:
    """A dependency that keeps a task instance from being scheduled, in Airflow's words."""

    name: str
    reason: str


@dataclass(frozen=True)
class TaskTry:
    """One try of a task instance: the span between two starts of its task run."""

    try_number: int
    state: str | None
    start_date: datetime | None
    end_date: datetime | None


@dataclass(frozen=True)
class Task:
    task_id: str
    owner: str
    retries: int
    retry_delay_seconds: float
    is_mapped: bool
    downstream_task_ids: list[str]


@dataclass(frozen=True)
class XComEntry:
    key: str
    task_id: str
    dag_id: str
    dag_run_id: str
    map_index: int
    execution_date: datetime | None
    timestamp: datetime | None
    value: Any


@dataclass(frozen=True)
class Variable:
    key: str
    value: str
    description: str | None


@dataclass(frozen=True)
class Connection:
    connection_id: str
    conn_type: str
    description: str | None = None
    host: str | None = None
    login: str | None = None
    schema: str | None = None
    port: int | None = None
    password: str | None = None
    extra: str | None = None


@dataclass(frozen=True)
class Pool:
    name: str
    slots: int
    occupied_slots: int
    running_slots: int
    queued_slots: int
    open_slots: int
    scheduled_slots: int
    deferred_slots: int
    description: str | None
    include_deferred: bool


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
