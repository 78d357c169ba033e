"""Two replicas trigger one DAG at one logical date at the same moment: exactly one run survives.

Each replica (an app: its own Bridge, its own per-process trigger lock)
checks the date, creates, then checks again. A transport holds each
replica's `create_flow_run` at a barrier until both are about to create
(so both first checks found no run), and each answer at a second barrier
until both have created, so both runs exist before either looks for
rivals: the race the second check is there for, every time rather than by
luck. The loser must
delete its run before any runner starts it.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import httpx

from conftest import AUTH, HELLO
from support.prefect_stack import prefect_call, wait_for_flow_run


@dataclass
class CreateBarrier(httpx.BaseTransport):
    """Passes requests to Prefect; holds each create until both replicas create, and its answer until both did."""

    barrier: threading.Barrier
    created: list[str] = field(default_factory=list)  # flow run ids, as Prefect made them
    about_to_create: bool = False
    inner: httpx.BaseTransport = field(default_factory=httpx.HTTPTransport)

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        creates = request.url.path.endswith("/create_flow_run")
        if creates and not self.about_to_create:  # once: a create Prefect answered 503 is sent again
            self.about_to_create = True
            self.barrier.wait(timeout=120)  # the other replica's first check is done too: it found no run either
        response = self.inner.handle_request(request)
        if creates and response.status_code in (200, 201):
            response.read()
            self.created.append(response.json()["id"])
            self.barrier.wait(timeout=120)  # the other replica has created too
        return response


def events_of(api_url: str, flow_run_id: str) -> list[str]:
    body = {"filter": {"any_resource": {"id": [f"prefect.flow-run.{flow_run_id}"]}}, "limit": 50}
    return [event["event"] for event in prefect_call("POST", f"{api_url}/events/filter", json=body).json()["events"]]


def wait_for_event(api_url: str, flow_run_id: str, name: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while name not in (seen := events_of(api_url, flow_run_id)):
        assert time.monotonic() < deadline, f"no {name} event for flow run {flow_run_id} after {timeout:g} s: {seen}"
        time.sleep(0.3)


def test_two_replicas_racing_at_one_logical_date_leave_exactly_one_run(make_app, prefect_stack):
    api_url = prefect_stack.api_url
    logical_date = (datetime.now(UTC) - timedelta(hours=3, minutes=17)).replace(microsecond=0).isoformat()
    barrier = threading.Barrier(2)
    transports = [CreateBarrier(barrier), CreateBarrier(barrier)]
    replicas = [make_app(prefect_transport=transport).test_client() for transport in transports]
    ids = [f"replica-{uuid.uuid4().hex[:10]}" for _ in replicas]

    def trigger(index: int):
        body = {"dag_run_id": ids[index], "logical_date": logical_date}
        return replicas[index].post(f"/api/v1/dags/{HELLO}/dagRuns", json=body, headers=AUTH)

    with ThreadPoolExecutor(max_workers=2) as pool:
        responses = list(pool.map(trigger, range(2)))

    assert sorted(response.status_code for response in responses) == [200, 409]
    winner = next(index for index, response in enumerate(responses) if response.status_code == 200)
    loser = 1 - winner
    assert "logical date" in responses[loser].get_json()["detail"]
    [winner_run], [loser_run] = transports[winner].created, transports[loser].created
    # Prefect holds one run at that date, the winner's; the loser's is gone.
    at_date = {"flow_runs": {"expected_start_time": {"after_": logical_date, "before_": logical_date}}}
    found = prefect_call("POST", f"{api_url}/flow_runs/filter", json=at_date).json()
    assert [run["id"] for run in found] == [winner_run]
    assert prefect_call("GET", f"{api_url}/flow_runs/{loser_run}").status_code == 404
    # The winner runs; the loser never started: by the time the winner's run has
    # finished and its events are in, the loser has no event past being scheduled.
    assert wait_for_flow_run(api_url, winner_run)["state_type"] == "COMPLETED"
    wait_for_event(api_url, winner_run, "prefect.flow-run.Completed")
    wait_for_event(api_url, loser_run, "prefect.flow-run.Scheduled")
    assert set(events_of(api_url, loser_run)) == {"prefect.flow-run.Scheduled"}
