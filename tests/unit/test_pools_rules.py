"""Pool field rules: slot counts from a Prefect limit, default_pool, order_by."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from app.errors import BadRequest
from app.prefect.models import ConcurrencyLimit
from app.translate.pools import check_pool_name, limit_to_pool, pool_order, sorted_limits

START = datetime(2024, 5, 1, tzinfo=UTC)


def limit(name: str, slots: int, held: int = 0, minutes: int = 0) -> ConcurrencyLimit:
    return ConcurrencyLimit(
        id=uuid.uuid4(), name=name, limit=slots, active_slots=held, created=START + timedelta(minutes=minutes)
    )


@pytest.mark.parametrize(
    ("slots", "held", "counts"),
    [(5, 0, (0, 0, 5)), (5, 2, (2, 2, 3)), (2, 3, (3, 3, -1)), (0, 0, (0, 0, 0))],
)
def test_held_slots_are_occupied_and_running(slots, held, counts):
    pool = limit_to_pool(limit("p", slots, held), None)
    assert (pool.occupied_slots, pool.running_slots, pool.open_slots) == counts
    assert (pool.queued_slots, pool.scheduled_slots, pool.deferred_slots) == (0, 0, 0)


def test_names_description_and_include_deferred():
    pool = limit_to_pool(limit("a~2fb", 1), {"description": "d", "include_deferred": True})
    assert (pool.name, pool.description, pool.include_deferred) == ("a/b", "d", True)
    assert limit_to_pool(limit("p", 1), None).description is None
    assert limit_to_pool(limit("default_pool", 128), None).description == "Default pool"


@pytest.mark.parametrize(
    ("order_by", "names"),
    [
        ("id", ["b", "c", "a"]),
        ("-id", ["a", "c", "b"]),
        ("name", ["a", "b", "c"]),
        ("-name", ["c", "b", "a"]),
        ("slots", ["c", "b", "a"]),
        ("-slots", ["a", "b", "c"]),
    ],
)
def test_order_by(order_by, names):
    limits = [limit("b", 2, minutes=0), limit("c", 1, minutes=1), limit("a", 3, minutes=2)]
    assert [each.name for each in sorted_limits(limits, pool_order(order_by))] == names


@pytest.mark.parametrize("order_by", ["occupied_slots", "description", "nope"])
def test_other_orders_are_airflows_400(order_by):
    with pytest.raises(BadRequest):
        pool_order(order_by)


@pytest.mark.parametrize("name", ["", "0b6c9f8e-4a53-4c8e-9d3b-7d2a1f6e5c4b"])
def test_pool_names_prefect_cannot_find_again(name):
    with pytest.raises(BadRequest):
        check_pool_name(name)


def test_pool_names_prefect_keeps():
    check_pool_name("default_pool")
    check_pool_name("50% <etl>")
