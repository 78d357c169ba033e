"""Connection field rules: ids, block data, extra redaction, order_by, settings."""

import json
import uuid
from datetime import UTC, datetime

import pytest

from app.errors import BadRequest
from app.prefect.models import BlockDocument
from app.settings import Settings
from app.translate.airflow import Connection
from app.translate.connections import (
    block_document_to_connection,
    check_connection_id,
    connection_data,
    connection_sort,
    redacted_extra,
    sort_connections,
)


@pytest.mark.parametrize("connection_id", ["postgres_default", "a.b-c", "Ünï", "x" * 200])
def test_airflow_connection_ids(connection_id):
    check_connection_id(connection_id)


@pytest.mark.parametrize("connection_id", ["a b", "a/b", "", "x" * 201])
def test_ids_airflow_refuses(connection_id):
    with pytest.raises(BadRequest):
        check_connection_id(connection_id)


def test_block_data_round_trip():
    connection = Connection("My.DB", "postgres", "d", "h", "l", "s", 5432, "p", '{"a": 1}')
    data = connection_data(connection)
    assert data == {
        "conn_type": "postgres",
        "description": "d",
        "host": "h",
        "schema": "s",
        "login": "l",
        "password": "p",
        "port": 5432,
        "extra": '{"a": 1}',
    }
    document = BlockDocument(
        id=uuid.uuid4(), name="-my-1-d-b", data=data, block_type_id=uuid.uuid4(), block_schema_id=uuid.uuid4()
    )
    assert block_document_to_connection(document) == connection


@pytest.mark.parametrize(("extra", "shown"), [(None, None), ("not json", "not json"), ("[1, 2]", "[1, 2]")])
def test_extra_that_is_no_json_object_is_shown_as_it_is(extra, shown):
    assert redacted_extra(extra) == shown


@pytest.mark.parametrize(
    ("extra", "shown"),
    [
        (
            {"host_key": "x", "Password": "p", "my_api_key": "k", "port": 5},
            {"host_key": "x", "Password": "***", "my_api_key": "***", "port": 5},
        ),
        (
            {"nested": {"secret": {"a": "b", "n": 1}}, "list": [{"token": "t"}]},
            {"nested": {"secret": {"a": "***", "n": 1}}, "list": [{"token": "***"}]},
        ),
    ],
)
def test_sensitive_extra_values_are_hidden_as_airflow_does(extra, shown):
    assert json.loads(redacted_extra(json.dumps(extra))) == shown


@pytest.mark.parametrize(
    ("order_by", "sort"), [(None, "NAME_ASC"), ("connection_id", "NAME_ASC"), ("-connection_id", "NAME_DESC")]
)
def test_order_by(order_by, sort):
    assert connection_sort(order_by) == sort


@pytest.mark.parametrize("order_by", ["id", "-port", "host", "conn_type", "description"])
def test_orders_prefect_cannot_give_are_sorted_by_the_bridge(order_by):
    assert connection_sort(order_by) is None


@pytest.mark.parametrize("order_by", ["nope", "", "password"])
def test_orders_airflow_does_not_allow_are_400(order_by):
    with pytest.raises(BadRequest, match="disallowed"):
        connection_sort(order_by)


def test_the_bridge_sorts_connections_with_nulls_as_postgresql():
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 2, tzinfo=UTC)
    rows = [
        (late, Connection("b", "http", port=80)),
        (early, Connection("a", "http")),
        (None, Connection("c", "ftp", port=21)),
    ]
    assert [each.connection_id for each in sort_connections(rows, "port")] == ["c", "b", "a"]
    assert [each.connection_id for each in sort_connections(rows, "-port")] == ["a", "b", "c"]
    assert [each.connection_id for each in sort_connections(rows, "id")] == ["a", "b", "c"]
    assert [each.connection_id for each in sort_connections(rows, "conn_type")] == ["c", "b", "a"]


@pytest.mark.parametrize(
    ("value", "expected"), [("enabled", "Enabled"), ("Disabled", "Disabled"), ("ENABLED", "Enabled")]
)
def test_test_connection_setting(value, expected):
    assert Settings.from_env({"BRIDGE_AUTH": "false", "BRIDGE_TEST_CONNECTION": value}).test_connection == expected
