"""GET /dags from the estate index: fresh on every replica, exact paging, calls constant in the estate's size.

Each `create_app` is a replica with its own index. Changes made straight
in Prefect must show on every replica within FRESHNESS seconds (the
issue's bound); the tests poll up to that deadline and fail loudly after
it, and assert nothing else about time.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from app import create_app
from app.bridge import EXTENSION
from app.settings import Settings
from conftest import ApiClient, CountingTransport, validated
from support.deployments import TestDeployment, create_deployment
from support.prefect_stack import prefect_call

FRESHNESS = 5.0


def replica(
    settings, transport: CountingTransport | None = None, *, check_seconds: float | None = None, keeps: bool = True
) -> ApiClient:
    """A bridge process of its own (its own estate index, checked against Prefect at most every
    `check_seconds`: the default setting unless told), its answers checked against the v1 spec.
    With `keeps` false it keeps no deployment of a page for the next listing."""
    check = Settings.model_fields["estate_check_seconds"].default if check_seconds is None else check_seconds
    app = create_app(settings.model_copy(update={"estate_check_seconds": check}), prefect_transport=transport)
    if not keeps:
        app.extensions[EXTENSION].catalog.kept.max_kept = 0
    checkers.append(validated(app))
    return ApiClient(app)


checkers: list = []


@pytest.fixture
def replicas(settings) -> Iterator[list[ApiClient]]:
    yield [replica(settings) for _ in range(2)]
    failures = [failure for checker in checkers for failure in checker.failures]
    checkers.clear()
    assert not failures, failures


@pytest.fixture
def create(prefect_stack) -> Iterator[Callable[..., TestDeployment]]:
    """`create(prefix, **fields)`: a deployment straight in Prefect, deleted after the test (later tests list DAGs)."""
    made: list[TestDeployment] = []

    def create(prefix: str, **fields) -> TestDeployment:
        made.append(create_deployment(prefect_stack.api_url, prefix, **fields))
        return made[-1]

    yield create
    for each in made:
        prefect_call("DELETE", f"{each.api_url}/deployments/{each.id}")  # 404 when the test deleted it


def prefect(deployment: TestDeployment, method: str, path: str) -> None:
    prefect_call(method, f"{deployment.api_url}{path}").raise_for_status()


def listed(api: ApiClient, query: str) -> dict:
    response = api.get(f"/dags?{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def within_freshness(replicas: list[ApiClient], check: Callable[[ApiClient], bool], what: str) -> None:
    """Polls `check` on each replica until it holds; fails when FRESHNESS seconds pass first."""
    deadline = time.monotonic() + FRESHNESS
    for number, api in enumerate(replicas):
        while not check(api):
            if time.monotonic() > deadline:
                pytest.fail(f"{what}: not seen on replica {number} within {FRESHNESS} s")
            time.sleep(0.1)


def shown(api: ApiClient, prefix: str) -> dict[str, bool]:
    """dag_id -> is_paused of the DAGs whose dag_id contains `prefix`."""
    return {dag["dag_id"]: dag["is_paused"] for dag in listed(api, f"dag_id_pattern={prefix}&limit=100")["dags"]}


def test_changes_made_in_prefect_show_on_every_replica(create, replicas):
    prefix = f"estate-{uuid.uuid4().hex[:6]}"
    for api in replicas:
        assert shown(api, prefix) == {}  # each replica's index is loaded before the changes

    first = create(prefix)
    within_freshness(replicas, lambda api: shown(api, prefix) == {first.dag_id: False}, "created")

    prefect(first, "POST", f"/deployments/{first.id}/pause_deployment")
    within_freshness(replicas, lambda api: shown(api, prefix) == {first.dag_id: True}, "paused")
    for api in replicas:
        assert listed(api, f"dag_id_pattern={prefix}&paused=true")["total_entries"] == 1
        assert listed(api, f"dag_id_pattern={prefix}&paused=false")["total_entries"] == 0

    prefect(first, "DELETE", f"/deployments/{first.id}")
    within_freshness(replicas, lambda api: shown(api, prefix) == {}, "deleted")

    # A deletion and a creation between two checks leave Prefect's count as it was.
    second, third = (create(prefix) for _ in range(2))
    within_freshness(replicas, lambda api: set(shown(api, prefix)) == {second.dag_id, third.dag_id}, "two created")
    prefect(second, "DELETE", f"/deployments/{second.id}")
    fourth = create(prefix)
    within_freshness(
        replicas,
        lambda api: (
            shown(api, prefix) == {third.dag_id: False, fourth.dag_id: False}
            and listed(api, f"dag_id_pattern={prefix}")["total_entries"] == 2
        ),
        "one deleted and one created",
    )


def test_a_pause_through_the_bridge_shows_at_once_on_that_replica(create, replicas):
    prefix = f"estate-{uuid.uuid4().hex[:6]}"
    deployment = create(prefix)
    api, other = replicas
    within_freshness([api], lambda api: shown(api, prefix) == {deployment.dag_id: False}, "created")

    assert api.patch(f"/dags/{deployment.dag_id}", json={"is_paused": True}).status_code == 200
    assert listed(api, f"dag_id_pattern={prefix}&paused=true")["total_entries"] == 1  # no waiting
    within_freshness([other], lambda api: shown(api, prefix) == {deployment.dag_id: True}, "paused elsewhere")

    resumed = api.patch(f"/dags?dag_id_pattern={prefix}", json={"is_paused": False}).get_json()
    assert [dag["is_paused"] for dag in resumed["dags"]] == [False]
    assert shown(api, prefix) == {deployment.dag_id: False}


def test_pages_and_totals_are_exact_in_both_orders(create, api):
    prefix = f"estate-{uuid.uuid4().hex[:6]}"
    made = [create(prefix, tags=["odd" if n % 2 else "even"]) for n in range(7)]
    ids = sorted(each.dag_id for each in made)
    for order, expected in (("dag_id", ids), ("-dag_id", ids[::-1])):
        pages = [listed(api, f"dag_id_pattern={prefix}&order_by={order}&limit=3&offset={n}") for n in (0, 3, 6, 9)]
        assert [dag["dag_id"] for page in pages for dag in page["dags"]] == expected
        assert {page["total_entries"] for page in pages} == {7}
    odd = sorted(each.dag_id for n, each in enumerate(made) if n % 2)
    tagged = listed(api, f"dag_id_pattern={prefix}&tags=odd&only_active=true&limit=2&offset=1")
    assert [dag["dag_id"] for dag in tagged["dags"]] == odd[1:3] and tagged["total_entries"] == 3
    assert listed(api, f"dag_id_pattern={prefix}&tags=odd&tags=even")["total_entries"] == 7


def test_a_warm_listing_costs_the_same_calls_whatever_the_estate(prefect_stack, settings):
    checking, between_checks, kept = CountingTransport(), CountingTransport(), CountingTransport()
    checks_each_time = replica(settings, checking, check_seconds=0, keeps=False)
    checked_a_minute_ago = replica(settings, between_checks, check_seconds=60, keeps=False)
    keeping = replica(settings, kept, check_seconds=60)

    def calls_of_a_warm_listing(api: ApiClient, transport: CountingTransport) -> list[str]:
        listed(api, "limit=100")  # catches up with the estate
        transport.reset()
        body = listed(api, "limit=100")
        assert len(body["dags"]) == min(100, body["total_entries"])
        return [path for _, path in transport.calls]

    small = calls_of_a_warm_listing(checks_each_time, checking)
    flow = f"zz-estate-{uuid.uuid4().hex[:6]}"  # sorted after the suite's other DAGs
    url = prefect_stack.api_url
    flow_id = prefect_call("POST", f"{url}/flows/", json={"name": flow}).raise_for_status().json()["id"]
    for n in range(200):
        prefect_call("POST", f"{url}/deployments/", json={"name": f"d{n}", "flow_id": flow_id}).raise_for_status()
    try:
        assert listed(checks_each_time, f"dag_id_pattern={flow}")["total_entries"] == 200
        assert calls_of_a_warm_listing(checks_each_time, checking) == small
        # The check (count, changes since the last check) and the page's deployments by id.
        assert small == ["/api/deployments/count"] + ["/api/deployments/filter"] * 2
        # Between two checks, a listing reads only its page; a page listed before and unchanged, nothing.
        assert calls_of_a_warm_listing(checked_a_minute_ago, between_checks) == ["/api/deployments/filter"]
        assert calls_of_a_warm_listing(keeping, kept) == []
    finally:
        prefect_call("DELETE", f"{url}/flows/{flow_id}")  # its 200 deployments with it, in one call


def test_a_page_listed_again_shows_changes_to_its_deployments(create, replicas):
    prefix = f"estate-{uuid.uuid4().hex[:6]}"
    deployment = create(prefix, tags=["before"])
    api, other = replicas
    within_freshness([api], lambda api: shown(api, prefix) == {deployment.dag_id: False}, "created")

    prefect_call(
        "PATCH", f"{deployment.api_url}/deployments/{deployment.id}", json={"tags": ["after"], "description": "edited"}
    ).raise_for_status()

    def edited(api: ApiClient) -> bool:
        [dag] = listed(api, f"dag_id_pattern={prefix}")["dags"]
        return dag["description"] == "edited" and [tag["name"] for tag in dag["tags"]] == ["after"]

    within_freshness([api, other], edited, "edited")
