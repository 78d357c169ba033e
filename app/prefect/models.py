"""Typed views of the Prefect objects the bridge reads.

Only the fields the bridge uses are declared; Prefect may add more.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field


class PrefectModel(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class State(PrefectModel):
    type: str
    name: str | None = None
    timestamp: datetime | None = None


class Flow(PrefectModel):
    id: UUID
    name: str


class Schedule(PrefectModel):
    id: UUID | None = None
    active: bool = True
    schedule: dict[str, Any]


class Deployment(PrefectModel):
    id: UUID
    name: str
    flow_id: UUID
    created: datetime | None = None
    updated: datetime | None = None
    description: str | None = None
    paused: bool = False
    tags: list[str] = Field(default_factory=list)
    schedules: list[Schedule] = Field(default_factory=list)
    entrypoint: str | None = None
    path: str | None = None
    pull_steps: list[dict[str, Any]] | None = None
    parameter_openapi_schema: dict[str, Any] | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    concurrency_limit: int | None = None


class FlowRun(PrefectModel):
    id: UUID
    name: str
    flow_id: UUID
    deployment_id: UUID | None = None
    created: datetime | None = None
    updated: datetime | None = None
    parameters: dict[str, Any] = Field(default_factory=dict)
    context: dict[str, Any] = Field(default_factory=dict)
    idempotency_key: str | None = None
    tags: list[str] = Field(default_factory=list)
    labels: dict[str, Any] = Field(default_factory=dict)
    state: State | None = None
    expected_start_time: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    auto_scheduled: bool = False


class FlowRunPage(PrefectModel):
    results: list[FlowRun]
    count: int


class HistoryState(PrefectModel):
    state_type: str
    state_name: str | None = None
    count_runs: int


class HistoryInterval(PrefectModel):
    """One interval of `/flow_runs/history`: how many runs in each state, by expected start."""

    interval_start: datetime
    interval_end: datetime
    states: list[HistoryState]


class SetStateResult(PrefectModel):
    status: str
    state: State | None = None


class TaskRunPolicy(PrefectModel):
    retries: int | None = None
    retry_delay: float | list[float] | None = None


class TaskRun(PrefectModel):
    id: UUID
    name: str
    flow_run_id: UUID | None = None
    task_key: str = ""
    dynamic_key: str = ""
    run_count: int = 0
    state: State | None = None
    task_inputs: dict[str, list[dict[str, Any]]] = Field(default_factory=dict)
    empirical_policy: TaskRunPolicy = Field(default_factory=TaskRunPolicy)
    expected_start_time: datetime | None = None
    start_time: datetime | None = None
    end_time: datetime | None = None
    total_run_time: float = 0.0
    created: datetime | None = None
    updated: datetime | None = None


class LogEntry(PrefectModel):
    id: UUID
    name: str = ""
    level: int = 20
    message: str = ""
    timestamp: datetime
    flow_run_id: UUID | None = None
    task_run_id: UUID | None = None


class Artifact(PrefectModel):
    id: UUID
    key: str | None = None
    type: str | None = None
    description: str | None = None
    data: Any = None
    metadata_: dict[str, str] | None = None
    created: datetime | None = None
    flow_run_id: UUID | None = None
    task_run_id: UUID | None = None


class ArtifactCollection(Artifact):
    """The latest artifact of a key (`/artifacts/latest/filter`); `latest_id` is that artifact's id."""

    key: str
    latest_id: UUID
    updated: datetime | None = None


class Variable(PrefectModel):
    id: UUID
    name: str
    value: Any = None
    tags: list[str] = Field(default_factory=list)
    created: datetime | None = None


class BlockType(PrefectModel):
    id: UUID
    slug: str


class BlockSchema(PrefectModel):
    id: UUID
    block_type_id: UUID


class BlockDocument(PrefectModel):
    id: UUID
    name: str | None = None
    created: datetime | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    block_type_id: UUID
    block_schema_id: UUID


class ConcurrencyLimit(PrefectModel):
    """A global concurrency limit (Prefect's /v2/concurrency_limits)."""

    id: UUID
    name: str
    limit: int
    active: bool = True
    active_slots: int = 0
    created: datetime | None = None


class Event(PrefectModel):
    """An event Prefect recorded; resources are label maps (`prefect.resource.id`, ...)."""

    id: UUID
    occurred: datetime
    event: str
    resource: dict[str, str]
    related: list[dict[str, str]] = Field(default_factory=list)
    payload: dict[str, Any] = Field(default_factory=dict)


class EventPage(PrefectModel):
    events: list[Event]
    total: int
    next_page: str | None = None
