"""Orders of mapped task instances and tries, and XCom entries across DAG runs, against the real Prefect."""

from __future__ import annotations

import pytest

from conftest import ETL, FANOUT, FANOUT_WIDTH, run_finished, start_run

#: Airflow 2.10's listMapped orders: the key sorted by, and its direction; ties go by map_index ascending.
MAPPED_ORDERS = {
    "": ("map_index", False),
    "-map_index": ("map_index", True),
    **{f"{sign}{key}": (key, sign == "-") for key in ("state", "duration", "start_date", "end_date") for sign in "-"},
    **{key: (key, False) for key in ("state", "duration", "start_date", "end_date")},
}


def _postgres_key(value, descending: bool):
    """NULLs last ascending, first descending: None is larger than every value."""
    return (value is None, value if value is not None else 0)


@pytest.mark.parametrize("order_by", sorted(MAPPED_ORDERS))
def test_every_mapped_order_in_both_directions(api, fanout_run, order_by):
    base = f"/dags/{FANOUT}/dagRuns/{fanout_run.dag_run_id}/taskInstances/square/listMapped?limit=100"
    everything = api.get(base).get_json()["task_instances"]
    assert [each["map_index"] for each in everything] == list(range(FANOUT_WIDTH))
    key, descending = MAPPED_ORDERS[order_by]
    expected = sorted(everything, key=lambda each: each["map_index"])
    expected = sorted(expected, key=lambda each: _postgres_key(each[key], descending), reverse=descending)
    found = api.get(f"{base}&order_by={order_by}" if order_by else base).get_json()["task_instances"]
    assert [each["map_index"] for each in found] == [each["map_index"] for each in expected]


@pytest.mark.parametrize("order_by", ["map_index", "try_number", "nonsense"])
def test_mapped_orders_airflow_does_not_support_are_400(api, fanout_run, order_by):
    base = f"/dags/{FANOUT}/dagRuns/{fanout_run.dag_run_id}/taskInstances/square/listMapped"
    response = api.get(f"{base}?order_by={order_by}")
    assert (
        response.status_code == 400 and response.get_json()["detail"] == f"Ordering with '{order_by}' is not supported"
    )


@pytest.mark.parametrize(
    ("order_by", "tries"),
    [("", [1, 2]), ("try_number", [1, 2]), ("-try_number", [2, 1]), ("start_date", [1, 2]), ("-start_date", [2, 1])],
)
def test_tries_in_both_directions(api, fanout_run, order_by, tries):
    base = f"/dags/{FANOUT}/dagRuns/{fanout_run.dag_run_id}/taskInstances/flaky/tries"
    found = api.get(f"{base}?order_by={order_by}").get_json()
    assert [each["try_number"] for each in found["task_instances_history"]] == tries
    assert api.get(f"{base}?limit=-5").status_code == 200  # Airflow applies no limit here, so refuses none


def test_xcom_entries_across_dag_runs_in_airflows_order(api, prefect_stack, prefect_calls):
    started = [start_run(prefect_stack, "etl/demo", {"rows": rows}) for rows in (2, 4)]  # executing side by side
    runs = [run_finished(prefect_stack, ETL, flow_run_id, 3) for flow_run_id in started]
    prefect_calls.reset()
    across = api.get("/dags/~/dagRuns/~/taskInstances/~/xcomEntries?limit=100").get_json()
    calls = list(prefect_calls.calls)
    listed = api.get(f"/dags/{ETL}/dagRuns?limit=100").get_json()["dag_runs"]
    run_of = {run["execution_date"]: run["dag_run_id"] for run in listed}  # XCom entries name no run: their date does
    entries = [
        (each["dag_id"], each["task_id"], run_of[each["execution_date"]], each["map_index"], each["key"])
        for each in across["xcom_entries"]
    ]
    assert entries == sorted(entries) and across["total_entries"] == len(entries)
    ours = {run.dag_run_id for run in runs}
    assert ours <= {each[2] for each in entries}
    assert {each[:2] for each in entries} == {(ETL, "load")}
    # artifacts, their flow runs, those runs' task runs; dag_ids of deployments at most once: never per entry
    assert len(calls) <= 5 and len(entries) >= 2, calls
    one_dag = api.get(f"/dags/{ETL}/dagRuns/~/taskInstances/load/xcomEntries?xcom_key=load-summary").get_json()
    assert one_dag["total_entries"] == len(entries)
    assert api.get(f"/dags/{FANOUT}/dagRuns/~/taskInstances/~/xcomEntries").get_json()["total_entries"] == 0
    assert (
        api.get(f"/dags/~/dagRuns/{runs[0].dag_run_id}/taskInstances/load/xcomEntries").get_json()["total_entries"] == 1
    )
    assert api.get("/dags/~/dagRuns/~/taskInstances/load/xcomEntries/load-summary").status_code == 404
