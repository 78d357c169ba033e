"""One API over both systems: the routing layer in front of every v1 blueprint (README "Gradual migration").

Active only when a legacy Airflow is configured. For each request, after
authentication and before any handler:

- an operation on one DAG (any route with a `dag_id` other than `~`) goes
  to the DAG's route: a DAG the legacy Airflow serves is proxied to it and
  its answer passes through unchanged (status, body, Content-Type and the
  other headers clients read); a DAG Prefect serves goes on to the handlers;
- a trigger of a DAG routed `shadow` also starts the same run on the other
  side (app/services/shadow.py);
- the listings over every DAG (`GET /dags`, `GET /dags/~/dagRuns`,
  `POST /dags/~/dagRuns/list`, `GET /dagStats`, task instances across DAGs
  and their batch form, `GET /eventLogs`) merge both systems
  (app/services/merged.py);
- `GET /dagSources/{file_token}` with a token the legacy Airflow signed
  (`payload.signature`: a Prefect token is a deployment UUID, never dotted)
  is the legacy Airflow's; so is `GET /eventLogs/{id}` with an id below
  2^64 (Airflow counts from 1; a Prefect event's id is its 128-bit UUID),
  and `GET /eventLogs?dag_id=...` follows that DAG's route;

A legacy Airflow that is down or too slow answers 503 or 504 naming it, for
its own DAGs and for the merged listings (a client that lists DAGs expects
the complete list or an error, never a silently shorter one); Prefect's DAGs
are routed without asking it and keep working.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Response, after_this_request, jsonify, request

from app.api_v1 import serialize
from app.api_v1.authorization import readable_dags
from app.api_v1.listing_queries import (
    DAG_LIST_PARAMS,
    EVENT_LOG_PARAMS,
    RUN_BATCH_KEYS,
    RUN_LIST_PARAMS,
    TI_BATCH_KEYS,
    TI_LIST_PARAMS,
    dag_query,
    event_log_query,
    instance_batch_query,
    instance_query,
    run_batch_query,
    run_list_query,
)
from app.api_v1.params import Body, Query
from app.bridge import Bridge, current_bridge
from app.errors import BadRequest, PermissionDenied
from app.legacy import LegacyAirflowClient, LegacyAirflowError
from app.translate.routes import Side
from app.url_paths import path as url_path

log = logging.getLogger(__name__)

PREFIX = "/api/v1"
ALL_DAGS = "~"
#: Headers of a legacy answer that clients read, passed through as they came.
PASSED_HEADERS = ("Content-Type", "Content-Disposition", "Content-Language", "Cache-Control", "Location")
#: Request headers the legacy Airflow needs to read a proxied request; the bridge's credentials replace the client's.
FORWARDED_HEADERS = ("Content-Type", "Accept")
#: Airflow's event log ids count up from 1; the bridge's Prefect ones are 128-bit UUIDs read as integers.
LEGACY_EVENT_LOG_IDS = 2**64


def route_request() -> Response | None:
    """Answer the request from the legacy Airflow or merged, or None to let the handlers serve it."""
    bridge = current_bridge()
    if bridge.legacy is None or request.url_rule is None:
        return None
    endpoint = (request.endpoint or "").rsplit(".", 1)[-1]
    view_args = request.view_args or {}
    dag_id = view_args.get("dag_id")
    if endpoint == "get_event_logs" and request.args.get("dag_id"):
        dag_id = request.args["dag_id"]  # one DAG's event log: that DAG's route
    if dag_id is None or dag_id == ALL_DAGS:
        return _across_dags(bridge, endpoint, dag_id, view_args)
    route = bridge.routes.route_for(dag_id)
    response = forward(bridge.legacy) if route.serving is Side.AIRFLOW else None
    if endpoint == "post_dag_run" and route.shadow is not None:
        _shadow_after_answer(bridge, dag_id, route.shadow, response)
    return response


def _shadow_after_answer(bridge: Bridge, dag_id: str, shadow: Side, legacy_answer: Response | None) -> None:
    """Start the shadow run once the authoritative answer has gone to the client.

    The client waits for the authoritative side only, and a shadow that
    fails can never change or delay its answer (app/services/shadow.py).
    """

    def start_shadow(answer: Response) -> None:
        if answer.status_code != 200:
            return
        run = answer.get_json()
        if shadow is Side.PREFECT:
            answer.call_on_close(lambda: bridge.shadow.after_legacy_trigger(dag_id, run))
        else:
            answer.call_on_close(lambda: bridge.shadow.after_prefect_trigger(dag_id, run))

    if legacy_answer is not None:
        start_shadow(legacy_answer)
        return

    @after_this_request
    def after_prefect_answer(answer: Response) -> Response:
        start_shadow(answer)
        return answer


def _across_dags(bridge: Bridge, endpoint: str, dag_id: str | None, view_args: dict[str, Any]) -> Response | None:
    merged = MERGED.get(endpoint)
    if merged is not None and (dag_id == ALL_DAGS or endpoint in TOP_LEVEL):
        if readable_dags() is not None:
            # The legacy side answers with the bridge's own credentials: it cannot narrow to the caller's DAGs.
            raise PermissionDenied(
                "Listings across DAGs merged with the legacy Airflow need can_read on all DAGs; "
                "per-DAG access covers the operations on one DAG during a gradual migration"
            )
        return merged(bridge)
    if endpoint == "get_dag_source" and "." in view_args.get("file_token", ""):
        return forward(bridge.legacy)
    if endpoint == "get_event_log" and view_args.get("event_log_id", 0) < LEGACY_EVENT_LOG_IDS:
        return forward(bridge.legacy)
    return None


def forward(legacy: LegacyAirflowClient) -> Response:
    """Proxy this request to the legacy Airflow; its answer passes through unchanged.

    One exception: a 401 means the legacy Airflow refused the bridge's own
    credentials, which is no fault of the client's: a 502 naming it.
    """
    path = url_path(request.path.removeprefix(PREFIX))
    headers = {name: request.headers[name] for name in FORWARDED_HEADERS if name in request.headers}
    upstream = legacy.forward(
        request.method, path, query=request.query_string, body=request.get_data() or None, headers=headers
    )
    if upstream.status_code == 401:
        raise LegacyAirflowError(
            f"{legacy.name} refused the bridge's credentials (401); "
            "check BRIDGE_LEGACY_AIRFLOW_USERNAME and BRIDGE_LEGACY_AIRFLOW_PASSWORD"
        )
    response = Response(upstream.content, status=upstream.status_code)
    for name in PASSED_HEADERS:
        if name in upstream.headers:
            response.headers[name] = upstream.headers[name]
    return response


# -- merged listings: the handler's reader, one MergedListings method, the handler's serialiser --------


def merged_get_dags(bridge: Bridge) -> Response:
    query = Query(DAG_LIST_PARAMS)
    page, only_active = query.page(), query.boolean("only_active")
    found = bridge.merged.dags_page(dag_query(query), page, serialize.dag, only_active=only_active)
    fields = query.texts("fields")
    return jsonify({"dags": [serialize.only_fields(row, fields) for row in found.rows], "total_entries": found.total})


def merged_get_dag_runs(bridge: Bridge) -> Response:
    query = Query(RUN_LIST_PARAMS)
    page, run_query = query.page(), run_list_query(query)
    found = bridge.merged.runs_page(None, run_query, page, serialize.dag_run)
    fields = query.texts("fields")
    rows = [serialize.only_fields(row, fields) for row in found.rows]
    return jsonify({"dag_runs": rows, "total_entries": found.total})


def merged_get_dag_runs_batch(bridge: Bridge) -> Response:
    Query([])
    body = Body(RUN_BATCH_KEYS)
    page, run_query = run_batch_query(body)
    found = bridge.merged.runs_page(body.texts("dag_ids") or None, run_query, page, serialize.dag_run)
    return jsonify({"dag_runs": found.rows, "total_entries": found.total})


def merged_get_dag_stats(bridge: Bridge) -> Response:
    """Each requested DAG's counts from the side serving it, in the order asked."""
    query = Query(["dag_ids"])
    if query.text("dag_ids") is None:
        raise BadRequest("Missing query parameter 'dag_ids'")
    return jsonify(serialize.dag_stats(bridge.merged.stats_of(query.texts("dag_ids"))))


def merged_get_task_instances(bridge: Bridge) -> Response:
    """`/dags/~/dagRuns/{dag_run_id}/taskInstances`, `~` or one run id across every DAG."""
    query = Query(TI_LIST_PARAMS)
    ti_query, page = instance_query(query), query.page()
    dag_run_id = (request.view_args or {}).get("dag_run_id", ALL_DAGS)
    dag_run_ids = None if dag_run_id == ALL_DAGS else [dag_run_id]
    found = bridge.merged.task_instances_page(None, dag_run_ids, ti_query, page, serialize.task_instance)
    return jsonify({"task_instances": found.rows, "total_entries": found.total})


def merged_get_task_instances_batch(bridge: Bridge) -> Response:
    Query([])
    body = Body(TI_BATCH_KEYS)
    page, ti_query = instance_batch_query(body)
    dag_ids, dag_run_ids = body.texts("dag_ids") or None, body.texts("dag_run_ids") or None
    found = bridge.merged.task_instances_page(dag_ids, dag_run_ids, ti_query, page, serialize.task_instance)
    return jsonify({"task_instances": found.rows, "total_entries": found.total})


def merged_get_event_logs(bridge: Bridge) -> Response:
    """Every DAG's event log from both systems (one DAG's follows its route: see route_request)."""
    query = Query(EVENT_LOG_PARAMS)
    page = query.page()
    found = bridge.merged.event_logs_page(
        event_log_query(query), page, serialize.event_log, run_id=query.text("run_id"), owner=query.text("owner")
    )
    return jsonify({"event_logs": found.rows, "total_entries": found.total})


#: Handler endpoint -> its merged form.
MERGED = {
    "get_dags": merged_get_dags,
    "get_dag_runs": merged_get_dag_runs,
    "get_dag_runs_batch": merged_get_dag_runs_batch,
    "get_dag_stats": merged_get_dag_stats,
    "get_task_instances": merged_get_task_instances,
    "get_task_instances_batch": merged_get_task_instances_batch,
    "get_event_logs": merged_get_event_logs,
}
#: Merged endpoints whose path has no dag_id at all.
TOP_LEVEL = frozenset(
    {"get_dags", "get_dag_runs_batch", "get_dag_stats", "get_task_instances_batch", "get_event_logs"}
)
