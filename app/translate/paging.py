"""Airflow's paging rules, and how a page maps onto Prefect's pagination."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import BadRequest

#: Prefect caps `limit` at 200 on its filter and paginate endpoints.
PREFECT_MAX_PAGE_SIZE = 200
#: Offsets past this many rows all give the same empty page (README "Hostile input").
MAX_OFFSET = 2**31 - 1


@dataclass(frozen=True)
class Page:
    offset: int
    limit: int


def check_limit(limit: int | None, *, maximum: int, fallback: int) -> int:
    """Airflow 2's `check_limit`: absent or 0 -> fallback, above max -> max."""
    if limit is None or limit == 0:
        return fallback
    if limit < 0:
        raise BadRequest("Page limit must be a positive integer")
    return min(limit, maximum)


#: Beyond any number of rows: a larger offset reads as this one (Prefect's database would overflow on it).
MAX_OFFSET = 2**53


def check_offset(offset: int | None) -> int:
    """Airflow's minimum of 0; an offset past any real listing is cut to MAX_OFFSET.

    The page there is empty either way, and Prefect's database cannot take
    an offset beyond a 64-bit integer (10**30 would be its 500, our 502).
    """
    if offset is None:
        return 0
    if offset < 0:
        raise BadRequest(f"{offset} is less than the minimum of 0 - 'offset'")
    return min(offset, MAX_OFFSET)


@dataclass(frozen=True)
class CoveringPage:
    """Prefect page `number` (1-based) of `size` rows holds the Airflow window,
    which starts `skip` rows into it."""

    size: int
    number: int
    skip: int


def covering_page(page: Page, *, max_size: int = PREFECT_MAX_PAGE_SIZE) -> CoveringPage | None:
    """The smallest Prefect page that holds the whole Airflow page, if any.

    Prefect's `/paginate` answers a page and the total count in one call but
    only for page-aligned windows; Airflow pages by arbitrary offset. Clients
    page by multiples of their limit, so the answer is usually size == limit;
    an unaligned window needs a larger page, and None means no page of at
    most `max_size` rows holds it.
    """
    last = page.offset + page.limit - 1
    for size in range(max(page.limit, 1), max_size + 1):
        first_page = page.offset // size
        if last // size == first_page:
            return CoveringPage(size=size, number=first_page + 1, skip=page.offset - first_page * size)
    return None
