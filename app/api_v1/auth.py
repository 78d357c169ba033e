"""HTTP Basic authentication of the one configured user (full users and roles come later)."""

from __future__ import annotations

import hmac

from flask import request

from app.bridge import current_bridge
from app.errors import Unauthenticated


def require_basic_auth() -> None:
    settings = current_bridge().settings
    if not settings.auth_enabled:
        return
    credentials = request.authorization
    if credentials is None or credentials.type != "basic":
        raise Unauthenticated("Authentication is required: send HTTP Basic credentials")
    expected_password = settings.admin_password.get_secret_value() if settings.admin_password else ""
    # Compare both in constant time, and always both, so timing tells nothing.
    user_ok = hmac.compare_digest((credentials.username or "").encode(), settings.admin_username.encode())
    password_ok = hmac.compare_digest((credentials.password or "").encode(), expected_password.encode())
    if not (user_ok and password_ok):
        raise Unauthenticated("Invalid credentials")
