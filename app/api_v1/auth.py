"""HTTP Basic authentication of the v1 API (the rules: app/services/auth.py, README "Authentication")."""

from __future__ import annotations

from flask import g, request

from app.bridge import current_bridge
from app.services.auth import client_address
from app.services.principal import ANONYMOUS_ADMIN, Principal


def require_basic_auth() -> None:
    bridge = current_bridge()
    if bridge.auth is None:
        g.user = ANONYMOUS_ADMIN
        return
    address = client_address(
        request.remote_addr, request.headers.get("X-Forwarded-For"), bridge.settings.trusted_proxy_hops
    )
    # The one configured user is the admin (BRIDGE_ADMIN_USERNAME).
    g.user = Principal(bridge.auth.authenticate(request.headers.get("Authorization"), address), ("Admin",))
