"""HTTP Basic authentication of the v1 API (the rules: app/services/auth.py, README "Authentication")."""

from __future__ import annotations

from flask import g, request

from app.bridge import current_bridge
from app.services.auth import client_address


def require_basic_auth() -> None:
    bridge = current_bridge()
    if bridge.auth is None:
        return
    address = client_address(
        request.remote_addr, request.headers.get("X-Forwarded-For"), bridge.settings.trusted_proxy_hops
    )
    g.user = bridge.auth.authenticate(request.headers.get("Authorization"), address)
