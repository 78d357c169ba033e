"""updated_at windows and every order_by through apache-airflow-client 2.10, as a run sensor or dashboard asks.

The runs are fanout.demo's (no schedule), made by this module after `since`,
so `execution_date_gte=since` selects exactly them. Expected orders are
computed here from the runs as listed (and Prefect's own `updated` times).
"""

from __future__ import annotations

import pickle
import time
from datetime import UTC, datetime, timedelta

import pytest
from airflow_client.client.model.dag_run import DAGRun
from airflow_client.client.model.list_dag_runs_form import ListDagRunsForm
from airflow_client.client.model.update_dag_run_state import UpdateDagRunState

from app.translate.dag_runs import AIRFLOW_RUN_ORDER_KEYS
from conftest import FANOUT, FANOUT_WIDTH
from support.prefect_stack import prefect_call


@pytest.fixture(scope="module")
def made(runs, prefect_stack):
    """(since, dag_run_ids, flow run id of each) for three finished runs, the middle one marked failed."""
    since = datetime.now(UTC) - timedelta(seconds=1)
    ids = []
    for width in (1, 2, 3):
        ids.append(runs.post_dag_run(FANOUT, DAGRun(conf={"width": width})).dag_run_id)
    for run_id in ids:
        deadline = time.monotonic() + 120
        while runs.get_dag_run(FANOUT, run_id).state.value not in ("success", "failed"):
            assert time.monotonic() < deadline, f"{run_id} did not finish"
            time.sleep(0.3)
    runs.update_dag_run_state(FANOUT, ids[1], UpdateDagRunState(state="failed"))
    body = {"flow_runs": {"name": {"any_": ids}}}
    found = prefect_call("POST", f"{prefect_stack.api_url}/flow_runs/filter", json=body).json()
    return since, ids, {row["name"]: row["id"] for row in found}


def _updated(prefect_stack, flow_run_ids: dict[str, str]) -> dict[str, datetime]:
    body = {"flow_runs": {"id": {"any_": list(flow_run_ids.values())}}}
    rows = prefect_call("POST", f"{prefect_stack.api_url}/flow_runs/filter", json=body).json()
    by_id = {row["id"]: datetime.fromisoformat(row["updated"]) for row in rows}
    return {name: by_id[flow_run_id] for name, flow_run_id in flow_run_ids.items()}


def _value(run, key: str, updated: dict[str, datetime]):
    if key in ("id", "execution_date"):
        return run.execution_date
    if key == "updated_at":
        return updated[run.dag_run_id]
    if key == "conf":
        return pickle.dumps(run.conf, protocol=pickle.HIGHEST_PROTOCOL)
    if key == "state":
        return run.state.value
    return getattr(run, key)


@pytest.mark.parametrize("where", ["per_dag", "all_dags", "batch"])
@pytest.mark.parametrize("order_by", [*AIRFLOW_RUN_ORDER_KEYS, *(f"-{key}" for key in AIRFLOW_RUN_ORDER_KEYS)])
def test_every_order_by_through_the_client(runs, prefect_stack, made, where, order_by):
    since, ids, flow_run_ids = made
    if where == "batch":
        form = ListDagRunsForm(dag_ids=[FANOUT], execution_date_gte=since, order_by=order_by, page_limit=100)
        found = runs.get_dag_runs_batch(form).dag_runs
    else:
        found = runs.get_dag_runs(FANOUT if where == "per_dag" else "~", execution_date_gte=since, order_by=order_by)
        found = found.dag_runs
    ours = [run for run in found if run.dag_id == FANOUT]
    assert sorted(run.dag_run_id for run in ours) == sorted(ids)
    updated = _updated(prefect_stack, flow_run_ids) if order_by.endswith("updated_at") else {}
    key, descending = order_by.lstrip("-"), order_by.startswith("-")
    got = [_value(run, key, updated) for run in ours]
    assert got == sorted(got, reverse=descending)  # no null among these values


def test_runs_updated_since_a_tick_are_exactly_the_changed_ones(runs, prefect_stack, made):
    since, ids, flow_run_ids = made
    tick = max(_updated(prefect_stack, flow_run_ids).values()) + timedelta(microseconds=1)
    assert runs.get_dag_runs(FANOUT, updated_at_gte=tick).dag_runs == []
    runs.update_dag_run_state(FANOUT, ids[2], UpdateDagRunState(state="failed"))
    changed = runs.get_dag_runs(FANOUT, updated_at_gte=tick)
    assert [run.dag_run_id for run in changed.dag_runs] == [ids[2]] and changed.total_entries == 1
    # across DAGs, runs of other tests (and Prefect's scheduler) may change too: look at this module's runs
    across = runs.get_dag_runs("~", updated_at_gte=tick, limit=100)
    assert [run.dag_run_id for run in across.dag_runs if run.dag_run_id in ids] == [ids[2]]
    for dag_id in (FANOUT, "~"):
        unchanged = runs.get_dag_runs(dag_id, execution_date_gte=since, updated_at_lte=tick)
        assert sorted(run.dag_run_id for run in unchanged.dag_runs if run.dag_id == FANOUT) == sorted(ids[:2])


def test_mapped_task_instances_in_both_directions(task_instances, fanout_run):
    ascending = task_instances.get_mapped_task_instances(FANOUT, fanout_run.dag_run_id, "square", limit=100)
    assert [each.map_index for each in ascending.task_instances] == list(range(FANOUT_WIDTH))
    descending = task_instances.get_mapped_task_instances(
        FANOUT, fanout_run.dag_run_id, "square", limit=100, order_by="-map_index"
    )
    assert [each.map_index for each in descending.task_instances] == list(range(FANOUT_WIDTH))[::-1]
    for order_by in ("end_date", "-end_date", "start_date", "-start_date", "duration", "-duration"):
        found = task_instances.get_mapped_task_instances(
            FANOUT, fanout_run.dag_run_id, "square", limit=100, order_by=order_by
        ).task_instances
        values = [getattr(each, order_by.lstrip("-")) for each in found]
        assert values == sorted(values, reverse=order_by.startswith("-")), order_by
