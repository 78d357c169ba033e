"""Users of chosen roles on a bridge app, for the authorization tests: made through `POST /users` as the admin.

The one place the authorization tests make users (the identity branch's user store behind /users).
"""

from __future__ import annotations

from flask import Flask

from conftest import AUTH
from support.users import basic, unique, user_body


def add_users(app: Flask, users: dict[str, tuple[str, ...]]) -> dict[str, dict[str, str]]:
    """Make a user per entry (a unique name from its key) with those roles; Authorization headers by key."""
    client = app.test_client()
    headers = {}
    for key, roles in users.items():
        username, password = unique(f"authz-{key}"), unique("Pa55-")
        body = user_body(username, password, roles=[{"name": role} for role in roles])
        made = client.post("/api/v1/users", json=body, headers=AUTH)
        assert made.status_code == 200, made.get_json()
        headers[key] = basic(username, password)
    return headers
