"""A handler that fails unexpectedly: Airflow's 500, the trace in the log once, and no log line a client can forge."""

from __future__ import annotations

import logging

import pytest

from app import create_app, log_lines
from app.bridge import EXTENSION
from conftest import AUTH, ETL, PASSWORD

FORGED = "ERROR app forged: admin logged in"


@pytest.fixture
def failing_app(settings, monkeypatch):
    """The bridge, its run listing failing with an exception that names what the client sent."""
    app = create_app(settings)

    def list_runs(dag_ids, *_args, **_kwargs):
        raise RuntimeError(f"cannot list the runs of {dag_ids}")

    monkeypatch.setattr(app.extensions[EXTENSION].dag_runs, "list_runs", list_runs)
    return app


def test_an_unexpected_exception_is_airflows_500_without_a_trace(failing_app, caplog):
    caplog.set_level(logging.DEBUG)
    response = failing_app.test_client().post(
        "/api/v1/dags/~/dagRuns/list", json={"dag_ids": [ETL, "x\n" + FORGED]}, headers=AUTH
    )
    assert response.status_code == 500
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body == {
        "detail": "The bridge failed to handle the request; see its log.",
        "status": 500,
        "title": "Internal Server Error",
        "type": "https://airflow.apache.org/docs/apache-airflow/2.10.5/stable-rest-api-ref.html#section/Errors/Unknown",
    }
    text = response.get_data(as_text=True)
    assert "Traceback" not in text and "RuntimeError" not in text and ETL not in text

    logged = [record for record in caplog.records if record.exc_info]
    assert len(logged) == 1, [record.getMessage() for record in logged]
    record = logged[0]
    assert record.levelno == logging.ERROR
    assert record.getMessage() == "unhandled RuntimeError in POST /api/v1/dags/~/dagRuns/list"
    written = logging.Formatter("%(levelname)s %(name)s %(message)s").format(record)
    assert "Traceback (most recent call last)" in written and "cannot list the runs of" in written
    assert_no_forged_line(written)
    assert PASSWORD not in written and AUTH["Authorization"] not in written


def assert_no_forged_line(written: str) -> None:
    """The client's text is in the log, but escaped inside a line of the bridge's: it starts no line."""
    assert FORGED in written
    assert not any(line.startswith(FORGED) for line in written.splitlines()), written


@pytest.mark.parametrize("message", ["run %s failed", "run {} failed"])
def test_no_bridge_log_record_spans_lines(caplog, message):
    caplog.set_level(logging.DEBUG)
    log_lines.install()  # what create_app does, once per process
    log = logging.getLogger("app.services.shadow")
    dag_run_id = "manual\r\n" + FORGED + "\u2028" + FORGED
    if "%s" in message:
        log.warning(message, dag_run_id)
    else:
        log.warning(message.format(dag_run_id))
    written = caplog.records[-1].getMessage()
    assert "\n" not in written and "\r" not in written and "\u2028" not in written
    assert "manual\\r\\n" + FORGED in written


def test_a_line_break_in_a_path_id_reaches_no_handler_and_no_log(api, caplog):
    caplog.set_level(logging.DEBUG, logger="app")
    response = api.get("/dags/x%0A" + FORGED.replace(" ", "%20"))
    assert response.status_code == 404
    assert not [record for record in caplog.records if record.name.startswith("app") and FORGED in record.getMessage()]
