"""API tokens as Airflow 3's simple auth manager issues them: `POST /auth/token` and `POST /auth/token/cli`.

`{"username", "password"}` (JSON, or a form for /auth/token) -> 201
`{"access_token": ...}`; missing fields 400, wrong credentials 401
"Invalid credentials", errors as Airflow 3 writes them (`{"detail": ...}`,
application/json). The token is random and opaque (clients treat Airflow's
JWT as opaque too); Prefect keeps only its SHA-256 (app/services/users.py).
It is good for `Authorization: Bearer <token>` on /api/v1 (and the coming
v2) until it expires (BRIDGE_TOKEN_SECONDS; /cli: BRIDGE_CLI_TOKEN_SECONDS,
as airflowctl's login), is revoked (`DELETE /auth/token` with the token, or
`airflow-prefect-bridge tokens revoke`), or its user is deleted,
deactivated or given a new password.
"""

from __future__ import annotations

from flask import Blueprint, Flask, Response, jsonify, request

from app.api_v1.auth import request_address
from app.api_v1.upstream import prefect_calls
from app.bridge import current_bridge
from app.errors import TooManyRequests, Unauthenticated

blueprint = Blueprint("auth_tokens", __name__, url_prefix="/auth")

FORM = "application/x-www-form-urlencoded"
#: The user's snapshot (re-read when due), its login statistics, the token's document (and its block type, once).
ISSUE_CALLS = (
    "POST /block_documents/filter",
    "PATCH /block_documents/{id}",
    "POST /block_types/",
    "GET /block_types/slug/{slug}",
    "POST /block_schemas/",
    "POST /block_documents/",
)
#: With authentication off every request acts as an admin: any token does, and this one says why.
AUTH_OFF_TOKEN = "authentication-is-off"


@blueprint.post("/token")
@prefect_calls(*ISSUE_CALLS)
def create_token():
    return _issue(allow_form=True, lifetime=current_bridge().settings.token_seconds)


@blueprint.post("/token/cli")
@prefect_calls(*ISSUE_CALLS)
def create_token_cli():
    return _issue(allow_form=False, lifetime=current_bridge().settings.cli_token_seconds)


@blueprint.delete("/token")
@prefect_calls("GET /block_types/slug/{slug}/block_documents/name/{name}", "PATCH /block_documents/{id}")
def revoke_token():
    """Revoke the token the request carries (the bridge's addition: Airflow 3 has no logout for API tokens)."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    bridge = current_bridge()
    if scheme.lower() != "bearer" or not token.strip() or bridge.users is None:
        return _detail(401, "Not authenticated")
    if not bridge.users.revoke_token(token=token.strip()):
        return _detail(401, "Invalid or expired token")
    return Response(status=204)


def _issue(*, allow_form: bool, lifetime: int):
    username, password = _credentials(allow_form)
    if not username or not password:
        return _detail(400, "Username and password must be provided")
    bridge = current_bridge()
    if bridge.auth is None:
        return _created(AUTH_OFF_TOKEN)
    try:
        user = bridge.auth.verify_password(username, password, address=request_address())
    except TooManyRequests as error:
        response = _detail(429, error.detail or error.title)
        response.headers["Retry-After"] = str(error.retry_after)
        return response
    except Unauthenticated:
        known = bridge.users.user(username)
        if known is not None:
            bridge.users.record_login(known, succeeded=False)
        return _detail(401, "Invalid credentials")
    bridge.users.record_login(user, succeeded=True)
    issued = bridge.users.issue_token(user, lifetime)
    return _created(issued.token)


def _credentials(allow_form: bool) -> tuple[str | None, str | None]:
    if allow_form and request.mimetype == FORM:
        values = request.form
    else:
        values = request.get_json(force=True, silent=True)
        if not isinstance(values, dict):
            return None, None
    username, password = values.get("username"), values.get("password")
    return (
        username if isinstance(username, str) else None,
        password if isinstance(password, str) else None,
    )


def _detail(status: int, detail: str) -> Response:
    response = jsonify({"detail": detail})
    response.status_code = status
    return response


def _created(token: str) -> Response:
    response = jsonify({"access_token": token})
    response.status_code = 201
    return response


def register(app: Flask) -> None:
    app.register_blueprint(blueprint)
