"""Airflow's date rules: how dates are read from requests and written back.

Airflow 2 writes dates as ISO 8601 in UTC with a `+00:00` offset and
microseconds only when they are not zero, which is exactly what
`datetime.isoformat()` does for an aware UTC datetime.
"""

from __future__ import annotations

from datetime import UTC, datetime

from app.errors import BadRequest


def parse_query_datetime(name: str, value: str) -> datetime:
    """A date from a query string; naive dates are UTC, as pendulum reads them.

    An unencoded `+` arrives as a space and is refused, as Airflow's spec
    check refuses it: clients encode it (`%2B00:00`) or use `Z`.
    """
    parsed = _parse(value.strip())
    if parsed is None:
        raise BadRequest(f"{name}: '{value}' is not an ISO 8601 date-time", title="Incorrect datetime argument")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_body_datetime(name: str, value: object) -> datetime:
    """A date from a JSON body: ISO 8601 and, as in Airflow, timezone-aware."""
    parsed = _parse(value) if isinstance(value, str) else None
    if parsed is None:
        raise BadRequest(f"{name}: Not a valid datetime.")
    if parsed.tzinfo is None:
        raise BadRequest(f"{name}: Naive datetime is disallowed")
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # e.g. 0001-01-01T00:00:00+01:00: before year 1 in UTC
        raise BadRequest(f"{name}: Not a valid datetime.") from None


def format_datetime(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat()


def _parse(text: str) -> datetime | None:
    """An ISO 8601 date-time that exists in UTC too (year 1 to 9999 once its offset is applied)."""
    if "T" not in text or " " in text:
        return None
    try:
        parsed = datetime.fromisoformat(text)
        if parsed.tzinfo is not None:
            parsed.astimezone(UTC)  # 0001-01-01T00:00+14:00 is before the first instant a datetime holds
    except (ValueError, OverflowError):
        return None
    return parsed
