"""A comparison as JSON and as a terminal table (pure)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from app.migration.comparison import KINDS, Comparison, DagComparison, Finding, Pair, RunRecord
from app.translate.dates import format_datetime


def as_json(comparison: Comparison) -> dict[str, Any]:
    return {
        "since": format_datetime(comparison.since),
        "until": format_datetime(comparison.until),
        "agrees": comparison.agrees,
        "dags": [dag_json(dag) for dag in comparison.dags],
    }


def dag_json(dag: DagComparison) -> dict[str, Any]:
    tolerance = dag.tolerance
    return {
        "dag_id": dag.dag_id,
        "agrees": dag.agrees,
        "runs": run_counts(dag),
        "tolerance": {
            "ratio": round(tolerance.ratio, 4),
            "learned": tolerance.learned,
            "airflow_spread": _rounded(tolerance.airflow_spread),
            "prefect_spread": _rounded(tolerance.prefect_spread),
            "airflow_samples": tolerance.airflow_samples,
            "prefect_samples": tolerance.prefect_samples,
            "min_difference_seconds": tolerance.min_difference,
        },
        "counts": {kind: dag.count(kind) for kind in KINDS},
        "findings": [finding_json(finding) for finding in dag.findings],
        "pairs": [_pair_json(pair) for pair in dag.pairs],
    }


def run_counts(dag: DagComparison) -> dict[str, int]:
    return {
        "airflow": sum(1 for pair in dag.pairs if pair.airflow),
        "prefect": sum(1 for pair in dag.pairs if pair.prefect),
        "paired": sum(1 for pair in dag.pairs if pair.airflow and pair.prefect),
        "pending": dag.pending,
    }


def finding_json(finding: Finding) -> dict[str, Any]:
    return {
        "kind": finding.kind,
        "dag_run_id": finding.dag_run_id,
        "logical_date": format_datetime(finding.logical_date),
        "task": finding.task,
        "airflow": finding.airflow,
        "prefect": finding.prefect,
        "detail": finding.detail,
    }


def _pair_json(pair: Pair) -> dict[str, Any]:
    return {
        "dag_run_id": pair.dag_run_id,
        "logical_date": format_datetime(pair.logical_date),
        "joined_by": pair.joined_by,
        "airflow": _run_json(pair.airflow),
        "prefect": _run_json(pair.prefect),
    }


def _run_json(run: RunRecord | None) -> dict[str, Any] | None:
    if run is None:
        return None
    return {"dag_run_id": run.dag_run_id, "state": run.state, "duration": _rounded(run.duration)}


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


# -- terminal -----------------------------------------------------------------------

SUMMARY_COLUMNS = (
    *("DAG", "runs A/P", "paired", "pending"),
    *("only A", "only P", "state", "tasks", "duration", "tolerance"),
)
FINDING_COLUMNS = ("DAG", "dag_run_id", "kind", "task", "airflow", "prefect", "detail")


def as_text(comparison: Comparison) -> str:
    window = f"{format_datetime(comparison.since)} .. {format_datetime(comparison.until)}"
    lines = [f"Airflow vs Prefect, runs with a logical date in {window}", ""]
    lines += table(SUMMARY_COLUMNS, [_summary_row(dag) for dag in comparison.dags])
    findings = [_finding_row(dag.dag_id, finding) for dag in comparison.dags for finding in dag.findings]
    if findings:
        lines += ["", f"{len(findings)} disagreement(s):", ""] + table(FINDING_COLUMNS, findings)
    else:
        lines += ["", "No disagreement." if comparison.dags else "No DAG to compare."]
    return "\n".join(lines) + "\n"


def _summary_row(dag: DagComparison) -> list[str]:
    runs = run_counts(dag)
    tasks = dag.count("task_missing") + dag.count("task_state") + dag.count("task_tries")
    tolerance = f"{dag.tolerance.ratio:.2f}x" + ("" if dag.tolerance.learned else " (fallback)")
    return [
        dag.dag_id,
        f"{runs['airflow']}/{runs['prefect']}",
        str(runs["paired"]),
        str(runs["pending"]),
        str(dag.count("only_in_airflow")),
        str(dag.count("only_in_prefect")),
        str(dag.count("state") + dag.count("logical_date")),
        str(tasks),
        str(dag.count("duration")),
        tolerance,
    ]


def _finding_row(dag_id: str, finding: Finding) -> list[str]:
    return [
        dag_id,
        finding.dag_run_id,
        finding.kind,
        finding.task or "",
        finding.airflow or "-",
        finding.prefect or "-",
        finding.detail,
    ]


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    """Left-aligned columns two spaces apart, a rule under the header."""
    widths = [max([len(header), *(len(row[index]) for row in rows)]) for index, header in enumerate(headers)]

    def render(cells: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)).rstrip()

    return [render(headers), render(["-" * width for width in widths]), *map(render, rows)]
