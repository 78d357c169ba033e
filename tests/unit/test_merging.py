"""Merging Prefect's and the legacy Airflow's listings into one Airflow page."""

from __future__ import annotations

import itertools

import pytest

from app.translate.merging import dag_id_key, date_key, legacy_run_order, merge_window, run_order
from app.translate.paging import Page


def rows(*dag_ids: str) -> list[dict]:
    return [{"dag_id": dag_id} for dag_id in dag_ids]


PREFECT = rows("a", "c", "d", "h")
LEGACY = rows("b", "e", "f", "g", "i")


def test_pages_of_the_merged_stream_show_every_row_once_in_order():
    pages = [merge_window(PREFECT, LEGACY, dag_id_key, Page(offset, 2)) for offset in range(0, 12, 2)]
    assert [row["dag_id"] for row in itertools.chain(*pages)] == list("abcdefghi")


def test_a_window_needs_only_the_first_offset_plus_limit_rows_of_each_side():
    page = Page(3, 2)
    wanted = page.offset + page.limit
    assert merge_window(PREFECT[:wanted], LEGACY[:wanted], dag_id_key, page) == merge_window(
        PREFECT, LEGACY, dag_id_key, page
    )


def test_descending_order_and_ties_take_prefect_first():
    prefect, legacy = rows("d", "b"), rows("d", "c", "a")
    merged = merge_window(prefect, legacy, dag_id_key, Page(0, 10), descending=True)
    assert [row["dag_id"] for row in merged] == ["d", "d", "c", "b", "a"]
    assert merged[0] is prefect[0]


def test_runs_without_the_sorted_date_come_last():
    prefect = [{"start_date": "2026-01-02T00:00:00+00:00"}, {"start_date": None}]
    legacy = [{"start_date": "2026-01-01T00:00:00+00:00"}, {"start_date": None}]
    merged = merge_window(prefect, legacy, date_key("start_date"), Page(0, 4))
    assert [row["start_date"] for row in merged] == [legacy[0]["start_date"], prefect[0]["start_date"], None, None]


@pytest.mark.parametrize(
    ("order_by", "field", "descending", "legacy"),
    [
        (None, "execution_date", False, "execution_date"),
        ("id", "execution_date", False, "execution_date"),
        ("-id", "execution_date", True, "-execution_date"),
        ("-start_date", "start_date", True, "-start_date"),
        ("-end_date", "end_date", True, "-end_date"),
    ],
)
def test_run_orders_map_onto_one_field_both_sides_sort_by(order_by, field, descending, legacy):
    assert run_order(order_by) == (field, descending)
    assert legacy_run_order(order_by) == legacy
