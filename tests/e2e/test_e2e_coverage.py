"""Every operation the bridge serves went through apache-airflow-client 2.10 in this session.

The live bridges record each response with the client's User-Agent; this
check runs after every other test (`session_summary`) and lists the served
operations the real client never got a successful answer from. Run alone
(without the other end-to-end modules) it has nothing to judge and skips.
"""

from __future__ import annotations

import pytest

from app import create_app
from app.api_v1 import PREFIX
from app.api_v1.not_implemented import served_operations

CLIENT_AGENT = "OpenAPI-Generator/"  # apache-airflow-client's User-Agent
# Served, but with nothing Prefect could hold behind them: only ever a 404.
ALWAYS_NOT_FOUND = {"get_import_error", "get_dataset"}


def served_operation_ids(settings) -> set[str]:
    return {operation.operation_id for operation in served_operations(create_app(settings), PREFIX)}


def answered_by_the_client(checkers) -> set[str]:
    return {
        answer.operation_id
        for checker in checkers
        for answer in checker.answers
        if answer.user_agent.startswith(CLIENT_AGENT)
        and (200 <= answer.status < 300 or (answer.operation_id in ALWAYS_NOT_FOUND and answer.status == 404))
    }


@pytest.mark.session_summary
def test_every_served_operation_went_through_the_real_client(request, settings, live_checkers):
    e2e_modules = {item.path for item in request.session.items if item.path.parent == request.path.parent}
    if e2e_modules == {request.path}:
        pytest.skip("no other end-to-end test ran in this session")
    missing = served_operation_ids(settings) - answered_by_the_client(live_checkers)
    assert not missing, f"served operations no end-to-end test called successfully: {sorted(missing)}"
