"""Prefect deployment schedules as Airflow sees a DAG's schedule.

Rules:
- exactly one active cron schedule -> `CronExpression`; exactly one active
  interval schedule -> `TimeDelta`; anything else (no schedule, several
  active schedules, an rrule) -> `schedule_interval` null, because Airflow
  cannot express it. `timetable_description` always names every active
  schedule, so nothing is hidden; with none it is Airflow's description
  of `schedule=None`, "Never, external triggers only".
- `next_dagrun` is the earliest next fire time over the active schedules,
  computed from the schedules themselves (as Airflow's timetable does), so a
  page of DAGs needs no call per DAG.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from cronsim import CronSim, CronSimError
from dateutil.rrule import rrulestr

#: How Airflow describes a DAG with `schedule=None`: triggered runs only.
NO_SCHEDULE = "Never, external triggers only"


def schedule_interval(schedules: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    active = list(schedules)
    if len(active) != 1:
        return None
    schedule = active[0]
    if "cron" in schedule:
        return {"__type": "CronExpression", "value": schedule["cron"]}
    if "interval" in schedule:
        delta = timedelta(seconds=float(schedule["interval"]))
        return {"__type": "TimeDelta", "days": delta.days, "seconds": delta.seconds, "microseconds": delta.microseconds}
    return None


def describe(schedules: Iterable[dict[str, Any]]) -> str:
    """Every active schedule in words; none is Airflow's `schedule=None` (NullTimetable's description)."""
    words = [_describe_one(schedule) for schedule in schedules]
    return "; ".join(words) if words else NO_SCHEDULE


def timezone(schedules: Iterable[dict[str, Any]]) -> str | None:
    """The timezone the active schedules fire in, when they agree on one (Airflow's DAG timezone)."""
    zones = {schedule.get("timezone") or "UTC" for schedule in schedules}
    return zones.pop() if len(zones) == 1 else None


def next_fire_time(schedules: Iterable[dict[str, Any]], after: datetime) -> datetime | None:
    times = [time for time in (_next_one(schedule, after) for schedule in schedules) if time is not None]
    return min(times) if times else None


def _describe_one(schedule: dict[str, Any]) -> str:
    zone = schedule.get("timezone") or "UTC"
    if "cron" in schedule:
        return f"cron '{schedule['cron']}' ({zone})"
    if "interval" in schedule:
        return f"every {timedelta(seconds=float(schedule['interval']))} from {schedule.get('anchor_date')} ({zone})"
    if "rrule" in schedule:
        return f"rrule '{schedule['rrule']}' ({zone})"
    return "an unknown Prefect schedule"


def _zone(schedule: dict[str, Any]) -> ZoneInfo:
    try:
        return ZoneInfo(schedule.get("timezone") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def _next_one(schedule: dict[str, Any], after: datetime) -> datetime | None:
    zone = _zone(schedule)
    try:
        if "cron" in schedule:
            return next(iter(CronSim(schedule["cron"], after.astimezone(zone)))).astimezone(UTC)
        if "interval" in schedule:
            return _next_interval(schedule, after)
        if "rrule" in schedule:
            rule = rrulestr(schedule["rrule"], dtstart=after.astimezone(zone))
            found = rule.after(after.astimezone(zone))
            return found.astimezone(UTC) if found else None
    except (CronSimError, ValueError, TypeError, StopIteration):
        return None
    return None


def _next_interval(schedule: dict[str, Any], after: datetime) -> datetime:
    seconds = float(schedule["interval"])
    anchor_text = schedule.get("anchor_date")
    anchor = datetime.fromisoformat(anchor_text) if anchor_text else datetime(2020, 1, 1, tzinfo=UTC)
    if anchor.tzinfo is None:
        anchor = anchor.replace(tzinfo=UTC)
    if anchor > after:
        return anchor.astimezone(UTC)
    steps = math.floor((after - anchor).total_seconds() / seconds) + 1
    return (anchor + timedelta(seconds=steps * seconds)).astimezone(UTC)
