"""Airflow pools as Prefect global concurrency limits.

- name: the limit's name is `CONCURRENCY_LIMIT_NAMES.to_prefect(name)`
  (app/translate/prefect_names.py): the same text, with `/ % & > < ~`
  written `~` + hex; a flow takes a slot with `concurrency("<name>")`.
- slots: the limit. Prefect limits are never unlimited, so a negative
  number of slots (Airflow's -1) is a 400.
- slot counts: Prefect knows how many slots are held (`active_slots`), not
  by what, nor what waits for one. Held slots are counted as running:
  occupied_slots = running_slots = active_slots; queued, scheduled and
  deferred slots are 0; open_slots = slots - occupied_slots (negative
  when the limit was lowered below what is held, as in Airflow).
- description and include_deferred: a limit has neither; they are kept in
  a document of the bridge's block type `airflow-pool`, named after the
  limit's id (so a renamed pool keeps them). include_deferred changes no
  count, since Prefect defers nothing.
- names that are empty or UUIDs are a 400: Prefect reads a UUID in a limit's
  path as its id, so such a pool could never be found again.
- default_pool always exists, as in Airflow: it is created in Prefect on
  first use with 128 slots (description "Default pool"). It cannot be
  deleted, and its name cannot be changed.
- order_by: `name`, `slots` and `id` (creation order). Prefect lists limits
  in name order only and cannot count them, so the bridge reads every limit
  (one call per 200) and sorts and pages them itself.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from app.errors import BadRequest
from app.prefect.models import ConcurrencyLimit
from app.translate.airflow import Pool
from app.translate.ordering import Order, parse_order_by
from app.translate.prefect_names import CONCURRENCY_LIMIT_NAMES

DEFAULT_POOL = "default_pool"
DEFAULT_POOL_SLOTS = 128
DEFAULT_POOL_DESCRIPTION = "Default pool"
AIRFLOW_ORDER_KEYS = ("name", "slots", "id")
#: Pool fields Airflow lets a client write; the slot counts are read-only.
WRITABLE = ("name", "slots", "description", "include_deferred")
READ_ONLY = ("occupied_slots", "running_slots", "queued_slots", "open_slots", "scheduled_slots", "deferred_slots")

BLOCK_TYPE = {
    "name": "Airflow Pool",
    "slug": "airflow-pool",
    "description": "An Airflow pool's description and include_deferred, kept by the Airflow-to-Prefect bridge.",
}
BLOCK_SCHEMA_FIELDS = {
    "title": "AirflowPool",
    "description": BLOCK_TYPE["description"],
    "type": "object",
    "properties": {
        "description": {"title": "Description", "anyOf": [{"type": "string"}, {"type": "null"}], "default": None},
        "include_deferred": {"title": "Include Deferred", "type": "boolean", "default": False},
    },
    "block_type_slug": BLOCK_TYPE["slug"],
    "secret_fields": [],
    "block_schema_references": {},
}


def check_pool_name(name: str) -> None:
    """A pool name Prefect can store and find again: not empty, and not a UUID
    (Prefect reads `/v2/concurrency_limits/<uuid>` as an id, never as a name)."""
    if not name:
        raise BadRequest("{'name': ['Pool name may not be empty.']}")
    try:
        UUID(name)
    except ValueError:
        return
    raise BadRequest(f"Pool name '{name}' cannot be used: Prefect reads a name that is a UUID as a limit's id")


def metadata_document_name(limit_id: UUID) -> str:
    return f"limit-{limit_id}"


def pool_name(limit: ConcurrencyLimit) -> str:
    return CONCURRENCY_LIMIT_NAMES.to_airflow(limit.name)


def limit_to_pool(limit: ConcurrencyLimit, metadata: dict[str, Any] | None) -> Pool:
    name = pool_name(limit)
    if metadata is None:
        metadata = {"description": DEFAULT_POOL_DESCRIPTION if name == DEFAULT_POOL else None}
    held = limit.active_slots
    return Pool(
        name=name,
        slots=limit.limit,
        occupied_slots=held,
        running_slots=held,
        queued_slots=0,
        open_slots=limit.limit - held,
        scheduled_slots=0,
        deferred_slots=0,
        description=metadata.get("description"),
        include_deferred=bool(metadata.get("include_deferred", False)),
    )


def pool_order(order_by: str) -> Order:
    return parse_order_by(order_by, AIRFLOW_ORDER_KEYS)


def sorted_limits(limits: list[ConcurrencyLimit], order: Order) -> list[ConcurrencyLimit]:
    """Limits in the pools' order; ties (equal slots) in creation order."""

    def created(limit: ConcurrencyLimit) -> tuple[datetime, str]:
        return (limit.created or datetime.min.replace(tzinfo=UTC), str(limit.id))

    keys = {
        "name": lambda limit: (pool_name(limit),),
        "slots": lambda limit: (limit.limit, *created(limit)),
        "id": created,
    }
    return sorted(limits, key=keys[order.key], reverse=order.descending)
