"""The apache-airflow-client 2.10 APIs the end-to-end modules call, one set for all of them.

Each is the client's API class on the session's live bridge (`api_client`,
tests/conftest.py), built once per module as `api_client` is.
"""

from __future__ import annotations

import pytest
from airflow_client.client.api import dag_api, dag_run_api, task_instance_api


@pytest.fixture(scope="module")
def dags(api_client) -> dag_api.DAGApi:
    return dag_api.DAGApi(api_client)


@pytest.fixture(scope="module")
def runs(api_client) -> dag_run_api.DAGRunApi:
    return dag_run_api.DAGRunApi(api_client)


@pytest.fixture(scope="module")
def task_instances(api_client) -> task_instance_api.TaskInstanceApi:
    return task_instance_api.TaskInstanceApi(api_client)
