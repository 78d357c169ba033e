"""Airflow's `order_by`: an allow-listed attribute, `-` for descending."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from app.errors import BadRequest


@dataclass(frozen=True)
class Order:
    key: str
    descending: bool


def parse_order_by(order_by: str, allowed: Collection[str]) -> Order:
    """Airflow's `apply_sorting` check: a key outside `allowed` is its 400."""
    key = order_by.removeprefix("-")
    if key not in allowed:
        raise BadRequest(f"Ordering with '{key}' is disallowed or the attribute does not exist on the model")
    return Order(key, order_by.startswith("-"))


def nulls_last(value: Any) -> tuple[bool, Any]:
    """A sort key for values that may be None: None after every value, whichever the direction asked."""
    return (value is None, value if value is not None else 0)


def cannot_honour(order: Order, what: str) -> BadRequest:
    direction = "descending" if order.descending else "ascending"
    return BadRequest(f"Ordering by '{order.key}' ({direction}) cannot be honoured: Prefect cannot sort {what} so")
