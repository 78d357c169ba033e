"""updated_at windows and every order_by, against the real Prefect, checked against orders computed here.

The runs are fanout.demo's (a DAG without a schedule), created by this module
after a moment `since`, so `execution_date_gte=since` selects exactly them:
two that succeed with different conf, one failed afterwards, and one that
Prefect holds as Pending (never started: null start and end dates).
"""

from __future__ import annotations

import pickle
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote

import httpx
import pytest

from app.services import pages
from app.translate.dag_runs import AIRFLOW_RUN_ORDER_KEYS
from conftest import AUTH, FANOUT
from support.prefect_stack import prefect_call

RUN_ORDER_KEYS = AIRFLOW_RUN_ORDER_KEYS  # Airflow 2.10's list (dag_run_endpoint._fetch_dag_runs)


@dataclass(frozen=True)
class RunSet:
    since: str  # quoted ISO moment before every run of the set
    ids: list[str]
    flow_run_ids: dict[str, str]  # dag_run_id -> Prefect flow run id
    pending: str  # the run Prefect holds as Pending


@pytest.fixture(scope="module")
def run_set(prefect_stack, live_server) -> RunSet:
    """Four runs of fanout.demo made for this module (through the live bridge, as a client would)."""
    since = datetime.now(UTC) - timedelta(seconds=1)
    ids = [f"order-{index}-{uuid.uuid4().hex[:8]}" for index in range(3)]
    with httpx.Client(base_url=live_server.url, headers=AUTH, timeout=120) as bridge:
        for index, run_id in enumerate(ids):
            body = {"dag_run_id": run_id, "conf": {"width": index + 1}}
            assert bridge.post(f"/dags/{FANOUT}/dagRuns", json=body).status_code == 200
        for run_id in ids:
            _wait(bridge, run_id)
        assert bridge.patch(f"/dags/{FANOUT}/dagRuns/{ids[1]}", json={"state": "failed"}).status_code == 200
    deployment = prefect_call("GET", f"{prefect_stack.api_url}/deployments/name/fanout/demo").json()
    held = {"name": "held-pending", "state": {"type": "PENDING", "name": "Pending"}, "parameters": {"width": 0}}
    created = prefect_call(
        "POST", f"{prefect_stack.api_url}/deployments/{deployment['id']}/create_flow_run", json=held
    ).json()
    pending = f"prefect__{created['id']}"
    flow_run_ids = {run_id: _flow_run_id(prefect_stack, run_id) for run_id in ids} | {pending: created["id"]}
    return RunSet(quote(since.isoformat()), [*ids, pending], flow_run_ids, pending)


def _wait(bridge, run_id: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if bridge.get(f"/dags/{FANOUT}/dagRuns/{run_id}").json()["state"] in ("success", "failed"):
            return
        time.sleep(0.3)
    raise AssertionError(f"{run_id} did not finish")


def _flow_run_id(prefect_stack, name: str) -> str:
    body = {"flow_runs": {"name": {"any_": [name]}}}
    [run] = prefect_call("POST", f"{prefect_stack.api_url}/flow_runs/filter", json=body).json()
    return run["id"]


def _updated(prefect_stack, run_set: RunSet) -> dict[str, datetime]:
    """Each run's `updated`, read from Prefect directly."""
    body = {"flow_runs": {"id": {"any_": list(run_set.flow_run_ids.values())}}}
    rows = prefect_call("POST", f"{prefect_stack.api_url}/flow_runs/filter", json=body).json()
    by_flow_run = {row["id"]: datetime.fromisoformat(row["updated"]) for row in rows}
    return {run_id: by_flow_run[flow_run_id] for run_id, flow_run_id in run_set.flow_run_ids.items()}


def _value(run: dict, key: str, updated: dict[str, datetime]):
    """What Airflow on PostgreSQL sorts a DAG run by, computed from the run as listed (and Prefect's `updated`)."""
    if key in ("id", "execution_date"):
        return datetime.fromisoformat(run["execution_date"])
    if key == "updated_at":
        return updated[run["dag_run_id"]]
    if key == "conf":
        return pickle.dumps(run["conf"], protocol=pickle.HIGHEST_PROTOCOL)
    if key in ("start_date", "end_date"):
        return datetime.fromisoformat(run[key]) if run[key] else None
    if key == "dag_run_id":
        return run["dag_run_id"]
    return run[key]


def _postgres_order(values: list, descending: bool) -> list:
    """NULLs last ascending, first descending."""
    present = sorted((value for value in values if value is not None), reverse=descending)
    nulls = [value for value in values if value is None]
    return nulls + present if descending else present + nulls


def _listing(api, path: str, query: str, *, batch: bool) -> list[dict]:
    if batch:
        body = {"dag_ids": [FANOUT], "execution_date_gte": _unquoted(query), "page_limit": 100}
        extra = dict(part.split("=", 1) for part in query.split("&")[1:])
        if "order_by" in extra:
            body["order_by"] = extra["order_by"]
        answer = api.post("/dags/~/dagRuns/list", json=body)
    else:
        answer = api.get(f"{path}?{query}&limit=100")
    assert answer.status_code == 200, answer.get_json()
    found = answer.get_json()
    assert found["total_entries"] == len(found["dag_runs"])
    return found["dag_runs"]


def _unquoted(query: str) -> str:
    return unquote(query.split("&")[0].removeprefix("execution_date_gte="))


@pytest.mark.parametrize("where", ["per_dag", "all_dags", "batch"])
@pytest.mark.parametrize("order_by", [*RUN_ORDER_KEYS, *(f"-{key}" for key in RUN_ORDER_KEYS)])
def test_every_run_order_in_both_directions(api, prefect_stack, run_set, where, order_by):
    path = f"/dags/{FANOUT if where == 'per_dag' else '~'}/dagRuns"
    window = f"execution_date_gte={run_set.since}"
    every = _listing(api, path, window, batch=where == "batch")
    ours = [run for run in every if run["dag_id"] == FANOUT]
    assert sorted(run["dag_run_id"] for run in ours) == sorted(run_set.ids)
    updated = _updated(prefect_stack, run_set) if order_by.endswith("updated_at") else {}
    ordered = _listing(api, path, f"{window}&order_by={quote(order_by)}", batch=where == "batch")
    ordered = [run for run in ordered if run["dag_id"] == FANOUT]
    key, descending = order_by.lstrip("-"), order_by.startswith("-")
    got = [_value(run, key, updated) for run in ordered]
    assert got == _postgres_order(got, descending)
    assert sorted(run["dag_run_id"] for run in ordered) == sorted(run_set.ids)


@pytest.mark.parametrize("order_by", ["state", "-end_date", "end_date", "start_date", "-conf"])
def test_pages_of_an_order_join_up(api, run_set, order_by):
    """Paging across the stretches an order is read in (and across the bridge's own sort) loses nothing."""
    base = f"/dags/{FANOUT}/dagRuns?execution_date_gte={run_set.since}&order_by={order_by}"
    whole = api.get(f"{base}&limit=100").get_json()["dag_runs"]
    pages_of = [api.get(f"{base}&limit=1&offset={offset}").get_json() for offset in range(len(whole))]
    assert [page["dag_runs"][0]["dag_run_id"] for page in pages_of] == [run["dag_run_id"] for run in whole]
    assert {page["total_entries"] for page in pages_of} == {len(run_set.ids)}


def test_null_dates_go_last_ascending_and_first_descending(api, run_set):
    base = f"/dags/{FANOUT}/dagRuns?execution_date_gte={run_set.since}&order_by="
    assert api.get(base + "end_date").get_json()["dag_runs"][-1]["dag_run_id"] == run_set.pending
    assert api.get(base + "-end_date").get_json()["dag_runs"][0]["dag_run_id"] == run_set.pending
    assert api.get(base + "-start_date").get_json()["dag_runs"][0]["dag_run_id"] == run_set.pending


def test_an_updated_at_window_lists_exactly_the_runs_changed_in_it(api, prefect_stack, run_set):
    changed_since = max(_updated(prefect_stack, run_set).values()) + timedelta(microseconds=1)
    first, _, third, pending = run_set.ids
    assert api.patch(f"/dags/{FANOUT}/dagRuns/{first}", json={"state": "failed"}).status_code == 200
    assert api.patch(f"/dags/{FANOUT}/dagRuns/{pending}/setNote", json={"note": "seen"}).status_code == 200
    moment = quote(changed_since.isoformat())
    for path in (f"/dags/{FANOUT}/dagRuns", "/dags/~/dagRuns"):
        after = api.get(f"{path}?updated_at_gte={moment}&limit=100").get_json()
        # across DAGs, runs of other tests (and Prefect's scheduler) may change too: look at this module's runs
        ours = [run["dag_run_id"] for run in after["dag_runs"] if run["dag_run_id"] in run_set.ids]
        assert sorted(ours) == sorted([first, pending]) and after["total_entries"] == len(after["dag_runs"])
        window = f"execution_date_gte={run_set.since}&updated_at_lte={moment}"
        before = api.get(f"{path}?{window}&limit=100").get_json()["dag_runs"]
        assert sorted(run["dag_run_id"] for run in before if run["dag_id"] == FANOUT) == sorted([run_set.ids[1], third])
    # The batch form accepts updated_at_* and, as Airflow 2.10's get_dag_runs_batch, does not apply them.
    since = datetime.fromisoformat(unquote(run_set.since)).isoformat()
    batch = {"dag_ids": [FANOUT], "execution_date_gte": since, "updated_at_gte": "2999-01-01T00:00:00+00:00"}
    assert api.post("/dags/~/dagRuns/list", json=batch).get_json()["total_entries"] == len(run_set.ids)


def test_task_instances_by_updated_at(api, prefect_stack, run_set, prefect_calls):
    third = run_set.ids[2]
    listing = f"/dags/{FANOUT}/dagRuns/{third}/taskInstances"
    everything = api.get(listing).get_json()["task_instances"]
    # the set's runs ran side by side: the last change to any of their task runs is the moment to watch from
    body = {"task_runs": {"flow_run_id": {"any_": list(run_set.flow_run_ids.values())}}, "limit": 200}
    task_runs = prefect_call("POST", f"{prefect_stack.api_url}/task_runs/filter", json=body).json()
    since = max(datetime.fromisoformat(row["updated"]) for row in task_runs) + timedelta(microseconds=1)
    change = {"new_state": "failed", "dry_run": False}
    assert api.patch(f"{listing}/total", json=change).status_code == 200
    moment = quote(since.isoformat())
    found = api.get(f"{listing}?updated_at_gte={moment}").get_json()
    assert [(each["dag_run_id"], each["task_id"]) for each in found["task_instances"]] == [(third, "total")]
    assert found["total_entries"] == 1
    for path in ("/dags/~/dagRuns/~/taskInstances", f"/dags/{FANOUT}/dagRuns/~/taskInstances"):
        # across DAG runs, runs of other tests may still be finishing: look at this module's runs
        found = api.get(f"{path}?updated_at_gte={moment}&limit=100").get_json()
        ours = [
            (each["dag_run_id"], each["task_id"])
            for each in found["task_instances"]
            if each["dag_run_id"] in run_set.ids
        ]
        assert ours == [(third, "total")] and found["total_entries"] == len(found["task_instances"])
    prefect_calls.reset()
    api.get(f"/dags/~/dagRuns/~/taskInstances?updated_at_gte={moment}")
    # every task run (one call per 200), the flow runs on the page, their task runs, new dag_ids: never per row
    assert len(prefect_calls.calls) <= 6, prefect_calls.calls
    unchanged = api.get(f"{listing}?updated_at_lte={moment}").get_json()
    assert unchanged["total_entries"] == len(everything) - 1


def test_updated_at_reads_every_selected_run_at_most_the_bound(api, run_set, prefect_calls, monkeypatch):
    prefect_calls.reset()
    query = f"/dags/{FANOUT}/dagRuns?execution_date_gte={run_set.since}&updated_at_gte=2000-01-01T00:00:00Z"
    assert api.get(query).get_json()["total_entries"] == len(run_set.ids)
    assert prefect_calls.calls == [("POST", "/api/flow_runs/filter")]  # four runs: one read, nothing per run
    monkeypatch.setattr(pages, "SCAN_LIMIT", 2)
    refused = api.get(query)
    assert refused.status_code == 400 and "More than 2 DAG runs" in refused.get_json()["detail"]


@pytest.mark.parametrize(("order_by", "counts"), [("-end_date", 2), ("state", 4), ("start_date", 3)])
def test_an_order_in_stretches_costs_a_count_per_stretch(api, run_set, prefect_calls, order_by, counts):
    prefect_calls.reset()
    api.get(f"/dags/{FANOUT}/dagRuns?execution_date_gte={run_set.since}&order_by={order_by}")
    assert prefect_calls.calls.count(("POST", "/api/flow_runs/count")) == counts
    assert prefect_calls.calls.count(("POST", "/api/flow_runs/filter")) <= counts
    assert set(prefect_calls.calls) <= {("POST", "/api/flow_runs/count"), ("POST", "/api/flow_runs/filter")}
