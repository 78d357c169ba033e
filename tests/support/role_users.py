"""Users of chosen roles on a bridge app, for the authorization tests.

The one place the tests make users. Until the identity branch's user store (`bridge.users`) is
merged, a user is a password given to the app's authenticator plus a role table consulted where
authentication builds the Principal; at the merge this becomes `bridge.users.create(...)`.
"""

from __future__ import annotations

import base64
import secrets

import pytest
from flask import Flask

import app.api_v1.auth as authentication
from app.bridge import EXTENSION


def basic(username: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()}


def add_users(app: Flask, monkeypatch: pytest.MonkeyPatch, users: dict[str, tuple[str, ...]]) -> dict[str, dict]:
    """Make each user with its roles; their Authorization headers, by username."""
    bridge = app.extensions[EXTENSION]
    principal = authentication.Principal
    roles_of = dict(users)
    monkeypatch.setattr(
        authentication, "Principal", lambda username, roles: principal(username, roles_of.get(username, roles))
    )
    headers = {}
    for username in users:
        password = secrets.token_urlsafe(12)
        bridge.auth.set_password(username, password)
        headers[username] = basic(username, password)
    return headers
