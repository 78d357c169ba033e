"""Merging two ordered listings (Prefect's and the legacy Airflow's) into one Airflow page.

Each side is read in the same order, and the two streams are merged by
taking the smaller head each time (ties: Prefect's first). The merged
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

from app.translate.paging import Page

Row = dict[str, Any]

#: A run listing's `order_by` (without `-`) -> the field both sides sort by. The bridge sorts `id`
#: by logical date (README), so the legacy side is asked for `execution_date` in its place.
RUN_ORDER_FIELDS = {"id": "execution_date", "execution_date": "execution_date", "start_date": "start_date",
                    "end_date": "end_date"}


def merge_window(prefect: Sequence[Row], legacy: Sequence[Row], key: Callable[[Row], Any], page: Page, *,
                 descending: bool = False) -> list[Row]:
    """Rows offset..offset+limit of the merged stream of two listings, each already in its own order."""
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
    # None (a run not started or not ended) sorts last either way.
    if first is None or second is None:
        return second is None
    return first >= second if descending else first <= second


def run_order(order_by: str | None) -> tuple[str, bool]:
    """The field a merged run listing sorts by and whether descending; the bridge's default is `id`."""
    order_by = order_by or "id"
    descending = order_by.startswith("-")
    return RUN_ORDER_FIELDS.get(order_by.lstrip("-"), "execution_date"), descending


def legacy_run_order(order_by: str | None) -> str:
    """The legacy side's `order_by` for a merged run listing."""
    field, descending = run_order(order_by)
    return ("-" if descending else "") + field


def date_key(field: str) -> Callable[[Row], datetime | None]:
    def key(row: Row) -> datetime | None:
        value = row.get(field)
        return datetime.fromisoformat(value) if value else None

    return key


def dag_id_key(row: Row) -> str:
    return row["dag_id"]
