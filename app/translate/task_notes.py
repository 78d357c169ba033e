"""Task-instance notes, kept as labels of the DAG run's flow run.

A task run has nowhere to keep a note: Prefect's `PATCH /task_runs/{id}`
changes only its name, task runs have no labels endpoint, and a task that
never ran has no task run at all. The flow run does have labels (`PATCH
/flow_runs/{id}/labels` merges keys into them), and the bridge reads the
flow run whenever it reads a task instance. So the note of task instance
(task_id, map_index) is the flow run's label `airflow.note.<task_id>.<map_index>`
(`airflow.note.load.-1`): read at no extra cost, written with one call,
kept when the run is cleared and deleted with it, as Airflow keeps a note
with its task instance. The DAG run's own note is the label `airflow.note`.

Prefect cannot remove a label, so a note set to null (a task instance's
or a DAG run's) is stored as the label value `false`, which reads as no
note. Airflow allows notes up to 1000 characters.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from app.errors import BadRequest
from app.translate.airflow import TaskInstance

NOTE_LABEL_PREFIX = "airflow.note."
#: Airflow's limit on a note (SetTaskInstanceNoteFormSchema).
MAX_NOTE_LENGTH = 1000
#: What a removed note is stored as: any label value that is not a string reads as no note.
NO_NOTE = False


def note_label(task_id: str, map_index: int) -> str:
    return f"{NOTE_LABEL_PREFIX}{task_id}.{map_index}"


def note_of(labels: Mapping[str, Any], task_id: str, map_index: int) -> str | None:
    value = labels.get(note_label(task_id, map_index))
    return value if isinstance(value, str) else None


def with_notes(instances: Iterable[TaskInstance], labels: Mapping[str, Any]) -> list[TaskInstance]:
    """`instances` of one DAG run, each with the note its flow run's labels hold for it."""
    return [replace(each, note=note_of(labels, each.task_id, each.map_index)) for each in instances]


def note_labels(instance: TaskInstance, note: str | None) -> dict[str, str | bool]:
    """The labels that set `instance`'s note (None removes it)."""
    return {note_label(instance.task_id, instance.map_index): label_value(note)}


def label_value(note: str | None) -> str | bool:
    """A note (of a task instance or a DAG run) as a label value; longer than Airflow allows is a 400."""
    if note is not None and len(note) > MAX_NOTE_LENGTH:
        raise BadRequest(f"{{'note': ['Longer than maximum length {MAX_NOTE_LENGTH}.']}}")
    return NO_NOTE if note is None else note
