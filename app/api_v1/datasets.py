"""Dataset operations of the v1 API that Prefect can answer: there are no datasets.

Airflow's datasets are Prefect's assets, and Prefect 3.8.8's server keeps no
assets (no `/assets` endpoints; `@materialize` only emits events) and
schedules no deployment on one. So the collections are empty, a dataset is a 404, and a
run's upstream dataset events are none (the run itself must exist). The
parameters and orders are still checked as Airflow checks them. Writing
dataset events and reading queued events answer 501 (app/api_v1/operations.py).
"""

from __future__ import annotations

from flask import Blueprint, jsonify

from app.api_v1 import serialize
from app.api_v1.params import PAGING, Query, check_order_by
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import NotFound

blueprint = Blueprint("datasets", __name__)

DATASET_ORDER_KEYS = ("id", "uri", "created_at", "updated_at")
DATASET_EVENT_ORDER_KEYS = ("source_task_id", "source_run_id", "source_dag_id", "source_map_index", "timestamp")
DATASET_EVENT_FILTERS = ("dataset_id", "source_dag_id", "source_task_id", "source_run_id", "source_map_index")


@blueprint.get("/datasets")
@prefect_calls()
def get_datasets():
    query = Query([*PAGING, "order_by", "uri_pattern", "dag_ids"])
    _check_page(query, DATASET_ORDER_KEYS)
    return jsonify(serialize.empty_collection("datasets"))


@blueprint.get("/datasets/<path:uri>")
@prefect_calls()
def get_dataset(uri: str):
    Query([])
    raise NotFound(f"The Dataset with uri: `{uri}` was not found", title="Dataset not found")


@blueprint.get("/datasets/events")
@prefect_calls()
def get_dataset_events():
    query = Query([*PAGING, "order_by", *DATASET_EVENT_FILTERS])
    query.integer("dataset_id")
    query.integer("source_map_index")
    _check_page(query, DATASET_EVENT_ORDER_KEYS)
    return jsonify(serialize.empty_collection("dataset_events"))


@blueprint.get("/dags/<dag_id>/dagRuns/<dag_run_id>/upstreamDatasetEvents")
@prefect_calls("POST /flow_runs/filter")
def get_upstream_dataset_events(dag_id: str, dag_run_id: str):
    Query([])
    current_bridge().dag_runs.get_run(dag_id, dag_run_id)
    return jsonify(serialize.empty_collection("dataset_events"))


def _check_page(query: Query, order_keys: tuple[str, ...]) -> None:
    query.page()
    check_order_by(query.text("order_by"), order_keys)
