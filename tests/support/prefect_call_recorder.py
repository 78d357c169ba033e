"""Hold each handler's `@prefect_calls` declaration to the Prefect requests it really makes.

The README's coverage table lists, per v1 operation, the Prefect calls its
handler declares. This plugin records every request any bridge app in the
test session sends to Prefect over HTTP (Flask test clients and the live
bridge alike; mocked transports, which only inject failures, are not
recorded), together with the Flask endpoint serving the request at that
moment. A request its handler did not declare (method and path, the
declaration's `{placeholders}` matching one path segment each) fails the
test during which it was made, naming the handler and the call. Requests
made outside a bridge request (the tests' own calls to Prefect) are not
the bridge's and are left alone. Calls made while a request is being
authenticated (`g.authenticating`) are authentication's, held to
`AUTHENTICATION_CALLS` instead, and those of the permission check
(`before_handlers`) to `ROLE_CHECK_CALLS`. Every recorded call is kept per endpoint
for the session (`RECORDED`).

Wired into tests/conftest.py by importing the two fixtures.
"""

from __future__ import annotations

import re
import threading
from collections import defaultdict
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest
from flask import current_app, g, has_request_context, request

from app.api_v1.auth import AUTHENTICATION_CALLS
from app.api_v1.authorization import ROLE_CHECK_CALLS
from app.api_v1.upstream import BEFORE_HANDLERS, declared_calls
from app.bridge import EXTENSION

_PLACEHOLDER = re.compile(r"\{[^}]+\}")
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

#: endpoint -> the (method, path with ids as `{id}`) calls it made in this session.
RECORDED: dict[str, set[tuple[str, str]]] = defaultdict(set)
#: "endpoint: METHOD path" for calls no declaration covers, not yet reported by a test.
_UNDECLARED: list[str] = []
_LOCK = threading.Lock()


def declaration_pattern(declaration: str) -> tuple[str, re.Pattern]:
    """`"GET /flow_runs/{id}"` -> ("GET", a regex matching `/flow_runs/<one segment>`)."""
    method, _, template = declaration.partition(" ")
    parts = _PLACEHOLDER.split(template)
    return method, re.compile("".join(f"{re.escape(part)}[^/]+" for part in parts[:-1]) + re.escape(parts[-1]) + "$")


def covered(method: str, path: str, declarations: tuple[str, ...]) -> bool:
    """Whether a Prefect request (path relative to the API root) is one of the declared calls."""
    for declaration in declarations:
        declared_method, pattern = declaration_pattern(declaration)
        if declared_method == method and pattern.match(path):
            return True
    return False


def _record(request_to_prefect: httpx.Request) -> None:
    if not has_request_context() or request.endpoint is None or EXTENSION not in current_app.extensions:
        return
    prefect_api_url = current_app.extensions[EXTENSION].settings.prefect_api_url
    if not str(request_to_prefect.url).startswith(prefect_api_url):
        return  # not a Prefect request (the legacy Airflow of a gradual migration)
    api_root = urlsplit(prefect_api_url).path.rstrip("/")
    path = request_to_prefect.url.path.removeprefix(api_root) or "/"
    method = request_to_prefect.method
    if g.get("authenticating"):
        declarations: tuple[str, ...] | None = AUTHENTICATION_CALLS
    elif g.get(BEFORE_HANDLERS):
        declarations = ROLE_CHECK_CALLS  # the permission check's refresh of custom roles (`before_handlers`)
    else:
        handler = current_app.view_functions.get(request.endpoint)
        declarations = declared_calls(handler) if handler else None
    with _LOCK:
        RECORDED[request.endpoint].add((method, _UUID.sub("{id}", path)))
        if not covered(method, path, declarations or ()):
            _UNDECLARED.append(f"{request.endpoint}: {method} {path} (declared: {', '.join(declarations or ())})")


@pytest.fixture(scope="session", autouse=True)
def record_prefect_calls() -> Iterator[None]:
    """Record every HTTP request to Prefect made while a bridge app serves a request."""
    original = httpx.HTTPTransport.handle_request

    def handle_request(self: httpx.HTTPTransport, prefect_request: httpx.Request) -> httpx.Response:
        _record(prefect_request)
        return original(self, prefect_request)

    httpx.HTTPTransport.handle_request = handle_request
    yield
    httpx.HTTPTransport.handle_request = original


@pytest.fixture(autouse=True)
def prefect_calls_are_declared() -> Iterator[None]:
    """Fail the test during which a handler called Prefect in a way its `@prefect_calls` does not declare."""
    yield
    with _LOCK:
        undeclared = sorted(set(_UNDECLARED))
        _UNDECLARED.clear()
    assert not undeclared, "Prefect calls missing from the handlers' @prefect_calls:\n" + "\n".join(undeclared)
