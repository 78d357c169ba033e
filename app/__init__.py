"""The Airflow-to-Prefect bridge: Airflow's REST API in front of Prefect."""

from __future__ import annotations

import logging

from flask import Flask, request
from werkzeug.exceptions import HTTPException

__version__ = "0.1.0"

log = logging.getLogger(__name__)


def create_app(settings=None, *, prefect_transport=None, legacy_transport=None, identity_transport=None) -> Flask:
    """Build the app; settings default to the environment, validated here, once.

    `prefect_transport` (`legacy_transport`) replaces the HTTP transport to
    Prefect (to the legacy Airflow): the seam the tests use to count upstream
    calls and to inject upstream failures. Authentication reads users and
    tokens through a Prefect client of its own (`identity_transport`).
    """
    from app import api_v1, auth_tokens, guards, log_lines
    from app.api_v1.problems import problem, render
    from app.bridge import EXTENSION, Bridge
    from app.errors import BridgeError
    from app.migration import page as migration_page
    from app.settings import Settings

    log_lines.install()
    app = Flask(__name__, static_folder=None)
    app.json.sort_keys = False
    app.extensions[EXTENSION] = Bridge.build(
        settings or Settings.from_env(),
        transport=prefect_transport,
        legacy_transport=legacy_transport,
        identity_transport=identity_transport,
    )
    guards.install(app, app.extensions[EXTENSION].settings.max_body_bytes, api_v1.authenticate)
    api_v1.register(app)
    auth_tokens.register(app)
    migration_page.register(app)

    @app.errorhandler(BridgeError)
    def bridge_error(error: BridgeError):
        if error.status >= 500:
            log.warning("upstream failure: %s", error)
        return render(error)

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        # Routing errors (unknown path, wrong method) in Airflow's format too.
        return problem(error.code or 500, error.name, error.description)

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        # Once, with the trace, to the log; never to the client. Method and path say which request; the
        # exception and its message say what failed (log_lines keeps any of them from forging a line).
        log.error("unhandled %s in %s %s", type(error).__name__, request.method, request.path, exc_info=error)
        return problem(500, "Internal Server Error", "The bridge failed to handle the request; see its log.")

    return app
