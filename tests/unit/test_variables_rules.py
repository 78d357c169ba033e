"""Variable field rules: values, the description tag, order_by."""

import uuid

import pytest

from app.errors import BadRequest
from app.prefect.models import Variable as PrefectVariable
from app.translate.airflow import Variable
from app.translate.paging import Page
from app.translate.variables import (
    airflow_value,
    from_the_end,
    prefect_variable_to_variable,
    sort_by_value,
    tags_with_description,
    variable_order,
    variable_sort,
)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain", "plain"),
        ('{"a": 1}', '{"a": 1}'),
        (5, "5"),
        (True, "true"),
        (None, "null"),
        ({"a": [1]}, '{"a": [1]}'),
    ],
)
def test_values_read_back_as_strings(value, text):
    assert airflow_value(value) == text


def test_description_lives_in_one_tag_beside_other_tags():
    tags = tags_with_description(["team", "airflow-description:old"], "new: text")
    assert tags == ["team", "airflow-description:new: text"]
    assert tags_with_description(tags, None) == ["team"]
    variable = PrefectVariable(id=uuid.uuid4(), name="-env", value="v", tags=tags)
    assert prefect_variable_to_variable(variable) == Variable("Env", "v", "new: text")


@pytest.mark.parametrize(
    ("order_by", "sort"), [("key", "NAME_ASC"), ("-key", "NAME_DESC"), ("id", "CREATED_DESC"), ("-id", "CREATED_DESC")]
)
def test_order_by(order_by, sort):
    assert variable_sort(variable_order(order_by)) == sort


@pytest.mark.parametrize("order_by", ["nope", "val", ""])
def test_orders_airflow_does_not_allow_are_400(order_by):
    with pytest.raises(BadRequest):
        variable_order(order_by)


def test_values_are_sorted_by_the_bridge():
    found = [Variable("a", "2", None), Variable("b", "10", None), Variable("c", "1", None)]
    assert [each.key for each in sort_by_value(found, variable_order("value"))] == ["c", "b", "a"]  # text order
    assert [each.key for each in sort_by_value(found, variable_order("-value"))] == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("page", "total", "window"),
    [
        (Page(0, 2), 5, Page(3, 2)),
        (Page(4, 2), 5, Page(0, 1)),
        (Page(5, 2), 5, Page(0, 0)),
        (Page(9, 2), 5, Page(0, 0)),
        (Page(0, 100), 5, Page(0, 5)),
    ],
)
def test_oldest_first_pages_are_read_from_the_newest_first_end(page, total, window):
    assert from_the_end(page, total) == window
