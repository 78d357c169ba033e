"""PrefectClient's event and deployment-by-id reads against a real Prefect 3.8.8 server."""

import time
import uuid

import pytest

from app.prefect import PrefectRequestError
from app.translate.event_logs import EARLIEST
from support.prefect_stack import create_flow_run, wait_for_flow_run


@pytest.fixture(scope="module")
def finished_run(prefect_stack) -> dict:
    run = create_flow_run(prefect_stack.api_url, "hello/hourly")
    return wait_for_flow_run(prefect_stack.api_url, run["id"])


def run_events(prefect_client, run_id: str, *, at_least: int, timeout: float = 30, **criteria):
    """The events of one flow run; Prefect persists them a moment after they happen."""
    body = {
        "filter": {"occurred": {"since": EARLIEST}, "any_resource": {"id": [f"prefect.flow-run.{run_id}"]}, **criteria}
    }
    deadline = time.monotonic() + timeout
    while True:
        page = prefect_client.filter_events({**body, "limit": 2})
        if page.total >= at_least or time.monotonic() > deadline:
            return page
        time.sleep(0.3)


def test_read_deployment_by_id_has_where_the_flow_comes_from(prefect_client):
    etl = prefect_client.read_deployment_by_name("etl", "demo")
    again = prefect_client.read_deployment(etl.id)
    assert again.id == etl.id and again.entrypoint == "app/demo/flows.py:etl"
    assert again.pull_steps is not None and again.path


def test_unknown_deployment_id_is_a_404(prefect_client):
    with pytest.raises(PrefectRequestError) as error:
        prefect_client.read_deployment(uuid.uuid4())
    assert error.value.prefect_status == 404


def test_events_page_by_link_until_the_total(prefect_client, finished_run):
    first = run_events(prefect_client, finished_run["id"], at_least=5, order="ASC")
    seen = list(first.events)
    page = first
    while page.next_page:
        page = prefect_client.next_events(page.next_page)
        seen.extend(page.events)
    assert len(seen) == first.total >= 5 and len({event.id for event in seen}) == len(seen)
    assert [event.occurred for event in seen] == sorted(event.occurred for event in seen)
    names = {event.event for event in seen}
    assert {"prefect.flow-run.Scheduled", "prefect.flow-run.Completed"} <= names


def test_events_filter_by_id_and_name(prefect_client, finished_run):
    [completed] = run_events(
        prefect_client, finished_run["id"], at_least=1, event={"name": ["prefect.flow-run.Completed"]}
    ).events
    [same] = prefect_client.filter_events(
        {"filter": {"occurred": {"since": EARLIEST}, "id": {"id": [str(completed.id)]}}}
    ).events
    assert same == completed
    related = {resource["prefect.resource.id"] for resource in completed.related}
    assert f"prefect.deployment.{finished_run['deployment_id']}" in related
