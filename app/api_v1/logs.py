"""Task logs of the v1 API, from the Prefect logs of the task run in the try's time span.

Rules (tries, line format, tokens, flow-level lines): app/translate/task_logs.py.
"""

from __future__ import annotations

from flask import Blueprint, Response, jsonify, request

from app.api_v1.params import Query
from app.api_v1.task_instances import INSTANCE, ONE_RUN_CALLS
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.translate import task_logs

blueprint = Blueprint("logs", __name__)


@blueprint.get(INSTANCE + "/logs/<int:task_try_number>")
@prefect_calls(*ONE_RUN_CALLS, "GET /task_run_states/", "POST /logs/filter")
def get_log(dag_id: str, dag_run_id: str, task_id: str, task_try_number: int):
    query = Query(["full_content", "map_index", "token"])
    token = query.text("token")
    position = task_logs.decode_token(token) if token else 0
    plain = request.accept_mimetypes.best_match(["application/json", "text/plain"]) == "text/plain"
    everything = bool(query.boolean("full_content")) or plain
    service = current_bridge().task_instances
    run = service.run_tasks(dag_id, dag_run_id)
    map_index = query.integer("map_index")
    instance = run.instance(task_id, None if map_index in (None, -1) else map_index)
    run.task_run(instance)  # a task that never ran has no log
    lines, end, done = service.log_lines(run, instance, task_try_number, position, everything=everything)
    text = "\n".join(task_logs.format_line(line) for line in lines)
    if plain:
        return Response(text + "\n" if text else "", mimetype="text/plain")
    return jsonify(
        {
            "continuation_token": task_logs.encode_token(end, done),
            "content": task_logs.json_content("", text),
        }
    )
