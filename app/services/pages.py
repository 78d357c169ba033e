"""Reading through a Prefect filter endpoint, 200 rows a call.

Prefect caps a filter's `limit` at 200: a larger Airflow page (only when
BRIDGE_MAXIMUM_PAGE_LIMIT is set above 200, or in a batch form) and
reading everything a filter selects take one call per 200 rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from app.errors import BadRequest
from app.translate.paging import PREFECT_MAX_PAGE_SIZE, Page

T = TypeVar("T")


def fetching(method: Callable[[dict[str, Any]], list[T]], body: Mapping[str, Any]) -> Callable[[int, int], list[T]]:
    """`fetch(offset, limit)` for a Prefect filter method and the body it filters by."""
    return lambda offset, limit: method({**body, "offset": offset, "limit": limit})


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


def read_all(fetch: Callable[[int, int], list[T]]) -> list[T]:
    """Everything `fetch(offset, limit)` lists, one call per 200 rows."""
    rows: list[T] = []
    while True:
        batch = fetch(len(rows), PREFECT_MAX_PAGE_SIZE)
        rows.extend(batch)
        if len(batch) < PREFECT_MAX_PAGE_SIZE:
            return rows


#: The most rows the bridge reads to filter or sort what Prefect cannot (50 calls of 200).
SCAN_LIMIT = 10_000


def read_bounded(fetch: Callable[[int, int], list[T]], what: str, narrow_with: str | None = None) -> list[T]:
    """Everything `fetch` lists when it is at most SCAN_LIMIT rows; else a 400 naming the bound.

    Used where Airflow's answer needs a filter or an order Prefect does not
    have: the bridge reads the rows Prefect can select and finishes the job.
    """
    rows: list[T] = []
    while True:
        batch = fetch(len(rows), PREFECT_MAX_PAGE_SIZE)
        rows.extend(batch)
        if len(rows) > SCAN_LIMIT:
            advice = f" Narrow the request with {narrow_with}." if narrow_with else ""
            raise BadRequest(
                f"More than {SCAN_LIMIT} {what} match: the bridge filters or sorts at most {SCAN_LIMIT} itself "
                f"where Prefect cannot.{advice}"
            )
        if len(batch) < PREFECT_MAX_PAGE_SIZE:
            return rows
