"""End to end through apache-airflow-client 2.10: the read-only resources and the 501s."""

from __future__ import annotations

import pytest
from airflow_client.client.api import (
    config_api,
    dag_api,
    dag_stats_api,
    import_error_api,
    plugin_api,
    provider_api,
)
from airflow_client.client.exceptions import ApiException, ForbiddenException

from conftest import ETL, HELLO


def test_dag_stats(api_client):
    stats = dag_stats_api.DagStatsApi(api_client).get_dag_stats(dag_ids=f"{ETL},{HELLO}")
    assert [dag.dag_id for dag in stats.dags] == [ETL, HELLO]
    assert [stat.state for stat in stats.dags[0].stats] == ["queued", "success", "running", "failed"]


def test_empty_collections(api_client):
    assert import_error_api.ImportErrorApi(api_client).get_import_errors().total_entries == 0
    assert plugin_api.PluginApi(api_client).get_plugins().total_entries == 0
    assert provider_api.ProviderApi(api_client).get_providers()["providers"] == []  # the client answers a dict here


def test_config_is_forbidden_as_in_airflow(api_client):
    with pytest.raises(ForbiddenException):
        config_api.ConfigApi(api_client).get_config()


def test_dag_source(dags):
    source = dags.get_dag_source(dags.get_dag(ETL).file_token)
    assert "app/demo/flows.py:etl" in source.content


def test_an_unserved_operation_is_a_501_the_client_reports(api_client):
    with pytest.raises(ApiException) as error:
        dag_api.DAGApi(api_client).reparse_dag_file("any-file-token")
    assert error.value.status == 501 and "reparse_dag_file" in error.value.body
