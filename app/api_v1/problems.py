"""Errors as Airflow 2.10's API writes them: RFC 7807 `application/problem+json`."""

from __future__ import annotations

from flask import Response, json

from app.errors import BridgeError, TooManyRequests

DOCS = "https://airflow.apache.org/docs/apache-airflow/2.10.5/stable-rest-api-ref.html#section/Errors/"
#: HTTP status -> the section of Airflow's error documentation (its exceptions.py).
ERROR_SECTIONS = {
    400: "BadRequest",
    401: "Unauthenticated",
    403: "PermissionDenied",
    404: "NotFound",
    405: "MethodNotAllowed",
    406: "NotAcceptable",
    409: "AlreadyExists",
}


def problem(status: int, title: str, detail: str | None) -> Response:
    body = {
        "detail": detail,
        "status": status,
        "title": title,
        "type": DOCS + ERROR_SECTIONS.get(status, "Unknown"),
    }
    if detail is None:
        del body["detail"]
    response = Response(json.dumps(body), status=status, mimetype="application/problem+json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Basic realm="Airflow"'
    return response


def render(error: BridgeError) -> Response:
    response = problem(error.status, error.title, error.detail)
    if isinstance(error, TooManyRequests):
        response.headers["Retry-After"] = str(error.retry_after)
    return response
