"""Airflow users and API tokens as documents of the bridge's own Prefect block types.

- A user is a document of the block type `airflow-bridge-user`, named after
  the username in lower case (`BLOCK_DOCUMENT_NAMES`, reversible): FAB finds
  users case-insensitively (`AUTH_USERNAME_CI`, on by default), so `Admin`
  and `admin` are one user, and Prefect's unique names make a second one a
  409. The document holds Airflow's user fields under Airflow's names and
  the password only as a salted slow hash (`scrypt$<salt>$<digest>`, hex),
  marked secret so Prefect keeps it encrypted; never the password.
- A user has a stable `id` (a UUID made at creation): tokens name their
  owner by it, so a renamed user keeps its tokens and a user deleted and
  made again under the same name does not inherit them.
- An API token is a document of `airflow-bridge-api-token` named after the
  SHA-256 of the token (hex): the token itself is stored nowhere. A token is
  32 random bytes, so a fast hash is enough (nobody guesses 2^256); slow
  hashes are for passwords people choose. It holds owner (user id), owner's
  username when issued, created, expires, revoked, and a fingerprint of the
  owner's password salt when issued: a new password means a new salt, so
  the user's older tokens stop working.
- order_by: Airflow 2.10.5 (FAB provider 1.5.3, `get_users`) checks the raw
  `order_by` against `id first_name last_name user_name email is_active
  role`, so `-id` is its 400 (a leading `-` is never accepted); `user_name`,
  `is_active` and `role` pass the check and then fail in Airflow with a 500
  (no such column): the bridge sorts them by username, active and role
  names instead. `id` is creation order.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from app.errors import BadRequest
from app.prefect.models import BlockDocument
from app.translate.dates import format_datetime
from app.translate.prefect_names import BLOCK_DOCUMENT_NAMES

#: Airflow's built-in roles (FAB's registered-user role, Public, is the default of a new user).
BUILTIN_ROLES = ("Public", "Viewer", "User", "Op", "Admin")
DEFAULT_ROLE = "Public"
#: Keys of Airflow's `User` body (marshmallow `UserSchema`): the load-only password and the writable fields.
WRITABLE_FIELDS = ("first_name", "last_name", "username", "email", "roles", "password")
REQUIRED_FIELDS = ("first_name", "last_name", "username", "email")
#: Column lengths of FAB's `ab_user` table, which marshmallow-sqlalchemy turns into Length validators.
MAX_LENGTHS = {"first_name": 256, "last_name": 256, "username": 512, "email": 512, "password": 256}
#: The keys `get_users` accepts (checked on the raw order_by, as Airflow does) and what each sorts by.
ORDER_KEYS = {
    "id": lambda user: (user.created_on, user.id),
    "first_name": lambda user: user.first_name,
    "last_name": lambda user: user.last_name,
    "user_name": lambda user: user.username,
    "email": lambda user: user.email,
    "is_active": lambda user: user.active,
    "role": lambda user: sorted(user.roles),
}

_TEXT = {"type": "string"}
USER_BLOCK_TYPE = {
    "name": "Airflow Bridge User",
    "slug": "airflow-bridge-user",
    "description": "A user of the Airflow-to-Prefect bridge's API (the password only as a salted scrypt hash).",
}
USER_SCHEMA_FIELDS = {
    "title": "AirflowBridgeUser",
    "description": USER_BLOCK_TYPE["description"],
    "type": "object",
    "properties": {
        "id": {"title": "Id", **_TEXT},
        "username": {"title": "Username", **_TEXT},
        "first_name": {"title": "First Name", **_TEXT},
        "last_name": {"title": "Last Name", **_TEXT},
        "email": {"title": "Email", **_TEXT},
        "active": {"title": "Active", "type": "boolean"},
        "roles": {"title": "Roles", "type": "array", "items": _TEXT},
        "created_on": {"title": "Created On", **_TEXT},
        "changed_on": {"title": "Changed On", **_TEXT},
        "last_login": {"title": "Last Login", "anyOf": [_TEXT, {"type": "null"}], "default": None},
        "login_count": {"title": "Login Count", "anyOf": [{"type": "integer"}, {"type": "null"}], "default": None},
        "failed_login_count": {
            "title": "Failed Login Count",
            "anyOf": [{"type": "integer"}, {"type": "null"}],
            "default": None,
        },
        "password_hash": {
            "title": "Password Hash",
            "format": "password",
            "writeOnly": True,
            "anyOf": [_TEXT, {"type": "null"}],
            "default": None,
        },
    },
    "required": ["id", "username"],
    "block_type_slug": USER_BLOCK_TYPE["slug"],
    "secret_fields": ["password_hash"],
    "block_schema_references": {},
}
TOKEN_BLOCK_TYPE = {
    "name": "Airflow Bridge API Token",
    "slug": "airflow-bridge-api-token",
    "description": "An API token of the Airflow-to-Prefect bridge, named by its SHA-256 (never the token).",
}
TOKEN_SCHEMA_FIELDS = {
    "title": "AirflowBridgeApiToken",
    "description": TOKEN_BLOCK_TYPE["description"],
    "type": "object",
    "properties": {
        "owner": {"title": "Owner (user id)", **_TEXT},
        "username": {"title": "Username when issued", **_TEXT},
        "created": {"title": "Created", **_TEXT},
        "expires": {"title": "Expires", **_TEXT},
        "revoked": {"title": "Revoked", "type": "boolean", "default": False},
        "password_fingerprint": {"title": "Password fingerprint", **_TEXT},
    },
    "required": ["owner", "created", "expires"],
    "block_type_slug": TOKEN_BLOCK_TYPE["slug"],
    "secret_fields": [],
    "block_schema_references": {},
}


@dataclass(frozen=True)
class UserRecord:
    """One user as the bridge keeps it (`password_hash`: the encoded salted hash, or None: no password).

    `id` is given by the store when it creates the user.
    """

    username: str
    id: str = ""
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    active: bool = True
    roles: tuple[str, ...] = ()
    created_on: datetime | None = None
    changed_on: datetime | None = None
    last_login: datetime | None = None
    login_count: int | None = None
    failed_login_count: int | None = None
    password_hash: str | None = field(default=None, repr=False)

    @property
    def key(self) -> str:
        return username_key(self.username)


@dataclass(frozen=True)
class TokenRecord:
    """One API token: `name` is the document's name, the SHA-256 of the token."""

    name: str
    owner: str
    username: str
    created: datetime
    expires: datetime
    revoked: bool
    password_fingerprint: str


def new_user_id() -> str:
    return str(uuid.uuid4())


def username_key(username: str) -> str:
    """Usernames match case-insensitively, as FAB's find_user does by default."""
    return username.lower()


def user_document_name(username: str) -> str:
    return BLOCK_DOCUMENT_NAMES.to_prefect(username_key(username))


def user_data(user: UserRecord) -> dict[str, Any]:
    return {
        "id": user.id,
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "active": user.active,
        "roles": list(user.roles),
        "created_on": format_datetime(user.created_on),
        "changed_on": format_datetime(user.changed_on),
        "last_login": format_datetime(user.last_login),
        "login_count": user.login_count,
        "failed_login_count": user.failed_login_count,
        "password_hash": user.password_hash,
    }


def document_to_user(document: BlockDocument) -> UserRecord:
    data = document.data
    return UserRecord(
        id=str(data.get("id") or document.id),
        username=str(data.get("username") or ""),
        first_name=data.get("first_name") or "",
        last_name=data.get("last_name") or "",
        email=data.get("email") or "",
        active=bool(data.get("active", True)),
        roles=tuple(data.get("roles") or ()),
        created_on=_date(data.get("created_on")) or document.created,
        changed_on=_date(data.get("changed_on")) or document.created,
        last_login=_date(data.get("last_login")),
        login_count=data.get("login_count"),
        failed_login_count=data.get("failed_login_count"),
        password_hash=data.get("password_hash"),
    )


def airflow_user(user: UserRecord) -> dict[str, Any]:
    """Airflow's UserCollectionItem: never the password.

    Airflow 2.10 really sends `fail_login_count` (its marshmallow field is
    named after FAB's column) where its spec says `failed_login_count`: both
    are sent, so clients generated from the spec and clients written against
    a real server each find theirs.
    """
    return {
        "first_name": user.first_name,
        "last_name": user.last_name,
        "username": user.username,
        "active": user.active,
        "email": user.email,
        "last_login": format_datetime(user.last_login),
        "login_count": user.login_count,
        "fail_login_count": user.failed_login_count,
        "failed_login_count": user.failed_login_count,
        "roles": [{"name": role} for role in user.roles],
        "created_on": format_datetime(user.created_on),
        "changed_on": format_datetime(user.changed_on),
    }


def sort_users(users: list[UserRecord], order_by: str | None) -> list[UserRecord]:
    """Airflow's get_users order: the raw order_by must be one of ORDER_KEYS (so no leading `-`)."""
    order_by = "id" if order_by is None else order_by
    if order_by not in ORDER_KEYS:
        raise BadRequest(f"Ordering with '{order_by}' is disallowed or the attribute does not exist on the model")
    return sorted(users, key=ORDER_KEYS[order_by])


def check_lengths(values: dict[str, Any]) -> None:
    """marshmallow-sqlalchemy's Length validators of FAB's columns (and the spec's minLength of 1)."""
    errors: dict[str, list[str]] = {}
    for name, value in values.items():
        if not isinstance(value, str):
            continue
        if name in MAX_LENGTHS and len(value) > MAX_LENGTHS[name]:
            errors[name] = [f"Longer than maximum length {MAX_LENGTHS[name]}."]
        elif name in ("username", "email") and not value:
            errors[name] = ["Shorter than minimum length 1."]
    if errors:
        raise BadRequest(str(errors))


def unknown_roles_error(missing: list[str]) -> BadRequest:
    return BadRequest(f"Unknown roles: {', '.join(repr(name) for name in missing)}")


def snapshot_filter(user_type_id: UUID | None, token_names: list[str]) -> dict[str, Any]:
    """One `POST /block_documents/filter` body for every user and the named tokens.

    Prefect's block document filter combines its criteria with `or_` when
    asked: documents of the user block type, or tokens named so (the
    default `is_anonymous` criterion is dropped, or it would match every
    named document). Without the user type's id (before the first read),
    or without tokens, the users alone, by their type's slug.
    """
    body: dict[str, Any] = {"include_secrets": True, "sort": "NAME_ASC"}
    if user_type_id is None or not token_names:
        return {**body, "block_types": {"slug": {"any_": [USER_BLOCK_TYPE["slug"]]}}}
    return {
        **body,
        "block_types": {"slug": {"any_": [USER_BLOCK_TYPE["slug"], TOKEN_BLOCK_TYPE["slug"]]}},
        "block_documents": {
            "operator": "or_",
            "block_type_id": {"any_": [str(user_type_id)]},
            "name": {"any_": token_names},
            "is_anonymous": None,
        },
    }


# -- tokens ---------------------------------------------------------------------


def token_document_name(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


def password_fingerprint(password_hash: str | None) -> str:
    """Names the password a token was issued under: a hash of its salt (new with every password), no secret."""
    salt = password_hash.split("$")[1] if password_hash and password_hash.count("$") == 2 else ""
    return hashlib.sha256(salt.encode()).hexdigest()[:32]


def token_is_valid(record: TokenRecord, user: UserRecord | None, now: datetime) -> bool:
    """Not revoked nor expired, and its owner exists, is active and has the password it was issued under."""
    return (
        user is not None
        and user.active
        and not record.revoked
        and record.expires > now
        and record.password_fingerprint == password_fingerprint(user.password_hash)
    )


def token_data(token: TokenRecord) -> dict[str, Any]:
    return {
        "owner": token.owner,
        "username": token.username,
        "created": format_datetime(token.created),
        "expires": format_datetime(token.expires),
        "revoked": token.revoked,
        "password_fingerprint": token.password_fingerprint,
    }


def document_to_token(document: BlockDocument) -> TokenRecord:
    data = document.data
    return TokenRecord(
        name=document.name or "",
        owner=str(data.get("owner") or ""),
        username=str(data.get("username") or ""),
        created=_date(data.get("created")) or document.created,
        expires=_date(data.get("expires")) or document.created,
        revoked=bool(data.get("revoked", False)),
        password_fingerprint=str(data.get("password_fingerprint") or ""),
    )


def _date(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(str(value))
    except ValueError:
        return None
