"""The compare report's three formats, from one comparison (pure)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from app.migration.comparison import Comparison, RunRecord, TaskRecord, compare_dag
from app.migration.report import as_json, as_text
from app.migration.report_html import as_html

T0 = datetime(2025, 1, 1, tzinfo=UTC)


def run(run_id: str, state: str, seconds: float, task_state: str = "success") -> RunRecord:
    start = T0 + timedelta(minutes=1)
    tasks = (TaskRecord("t", -1, task_state, 1),)
    return RunRecord(run_id, T0, state, start, start + timedelta(seconds=seconds), tasks)


COMPARISON = Comparison(
    T0 - timedelta(days=1),
    T0 + timedelta(days=1),
    (
        compare_dag("agreeing", [run("r1", "success", 10)], [run("r1", "success", 11)]),
        compare_dag("<b>odd</b>", [run("r1", "success", 10)], [run("r1", "failed", 12, "failed")]),
    ),
)


def test_json_lists_each_dag_with_counts_tolerance_and_findings():
    report = json.loads(json.dumps(as_json(COMPARISON)))
    assert report["agrees"] is False
    agreeing, odd = report["dags"]
    assert (agreeing["dag_id"], agreeing["agrees"], agreeing["findings"]) == ("agreeing", True, [])
    assert agreeing["runs"] == {"airflow": 1, "prefect": 1, "paired": 1, "pending": 0}
    assert agreeing["tolerance"]["learned"] is False
    assert [each["kind"] for each in odd["findings"]] == ["state", "task_state"]
    assert odd["findings"][0] == {
        "kind": "state",
        "dag_run_id": "r1",
        "logical_date": "2025-01-01T00:00:00+00:00",
        "task": None,
        "airflow": "success",
        "prefect": "failed",
        "detail": "the runs ended in different states",
    }
    assert odd["counts"]["state"] == 1


def test_text_has_a_summary_row_per_dag_and_a_row_per_finding():
    text = as_text(COMPARISON)
    assert "2 disagreement(s):" in text
    summary = [line for line in text.splitlines() if line.startswith(("agreeing ", "<b>odd</b> "))]
    assert len(summary) == 4  # two summary rows, two finding rows
    assert "No disagreement." in as_text(Comparison(T0, T0, COMPARISON.dags[:1]))


def test_html_is_one_self_contained_page_with_a_chart_per_dag():
    page = as_html(COMPARISON)
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<svg") == 2
    assert page.count('class="bar airflow"') == 2 and page.count('class="bar prefect"') == 2
    assert "<b>odd</b>" not in page and "&lt;b&gt;odd&lt;/b&gt;" in page  # values are escaped
    for external in ("<script", "<link", "src=", "@import", "url("):
        assert external not in page
