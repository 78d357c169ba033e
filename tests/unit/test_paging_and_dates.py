"""Airflow's paging and date rules, and the Prefect page that covers an Airflow page."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from app.errors import BadRequest
from app.translate.dates import format_datetime, parse_body_datetime, parse_query_datetime
from app.translate.paging import CoveringPage, Page, check_limit, check_offset, covering_page


@pytest.mark.parametrize(
    ("given", "expected"), [(None, 100), (0, 100), (1, 1), (50, 50), (100, 100), (101, 100), (10**6, 100)]
)
def test_check_limit(given, expected):
    assert check_limit(given, maximum=100, fallback=100) == expected


def test_negative_limit_and_offset_are_400():
    with pytest.raises(BadRequest):
        check_limit(-1, maximum=100, fallback=100)
    with pytest.raises(BadRequest):
        check_offset(-1)


@pytest.mark.parametrize(
    ("offset", "limit", "expected"),
    [
        (0, 100, CoveringPage(100, 1, 0)),
        (200, 100, CoveringPage(100, 3, 0)),
        (3, 1, CoveringPage(1, 4, 0)),
        (3, 2, CoveringPage(3, 2, 0)),
        (150, 100, CoveringPage(125, 2, 25)),
    ],
)
def test_covering_page(offset, limit, expected):
    assert covering_page(Page(offset, limit)) == expected


def test_every_window_is_covered_exactly_or_refused():
    for offset in range(0, 400, 7):
        for limit in (1, 2, 3, 10, 33, 100):
            page = covering_page(Page(offset, limit))
            if page is None:
                continue
            first = (page.number - 1) * page.size + page.skip
            assert first == offset and page.skip + limit <= page.size <= 200


def test_no_page_covers_a_wide_unaligned_window():
    assert covering_page(Page(offset=51, limit=150)) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-01T00:00:00Z", datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T02:00:00+02:00", datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T00:00:00.000000+0000", datetime(2024, 1, 1, tzinfo=UTC)),
        ("2024-01-01T00:00:00", datetime(2024, 1, 1, tzinfo=UTC)),
    ],
)
def test_query_datetimes(text, expected):
    assert parse_query_datetime("x", text) == expected


@pytest.mark.parametrize("text", ["2024-01-01T00:00:00 00:00", "yesterday", "2024-01-01", ""])
def test_bad_query_datetime_is_airflows_400(text):
    with pytest.raises(BadRequest) as caught:
        parse_query_datetime("execution_date_gte", text)
    assert caught.value.title == "Incorrect datetime argument"


def test_body_datetimes_must_be_aware():
    assert parse_body_datetime("d", "2024-01-01T00:00:00+00:00") == datetime(2024, 1, 1, tzinfo=UTC)
    with pytest.raises(BadRequest, match="Naive datetime is disallowed"):
        parse_body_datetime("d", "2024-01-01T00:00:00")
    with pytest.raises(BadRequest):
        parse_body_datetime("d", 12)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (datetime(2024, 5, 1, 10, tzinfo=UTC), "2024-05-01T10:00:00+00:00"),
        (datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC), "2024-05-01T10:00:00.123456+00:00"),
        (datetime(2024, 5, 1, 12, tzinfo=timezone(timedelta(hours=2))), "2024-05-01T10:00:00+00:00"),
        (None, None),
    ],
)
def test_format_datetime_is_airflows(value, text):
    assert format_datetime(value) == text
