"""Tries of a task instance and their logs, from a Prefect task run's state history.

Prefect retries a task inside one task run: each try starts with a RUNNING
state (`Running`, then `Retrying`). Try n spans from the n-th such state to
the next; its log lines are the task run's lines logged in that span (lines
before the first start belong to try 1). A try followed by another failed;
the last try has the task run's own state.

Log lines are written as Airflow writes them,
`[<timestamp>] {<logger>} <LEVEL> - <message>`. The JSON form's `content`
is, as in Airflow 2.10, the Python repr of `[(hostname, text)]`, and its
`continuation_token` tells where the next chunk starts. Lines logged by the
flow itself (no task run) belong to no task instance: Prefect serves them
at `GET /flow_runs/{id}/logs/download` and in its UI.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from app.errors import BadRequest
from app.prefect.models import LogEntry, State, TaskRun
from app.translate.airflow import TaskTry
from app.translate.states import StateTable


@dataclass(frozen=True)
class TryWindow:
    after: datetime | None
    before: datetime | None


def tries_of(run: TaskRun, history: Sequence[State], states: StateTable) -> list[TaskTry]:
    starts = [state.timestamp for state in history if state.type == "RUNNING" and state.timestamp is not None]
    current = states.task_state(run.state.type if run.state else None, run.state.name if run.state else None)
    tries = []
    for number, start in enumerate(starts, start=1):
        last = number == len(starts)
        tries.append(
            TaskTry(
                try_number=number,
                state=current if last else "failed",
                start_date=start,
                end_date=run.end_time if last else starts[number],
            )
        )
    return tries


def try_window(tries: Sequence[TaskTry], try_number: int) -> TryWindow:
    """The span of try `try_number` (1-based) of a task run with these tries."""
    first = try_number == 1
    following = try_number < len(tries)
    return TryWindow(
        after=None if first else tries[try_number - 1].start_date,
        before=tries[try_number].start_date if following else None,
    )


def log_filter(task_run_id: str, window: TryWindow) -> dict:
    timestamp = {}
    if window.after:
        timestamp["after_"] = window.after.isoformat()
    if window.before:
        timestamp["before_"] = window.before.isoformat()
    criteria = {"task_run_id": {"any_": [task_run_id]}}
    if timestamp:
        criteria["timestamp"] = timestamp
    return {"logs": criteria, "sort": "TIMESTAMP_ASC"}


def in_window(entry: LogEntry, window: TryWindow) -> bool:
    """Prefect's bounds are inclusive at both ends; a line at the next try's start belongs to it."""
    return window.before is None or entry.timestamp < window.before


def format_line(entry: LogEntry) -> str:
    level = logging.getLevelName(entry.level)
    return f"[{entry.timestamp.isoformat()}] {{{entry.name}}} {level} - {entry.message}"


def json_content(hostname: str, text: str) -> str:
    return repr([(hostname, text)])


def encode_token(position: int, end_of_log: bool) -> str:
    raw = json.dumps({"log_pos": position, "end_of_log": end_of_log}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(token: str) -> int:
    """The log position a continuation token points at (Airflow's 400 for a token it did not give)."""
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        position = data["log_pos"]
    except (binascii.Error, ValueError, KeyError, TypeError):
        raise BadRequest("Bad Signature. Please use only the tokens provided by the API.") from None
    if isinstance(position, bool) or not isinstance(position, int) or position < 0:
        raise BadRequest("Bad Signature. Please use only the tokens provided by the API.")
    return position
