"""The time window of a comparison: `--since` / `--until` as ISO dates or durations back from now (pure)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_DURATION = re.compile(r"^(\d+)([smhdw])$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


class WindowError(ValueError):
    """A bound that is neither an ISO date nor a duration, or a window that ends before it starts."""


def parse_moment(text: str, *, now: datetime) -> datetime:
    """`7d`, `12h`, `30m`, `90s`, `2w` (that long before now), or an ISO date/date-time (naive: UTC)."""
    text = text.strip()
    match = _DURATION.match(text)
    if match:
        return now - timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise WindowError(
            f"'{text}' is neither an ISO date (2025-01-31, 2025-01-31T06:00:00Z) nor a duration (7d, 12h, 30m)"
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def window(since: str | None, until: str | None, *, now: datetime | None = None) -> tuple[datetime, datetime]:
    """[since, until]; since defaults to 7 days before now, until to now."""
    now = now or datetime.now(UTC)
    start = parse_moment(since, now=now) if since else now - timedelta(days=7)
    end = parse_moment(until, now=now) if until else now
    if end < start:
        raise WindowError(f"the window ends ({end.isoformat()}) before it starts ({start.isoformat()})")
    return start, end
