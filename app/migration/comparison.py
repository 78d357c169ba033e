"""The side-by-side comparison of one DAG's runs in the legacy Airflow and in Prefect (pure: no I/O).

Both sides arrive in Airflow's terms (dag_run_id, logical date, Airflow
states, task instances), the legacy side from its own API and the Prefect
side through the bridge's translation, so one comparison fits both.

Join. Runs pair by dag_run_id first (a shadowed trigger gives both runs the
same id); runs left over pair by logical date (each scheduler named its own
runs); the rest are on one side only. A pair joined by id whose logical
dates differ is a finding of its own.

What is compared. A run on one side only is always a finding. A pair is
compared only once both runs have finished (`success` or `failed`): a run
still going on either side is counted as pending, never as a difference.
Finished pairs are compared on their state; on their task instances (by
task_id and map_index: a task on one side only, a different state, a
different try_number); and, when both succeeded, on duration.

Duration tolerance (Diffy's rule: a difference counts only where it exceeds
the noise measured between runs of the same side). For each side, the
spread of its successful runs' log-durations in the window is measured
robustly, so one stuck run cannot widen the tolerance that should catch it:

    s = 1.4826 * median(|ln d_i - median(ln d)|)        (MAD, scaled to a standard deviation)

A pair's durations differ when both

    |ln(d_prefect / d_airflow)| > max(ln FLOOR_RATIO, NOISE_MULTIPLIER * sqrt(s_airflow^2 + s_prefect^2))
    |d_prefect - d_airflow|    > min_difference seconds

hold: the log-ratio of two independent runs has the spread
sqrt(s_a^2 + s_p^2) when nothing changed, and three of those are far outside
that noise. A jittery DAG thus gets a wide tolerance and a steady one a
tight one (never tighter than FLOOR_RATIO). The spread needs MIN_SAMPLES
successful runs on each side; with fewer, the tolerance is FALLBACK_RATIO.
The absolute floor keeps scheduler latency (seconds on Airflow's side) from
being reported as a difference in short DAGs.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

AIRFLOW = "airflow"
PREFECT = "prefect"
FINISHED = frozenset({"success", "failed"})

MIN_SAMPLES = 5
NOISE_MULTIPLIER = 3.0
FALLBACK_RATIO = 1.5
FLOOR_RATIO = 1.1
DEFAULT_MIN_DIFFERENCE = 30.0  # seconds
MAD_TO_SD = 1.4826  # a normal distribution's standard deviation is 1.4826 times its MAD

#: Kinds of finding, in the order reports list them.
KINDS = (
    "only_in_airflow",
    "only_in_prefect",
    "logical_date",
    "state",
    "task_missing",
    "task_state",
    "task_tries",
    "duration",
)


@dataclass(frozen=True)
class TaskRecord:
    task_id: str
    map_index: int
    state: str | None
    try_number: int

    @property
    def label(self) -> str:
        return self.task_id if self.map_index < 0 else f"{self.task_id}[{self.map_index}]"


@dataclass(frozen=True)
class RunRecord:
    """One DAG run of one side, in Airflow's terms."""

    dag_run_id: str
    logical_date: datetime | None
    state: str
    start_date: datetime | None = None
    end_date: datetime | None = None
    tasks: tuple[TaskRecord, ...] = ()

    @property
    def duration(self) -> float | None:
        """Seconds from start to end; None while unfinished or unknown."""
        if self.start_date is None or self.end_date is None or self.end_date < self.start_date:
            return None
        return (self.end_date - self.start_date).total_seconds()

    @property
    def finished(self) -> bool:
        return self.state in FINISHED


@dataclass(frozen=True)
class Pair:
    """Runs of the two sides that belong together; one side is None for a run found on one side only."""

    airflow: RunRecord | None
    prefect: RunRecord | None
    joined_by: str | None  # "dag_run_id", "logical_date" or None (one side only)

    @property
    def first(self) -> RunRecord:
        """Airflow's run when there is one (its dag_run_id names the pair), else Prefect's."""
        run = self.airflow or self.prefect
        assert run is not None, "a pair holds at least one run"
        return run

    @property
    def dag_run_id(self) -> str:
        return self.first.dag_run_id

    @property
    def logical_date(self) -> datetime | None:
        return self.first.logical_date


@dataclass(frozen=True)
class Tolerance:
    """How far a pair's durations may differ: |ln(prefect / airflow)| <= log_ratio, or by min_difference seconds."""

    log_ratio: float
    learned: bool  # False: too few runs to measure the noise; the fallback applies
    airflow_spread: float | None
    prefect_spread: float | None
    airflow_samples: int
    prefect_samples: int
    min_difference: float = DEFAULT_MIN_DIFFERENCE

    @property
    def ratio(self) -> float:
        return math.exp(self.log_ratio)

    def exceeded(self, airflow_seconds: float, prefect_seconds: float) -> bool:
        if abs(prefect_seconds - airflow_seconds) <= self.min_difference:
            return False
        if airflow_seconds <= 0 or prefect_seconds <= 0:
            return True  # beyond the absolute floor, and no ratio to judge it by
        return abs(math.log(prefect_seconds / airflow_seconds)) > self.log_ratio


@dataclass(frozen=True)
class Finding:
    """One disagreement between the sides."""

    kind: str
    dag_run_id: str
    logical_date: datetime | None
    task: str | None
    airflow: str | None
    prefect: str | None
    detail: str


@dataclass(frozen=True)
class DagComparison:
    dag_id: str
    pairs: tuple[Pair, ...]
    tolerance: Tolerance
    findings: tuple[Finding, ...]
    pending: int = 0

    @property
    def agrees(self) -> bool:
        return not self.findings

    def count(self, kind: str) -> int:
        return sum(1 for finding in self.findings if finding.kind == kind)


@dataclass(frozen=True)
class Comparison:
    """Every compared DAG, over one window."""

    since: datetime | None
    until: datetime | None
    dags: tuple[DagComparison, ...] = field(default_factory=tuple)

    @property
    def agrees(self) -> bool:
        return all(dag.agrees for dag in self.dags)


# -- join -------------------------------------------------------------------------


def join(airflow: Sequence[RunRecord], prefect: Sequence[RunRecord]) -> list[Pair]:
    """Pairs by dag_run_id, then by logical date; leftovers alone. Ordered by logical date, then id."""
    prefect_by_id = {run.dag_run_id: run for run in prefect}
    pairs: list[Pair] = []
    unpaired_airflow: list[RunRecord] = []
    for run in airflow:
        partner = prefect_by_id.pop(run.dag_run_id, None)
        if partner is None:
            unpaired_airflow.append(run)
        else:
            pairs.append(Pair(run, partner, "dag_run_id"))
    prefect_by_date: dict[datetime, RunRecord] = {}
    for run in prefect_by_id.values():
        if run.logical_date is not None:
            prefect_by_date.setdefault(run.logical_date, run)
    for run in unpaired_airflow:
        partner = prefect_by_date.pop(run.logical_date, None) if run.logical_date else None
        pairs.append(Pair(run, partner, "logical_date" if partner else None))
    paired = {id(pair.prefect) for pair in pairs}
    pairs.extend(Pair(None, run, None) for run in prefect_by_id.values() if id(run) not in paired)
    return sorted(pairs, key=_pair_order)


def _pair_order(pair: Pair) -> tuple:
    moment = pair.logical_date
    return (moment is None, moment.timestamp() if moment else 0.0, pair.dag_run_id)


# -- tolerance ----------------------------------------------------------------------


def spread(durations: Iterable[float]) -> float | None:
    """The robust standard deviation of ln(duration); None below MIN_SAMPLES positive durations."""
    logs = [math.log(seconds) for seconds in durations if seconds > 0]
    if len(logs) < MIN_SAMPLES:
        return None
    centre = statistics.median(logs)
    return MAD_TO_SD * statistics.median(abs(value - centre) for value in logs)


def successful_durations(runs: Iterable[RunRecord]) -> list[float]:
    return [run.duration for run in runs if run.state == "success" and run.duration is not None]


def learn_tolerance(
    airflow: Sequence[RunRecord], prefect: Sequence[RunRecord], *, min_difference: float = DEFAULT_MIN_DIFFERENCE
) -> Tolerance:
    airflow_durations = successful_durations(airflow)
    prefect_durations = successful_durations(prefect)
    airflow_spread = spread(airflow_durations)
    prefect_spread = spread(prefect_durations)
    learned = airflow_spread is not None and prefect_spread is not None
    if learned:
        noise = NOISE_MULTIPLIER * math.hypot(airflow_spread, prefect_spread)
        log_ratio = max(math.log(FLOOR_RATIO), noise)
    else:
        log_ratio = math.log(FALLBACK_RATIO)
    return Tolerance(
        log_ratio=log_ratio,
        learned=learned,
        airflow_spread=airflow_spread,
        prefect_spread=prefect_spread,
        airflow_samples=len(airflow_durations),
        prefect_samples=len(prefect_durations),
        min_difference=min_difference,
    )


# -- findings -----------------------------------------------------------------------


def compare_dag(
    dag_id: str,
    airflow: Sequence[RunRecord],
    prefect: Sequence[RunRecord],
    *,
    min_difference: float = DEFAULT_MIN_DIFFERENCE,
) -> DagComparison:
    pairs = join(airflow, prefect)
    tolerance = learn_tolerance(airflow, prefect, min_difference=min_difference)
    findings: list[Finding] = []
    pending = 0
    for pair in pairs:
        if pair.airflow and pair.prefect and not (pair.airflow.finished and pair.prefect.finished):
            pending += 1
            findings.extend(_date_findings(pair.airflow, pair.prefect, pair))
            continue
        findings.extend(pair_findings(pair, tolerance))
    return DagComparison(dag_id, tuple(pairs), tolerance, tuple(sorted(findings, key=_finding_order)), pending)


def pair_findings(pair: Pair, tolerance: Tolerance) -> list[Finding]:
    """The disagreements of one pair (both runs finished) or of a run found on one side only."""
    airflow, prefect = pair.airflow, pair.prefect
    if prefect is None:
        state = airflow.state if airflow else None
        return [_finding(pair, "only_in_airflow", state, None, "no Prefect run with this id or logical date")]
    if airflow is None:
        return [_finding(pair, "only_in_prefect", None, prefect.state, "no Airflow run with this id or logical date")]
    found = _date_findings(airflow, prefect, pair)
    if airflow.state != prefect.state:
        found.append(_finding(pair, "state", airflow.state, prefect.state, "the runs ended in different states"))
    found.extend(task_findings(pair, airflow.tasks, prefect.tasks))
    if _durations_differ(airflow, prefect, tolerance):
        ratio = prefect.duration / airflow.duration if airflow.duration else math.inf
        detail = f"Prefect took {ratio:.2f}x Airflow's time; tolerance {tolerance.ratio:.2f}x"
        found.append(_finding(pair, "duration", _seconds(airflow.duration), _seconds(prefect.duration), detail))
    return found


def _durations_differ(airflow: RunRecord, prefect: RunRecord, tolerance: Tolerance) -> bool:
    """Only runs that both succeeded did the same work; a failed run's duration says when it failed."""
    if not airflow.state == prefect.state == "success":
        return False
    if airflow.duration is None or prefect.duration is None:
        return False
    return tolerance.exceeded(airflow.duration, prefect.duration)


def task_findings(pair: Pair, airflow_tasks: Iterable[TaskRecord], prefect_tasks: Iterable[TaskRecord]):
    """Task instances by (task_id, map_index): on one side only, in another state, tried another number of times."""
    airflow = {(task.task_id, task.map_index): task for task in airflow_tasks}
    prefect = {(task.task_id, task.map_index): task for task in prefect_tasks}
    found: list[Finding] = []
    for key in sorted(airflow.keys() | prefect.keys()):
        left, right = airflow.get(key), prefect.get(key)
        if left is None or right is None:
            present = left or right
            side = "Airflow" if left is None else "Prefect"
            states = (left.state if left else None, right.state if right else None)
            found.append(_finding(pair, "task_missing", *states, f"no such task in {side}", present.label))
            continue
        label = left.label
        if left.state != right.state:
            found.append(_finding(pair, "task_state", left.state, right.state, "the task ended differently", label))
        if left.try_number != right.try_number:
            detail = "the task ran a different number of times"
            found.append(_finding(pair, "task_tries", str(left.try_number), str(right.try_number), detail, label))
    return found


def _date_findings(airflow: RunRecord, prefect: RunRecord, pair: Pair) -> list[Finding]:
    if pair.joined_by != "dag_run_id" or airflow.logical_date == prefect.logical_date:
        return []
    detail = "the same dag_run_id has different logical dates"
    return [_finding(pair, "logical_date", _iso(airflow.logical_date), _iso(prefect.logical_date), detail)]


def _finding(pair: Pair, kind: str, airflow: str | None, prefect: str | None, detail: str, task: str | None = None):
    return Finding(kind, pair.dag_run_id, pair.logical_date, task, airflow, prefect, detail)


def _finding_order(finding: Finding) -> tuple:
    moment = finding.logical_date
    return (moment is None, moment.timestamp() if moment else 0.0, finding.dag_run_id, KINDS.index(finding.kind))


def _seconds(value: float) -> str:
    return f"{value:.1f}s"


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
