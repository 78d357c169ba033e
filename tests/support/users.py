"""Helpers for tests that make users: unique names (the suite runs twice over one Prefect), bodies, polling."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable

from support.secret_log_guard import basic_header_value, watch_secret

#: How long a change through one replica may take to show on another, at most: polled, never timed.
CROSS_REPLICA_DEADLINE = 30.0


def basic(username: str, password: str) -> dict[str, str]:
    """A Basic header; the password and the header are watched for in every log record."""
    watch_secret(password)
    return {"Authorization": "Basic " + watch_secret(basic_header_value(username, password))}


def bearer(token: str) -> dict[str, str]:
    """A Bearer header; the token is watched for in every log record."""
    return {"Authorization": f"Bearer {watch_secret(token)}"}


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def user_body(username: str, password: str | None = "Pa55-word!", **fields) -> dict:
    """Airflow's User body for a new user (email made from the username, so unique too)."""
    body = {"first_name": "Ann", "last_name": "Lee", "username": username, "email": f"{username}@example.com"}
    if password is not None:
        body["password"] = watch_secret(password)
    return {**body, **fields}


def eventually(check: Callable[[], bool], what: str) -> None:
    """Poll `check` until it holds; fail naming `what` after CROSS_REPLICA_DEADLINE."""
    deadline = time.monotonic() + CROSS_REPLICA_DEADLINE
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not seen by the other replica within {CROSS_REPLICA_DEADLINE:g} s")
        time.sleep(0.2)
