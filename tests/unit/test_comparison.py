"""The comparison of Airflow's and Prefect's runs: join, tolerance learning, kinds of finding (pure tables)."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from app.migration.comparison import (
    FALLBACK_RATIO,
    FLOOR_RATIO,
    MIN_SAMPLES,
    NOISE_MULTIPLIER,
    RunRecord,
    TaskRecord,
    compare_dag,
    join,
    learn_tolerance,
    spread,
)
from app.migration.window import WindowError, window

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def run(run_id: str, day: int, state: str = "success", seconds: float | None = 60.0, tasks=()) -> RunRecord:
    logical = T0 + timedelta(days=day)
    start = logical + timedelta(minutes=1)
    end = None if seconds is None else start + timedelta(seconds=seconds)
    return RunRecord(run_id, logical, state, start, end, tuple(tasks))


def task(task_id: str, state: str | None = "success", tries: int = 1, map_index: int = -1) -> TaskRecord:
    return TaskRecord(task_id, map_index, state, tries)


# -- join ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("airflow", "prefect", "expected"),
    [
        # same id: one pair
        ([run("a", 0)], [run("a", 0)], [("a", "a", "dag_run_id")]),
        # ids differ, same logical date (each scheduler named its run): paired by date
        ([run("scheduled__x", 0)], [run("prefect__y", 0)], [("scheduled__x", "prefect__y", "logical_date")]),
        # nothing in common: two runs alone, in logical-date order
        ([run("a", 1)], [run("b", 0)], [(None, "b", None), ("a", None, None)]),
        # an id match wins over a date match
        ([run("a", 0), run("b", 1)], [run("b", 0), run("a", 1)], [("a", "a", "dag_run_id"), ("b", "b", "dag_run_id")]),
        # empty sides
        ([], [], []),
    ],
)
def test_join_pairs_by_id_then_by_logical_date(airflow, prefect, expected):
    pairs = join(airflow, prefect)
    assert [
        (p.airflow.dag_run_id if p.airflow else None, p.prefect.dag_run_id if p.prefect else None, p.joined_by)
        for p in pairs
    ] == expected


# -- tolerance ----------------------------------------------------------------------


def test_spread_is_the_scaled_median_absolute_deviation_of_log_durations():
    durations = [100, 110, 90, 100, 1000]  # one stuck run does not widen the spread
    logs = [math.log(each) for each in durations]
    centre = sorted(logs)[2]
    mad = sorted(abs(value - centre) for value in logs)[2]
    assert spread(durations) == pytest.approx(1.4826 * mad)
    assert spread(durations) < 0.2


@pytest.mark.parametrize(
    ("durations", "expected"),
    [
        ([60.0] * (MIN_SAMPLES - 1), None),  # too few samples
        ([60.0] * MIN_SAMPLES, 0.0),  # a perfectly steady DAG
        ([0.0] * MIN_SAMPLES, None),  # zero durations have no logarithm
    ],
)
def test_spread_needs_min_samples(durations, expected):
    assert spread(durations) == expected


def steady(prefix: str, seconds: list[float]) -> list[RunRecord]:
    return [run(f"{prefix}{index}", index, seconds=value) for index, value in enumerate(seconds)]


@pytest.mark.parametrize(
    ("airflow_seconds", "prefect_seconds", "learned", "ratio"),
    [
        # too few runs: the fallback
        ([100, 100], [100, 100], False, FALLBACK_RATIO),
        # perfectly steady on both sides: held at the floor
        ([100] * 5, [100] * 5, True, FLOOR_RATIO),
        # jittery Airflow (about x1.5 either way): a wide tolerance
        ([100, 150, 67, 100, 150, 67, 100], [100] * 5, True, None),
    ],
)
def test_tolerance_is_learned_from_each_side_spread(airflow_seconds, prefect_seconds, learned, ratio):
    tolerance = learn_tolerance(steady("a", airflow_seconds), steady("p", prefect_seconds))
    assert tolerance.learned is learned
    if ratio is not None:
        assert tolerance.ratio == pytest.approx(ratio)
    else:
        expected = NOISE_MULTIPLIER * math.hypot(spread(airflow_seconds), spread(prefect_seconds))
        assert tolerance.log_ratio == pytest.approx(expected)
        assert tolerance.ratio > 2


def test_failed_and_unfinished_runs_do_not_count_as_samples():
    runs = steady("a", [100] * 4) + [run("f", 9, "failed", 5.0), run("r", 10, "running", None)]
    tolerance = learn_tolerance(runs, runs)
    assert (tolerance.airflow_samples, tolerance.learned) == (4, False)


# -- findings -----------------------------------------------------------------------


def kinds(airflow, prefect, **options) -> list[tuple[str, str, str | None]]:
    comparison = compare_dag("d", airflow, prefect, **options)
    return [(finding.kind, finding.dag_run_id, finding.task) for finding in comparison.findings]


TASKS = [task("extract"), task("transform"), task("load")]


@pytest.mark.parametrize(
    ("airflow", "prefect", "expected"),
    [
        # everything agrees
        ([run("r", 0, tasks=TASKS)], [run("r", 0, tasks=TASKS)], []),
        # one side only
        ([run("r", 0)], [], [("only_in_airflow", "r", None)]),
        ([], [run("r", 0)], [("only_in_prefect", "r", None)]),
        # different end states, and the task that made the difference
        (
            [run("r", 0, tasks=TASKS)],
            [
                run(
                    "r",
                    0,
                    "failed",
                    tasks=[task("extract"), task("transform", "failed"), task("load", "upstream_failed")],
                )
            ],
            [("state", "r", None), ("task_state", "r", "load"), ("task_state", "r", "transform")],
        ),
        # a task on one side only; a task tried twice on one side
        (
            [run("r", 0, tasks=[task("extract"), task("load")])],
            [run("r", 0, tasks=[task("extract", tries=2), task("load"), task("extra")])],
            [("task_missing", "r", "extra"), ("task_tries", "r", "extract")],
        ),
        # mapped tasks are told apart by map_index
        (
            [run("r", 0, tasks=[task("square", map_index=0), task("square", map_index=1)])],
            [run("r", 0, tasks=[task("square", map_index=0), task("square", "failed", map_index=1)])],
            [("task_state", "r", "square[1]")],
        ),
        # one run still going: pending, not a difference
        ([run("r", 0, tasks=TASKS)], [run("r", 0, "running", None, tasks=TASKS[:1])], []),
        # the same id at different logical dates
        ([run("r", 0)], [run("r", 1)], [("logical_date", "r", None)]),
    ],
)
def test_kinds_of_finding(airflow, prefect, expected):
    assert kinds(airflow, prefect) == expected


def test_a_pending_pair_is_counted():
    comparison = compare_dag("d", [run("r", 0)], [run("r", 0, "queued", None)])
    assert (comparison.pending, comparison.agrees) == (1, True)


@pytest.mark.parametrize(
    ("airflow_seconds", "prefect_seconds", "min_difference", "flagged"),
    [
        # fallback tolerance x1.5 (too few runs): x2 is flagged, x1.4 is not
        ([100], [200], 0, True),
        ([100], [140], 0, False),
        # ...and neither is x3 when the difference is under the absolute floor
        ([10], [30], 30, False),
        # steady DAGs are held at x1.1: x1.2 on the last run is flagged
        ([100] * 6, [100] * 5 + [120], 0, True),
        # a jittery Airflow (x1.5 either way) tolerates a run x1.6 slower in Prefect
        ([100, 150, 67, 100, 150, 67], [100] * 5 + [160], 0, False),
    ],
)
def test_durations_differ_beyond_the_learned_tolerance(airflow_seconds, prefect_seconds, min_difference, flagged):
    airflow = steady("r", airflow_seconds)
    prefect = steady("r", prefect_seconds)
    found = kinds(airflow, prefect, min_difference=min_difference)
    assert (("duration", f"r{len(prefect_seconds) - 1}", None) in found) is flagged
    assert all(kind == "duration" for kind, _, _ in found)


def test_duration_is_compared_only_when_both_succeeded():
    airflow = [run("r", 0, "failed", 10.0)]
    prefect = [run("r", 0, "failed", 1000.0)]
    assert kinds(airflow, prefect, min_difference=0) == []


# -- window -------------------------------------------------------------------------

NOW = datetime(2025, 3, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        (None, None, (NOW - timedelta(days=7), NOW)),
        ("7d", None, (NOW - timedelta(days=7), NOW)),
        ("12h", "30m", (NOW - timedelta(hours=12), NOW - timedelta(minutes=30))),
        ("2w", "90s", (NOW - timedelta(weeks=2), NOW - timedelta(seconds=90))),
        ("2025-03-01", "2025-03-02T06:00:00Z", (datetime(2025, 3, 1, tzinfo=UTC), datetime(2025, 3, 2, 6, tzinfo=UTC))),
    ],
)
def test_window_reads_iso_dates_and_durations(since, until, expected):
    assert window(since, until, now=NOW) == expected


@pytest.mark.parametrize(("since", "until"), [("yesterday", None), ("1d", "2d"), ("7x", None)])
def test_window_refuses_what_it_cannot_read(since, until):
    with pytest.raises(WindowError):
        window(since, until, now=NOW)
