"""Airflow's `order_by`: an allow-listed attribute, `-` for descending, NULLs as PostgreSQL places them."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass
from typing import Any, TypeVar

from app.errors import BadRequest

T = TypeVar("T")


@dataclass(frozen=True)
class Order:
    key: str
    descending: bool


def parse_order_by(order_by: str, allowed: Collection[str]) -> Order:
    """Airflow's `apply_sorting`: every leading `-` is stripped, and a key outside `allowed` is its 400.

    An empty `order_by` names no key and is that same 400, as in Airflow.
    """
    key = order_by.lstrip("-")
    if key not in allowed:
        raise BadRequest(f"Ordering with '{key}' is disallowed or the attribute does not exist on the model")
    return Order(key, order_by.startswith("-"))


def null_largest(value: Any) -> tuple[bool, Any]:
    """A sort key placing None after every value ascending and before every value descending.

    That is PostgreSQL's default (`NULLS LAST` for ASC, `NULLS FIRST` for
    DESC), the database Airflow's answers are compared with.
    """
    return (value is None, value if value is not None else 0)


def postgres_sorted(items: Iterable[T], value: Callable[[T], Any], *, descending: bool) -> list[T]:
    """`items` ordered by `value` as PostgreSQL orders a column; ties keep their order (a stable sort)."""
    return sorted(items, key=lambda item: null_largest(value(item)), reverse=descending)

