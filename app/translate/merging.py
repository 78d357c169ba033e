"""Merging two ordered listings (Prefect's and the legacy Airflow's) into one Airflow page.

Each side is read in the same order, and the two streams are merged by
taking the smaller head each time (ties: Prefect's first; NULLs as
PostgreSQL places them). The merged
stream is a fixed function of the two streams, so paging through it shows
every row exactly once; and its first n rows come from the first n rows of
each side, so a page at `offset` o with `limit` l needs only the first o+l
rows of each side. Each side's `total_entries` counts only the DAGs it
serves, so the merged total is their sum.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from app.errors import BadRequest
from app.translate.dag_runs import AIRFLOW_RUN_ORDER_KEYS
from app.translate.ordering import null_largest, parse_order_by
from app.translate.paging import Page

Row = dict[str, Any]

#: A merged run listing's `order_by` key -> the field of the serialised row both sides sort by. The
#: bridge sorts `id` by logical date (README), so the legacy side is asked for `execution_date` in its
#: place. `updated_at` and `conf` are missing: a v1 DAGRun row carries no `updated_at`, and `conf` is
#: ordered by its pickled bytes in Airflow's database, so neither can be compared across the two systems.
RUN_ORDER_FIELDS = {
    "id": "execution_date",
    "execution_date": "execution_date",
    "start_date": "start_date",
    "end_date": "end_date",
    "state": "state",
    "dag_id": "dag_id",
    "dag_run_id": "dag_run_id",
    "external_trigger": "external_trigger",
}
#: Fields holding ISO dates: compared as instants, not as text (the two sides format them differently).
DATE_FIELDS = frozenset({"execution_date", "start_date", "end_date", "when"})


def merge_window(
    prefect: Sequence[Row], legacy: Sequence[Row], key: Callable[[Row], Any], page: Page, *, descending: bool = False
) -> list[Row]:
    """Rows offset..offset+limit of the merged stream of two listings, each already in its own order.

    NULLs go where PostgreSQL (and so Airflow) puts them: last ascending, first descending.
    """
    merged: list[Row] = []
    left, right = 0, 0
    wanted = page.offset + page.limit
    while len(merged) < wanted and (left < len(prefect) or right < len(legacy)):
        take_left = right >= len(legacy) or (
            left < len(prefect) and _not_after(key(prefect[left]), key(legacy[right]), descending)
        )
        if take_left:
            merged.append(prefect[left])
            left += 1
        else:
            merged.append(legacy[right])
            right += 1
    return merged[page.offset : wanted]


def _not_after(first: Any, second: Any, descending: bool) -> bool:
    first, second = null_largest(first), null_largest(second)
    return first >= second if descending else first <= second


def run_order(order_by: str | None) -> tuple[str, bool]:
    """The row field a merged run listing sorts by and whether descending; the bridge's default is `id`.

    Every order Airflow accepts is checked first (an unknown key is its 400); the two it accepts but a
    merge cannot compare are a 400 naming the reason, never a silently different order.
    """
    order = parse_order_by(order_by or "id", AIRFLOW_RUN_ORDER_KEYS)
    if order.key not in RUN_ORDER_FIELDS:
        raise BadRequest(
            f"Ordering with '{order.key}' cannot merge the legacy Airflow's runs with Prefect's: "
            "name DAGs served by one system only (dag_ids), or order by another key"
        )
    return RUN_ORDER_FIELDS[order.key], order.descending


def legacy_run_order(order_by: str | None) -> str:
    """The legacy side's `order_by` for a merged run listing."""
    field, descending = run_order(order_by)
    return ("-" if descending else "") + field


def row_key(field: str) -> Callable[[Row], Any]:
    """The value a merge compares rows by: an instant for date fields, else the value as serialised."""

    def key(row: Row) -> Any:
        value = row.get(field)
        if field in DATE_FIELDS:
            return datetime.fromisoformat(value) if value else None
        return value

    return key


def dag_id_key(row: Row) -> str:
    return row["dag_id"]
