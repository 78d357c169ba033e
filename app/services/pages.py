"""Reading an Airflow page through a Prefect filter endpoint.

Prefect caps a filter's `limit` at 200; a larger Airflow page (only when
BRIDGE_MAXIMUM_PAGE_LIMIT is set above 200) takes one call per 200 rows.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from app.translate.paging import PREFECT_MAX_PAGE_SIZE, Page

T = TypeVar("T")


def read_window(fetch: Callable[[int, int], list[T]], page: Page) -> list[T]:
    """Rows `page.offset` to `page.offset + page.limit` of what `fetch(offset, limit)` lists."""
    rows: list[T] = []
    while len(rows) < page.limit:
        size = min(PREFECT_MAX_PAGE_SIZE, page.limit - len(rows))
        batch = fetch(page.offset + len(rows), size)
        rows.extend(batch)
        if len(batch) < size:
            break
    return rows
