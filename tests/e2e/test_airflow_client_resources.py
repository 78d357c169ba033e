"""Variables, connections and pools end to end through apache-airflow-client 2.10.

The bridge listens on a real port (`live_bridge`) in front of the real Prefect
server; the Prefect side is read with Prefect's own client, as a flow would.
"""

from __future__ import annotations

import uuid

import pytest
from airflow_client.client.api import connection_api, pool_api, variable_api
from airflow_client.client.exceptions import ApiException, NotFoundException
from airflow_client.client.model.connection import Connection
from airflow_client.client.model.pool import Pool
from airflow_client.client.model.variable import Variable
from prefect.settings import PREFECT_API_URL, temporary_settings
from prefect.variables import Variable as PrefectVariable


def test_variable_round_trip_with_dots_and_capitals(api_client, prefect_stack):
    variables = variable_api.VariableApi(api_client)
    key = f"Warehouse.DB_Host.{uuid.uuid4().hex[:6]}"
    created = variables.post_variables(Variable(key=key, value="db.internal:5432", description="where ETL writes"))
    assert (created.key, created.value) == (key, "db.internal:5432")
    try:
        read = variables.get_variable(key)
        assert (read.key, read.value, read.description) == (key, "db.internal:5432", "where ETL writes")
        assert key in {each.key for each in variables.get_variables(limit=100, order_by="-id").variables}

        # A Prefect flow reads the same value under the mapped name.
        name = "-warehouse-1-d-b_-host-1" + key.rsplit(".", 1)[1]
        with temporary_settings({PREFECT_API_URL: prefect_stack.api_url}):
            assert PrefectVariable.get(name) == "db.internal:5432"

        variables.patch_variable(key, Variable(key=key, value="db2.internal"), update_mask=["value"])
        assert variables.get_variable(key).value == "db2.internal"
        with temporary_settings({PREFECT_API_URL: prefect_stack.api_url}):
            assert PrefectVariable.get(name) == "db2.internal"
    finally:
        variables.delete_variable(key)
    with pytest.raises(NotFoundException):
        variables.get_variable(key)


def test_connection_round_trip_never_reads_the_password_back(api_client):
    connections = connection_api.ConnectionApi(api_client)
    connection_id = f"warehouse_{uuid.uuid4().hex[:6]}"
    body = Connection(
        connection_id=connection_id,
        conn_type="postgres",
        host="db.internal",
        port=5432,
        login="etl",
        password="s3cret",
        schema="analytics",
        extra='{"sslmode": "require"}',
        description="the warehouse",
    )
    created = connections.post_connection(body)
    try:
        assert created.connection_id == connection_id and "password" not in created.to_dict()
        read = connections.get_connection(connection_id)
        assert (read.host, read.port, read.login, read.schema, read.extra) == (
            "db.internal",
            5432,
            "etl",
            "analytics",
            '{"sslmode": "require"}',
        )
        assert "password" not in read.to_dict()
        listed = connections.get_connections(limit=100).connections
        assert connection_id in {each.connection_id for each in listed}
        patched = connections.patch_connection(
            connection_id,
            Connection(connection_id=connection_id, conn_type="postgres", host="db2"),
            update_mask=["host"],
        )
        assert patched.host == "db2" and "password" not in patched.to_dict()
        with pytest.raises(ApiException) as refused:
            connections.post_connection(body)
        assert refused.value.status == 409
        with pytest.raises(ApiException) as disabled:
            connections.test_connection(body)
        assert disabled.value.status == 403
    finally:
        connections.delete_connection(connection_id)
    with pytest.raises(NotFoundException):
        connections.get_connection(connection_id)


def test_pool_round_trip(api_client):
    pools = pool_api.PoolApi(api_client)
    name = f"etl pool {uuid.uuid4().hex[:6]}"
    created = pools.post_pool(Pool(name=name, slots=3, description="ETL jobs"))
    try:
        assert (created.name, created.slots, created.open_slots, created.description) == (name, 3, 3, "ETL jobs")
        assert pools.get_pool(name).slots == 3
        patched = pools.patch_pool(name, Pool(slots=5), update_mask=["slots"])
        assert (patched.slots, patched.open_slots, patched.description) == (5, 5, "ETL jobs")
        listing = pools.get_pools(limit=100)
        assert {name, "default_pool"} <= {each.name for each in listing.pools}
        assert listing.total_entries == len(listing.pools)
        with pytest.raises(ApiException) as refused:
            pools.delete_pool("default_pool")
        assert refused.value.status == 400
    finally:
        pools.delete_pool(name)
    with pytest.raises(NotFoundException):
        pools.get_pool(name)
