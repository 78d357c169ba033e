"""Authentication of the v1 API: HTTP Basic or a Bearer API token (app/services/auth.py, README "Authentication")."""

from __future__ import annotations

from flask import g, request

from app.bridge import current_bridge
from app.services.auth import client_address
from app.services.principal import ANONYMOUS_ADMIN

#: Prefect calls authentication may make during any request (its snapshot of users and tokens, re-read at most
#: every BRIDGE_IDENTITY_CHECK_SECONDS; a token's document the first time a process sees it; the environment's
#: admin made or repaired on a process's first read). Through the identity client, apart from the operation's.
AUTHENTICATION_CALLS = (
    "POST /block_documents/filter",
    "GET /block_types/slug/{slug}/block_documents/name/{name}",
    "POST /block_types/",
    "GET /block_types/slug/{slug}",
    "POST /block_schemas/",
    "POST /block_documents/",
    "PATCH /block_documents/{id}",
)


def require_basic_auth() -> None:
    """Who calls: HTTP Basic credentials or a Bearer API token (the scheme keeps its historical name)."""
    bridge = current_bridge()
    if bridge.auth is None:
        g.user = ANONYMOUS_ADMIN
        return
    g.authenticating = True  # the Prefect calls made now are authentication's (AUTHENTICATION_CALLS)
    try:
        g.user = bridge.auth.authenticate(request.headers.get("Authorization"), request_address())
    finally:
        g.authenticating = False


def request_address() -> str:
    """The client address failed logins count against."""
    return client_address(
        request.remote_addr, request.headers.get("X-Forwarded-For"), current_bridge().settings.trusted_proxy_hops
    )
