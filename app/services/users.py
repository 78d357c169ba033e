"""Users and API tokens every replica shares, kept in Prefect (rules: app/translate/users.py; README "Authentication").

Each process keeps a snapshot of the users (and of the tokens it has seen),
so authenticating a request costs dictionary lookups, not Prefect calls:

- A change made through this process counts at once (the snapshot is
  updated with the write).
- A change made through another replica counts here within
  `check_seconds` (at most 5): the snapshot is re-read when it is older
  than that, with one `POST /block_documents/filter` (one per 200
  documents) that reads every user and the live tokens this process has
  seen (app/translate/users.py, `snapshot_filter`). Never on every request.
- The API's user operations read the users afresh (the same call), so an
  admin always sees what Prefect holds.
- If Prefect cannot be read when the snapshot is due, authentication fails
  (the upstream error: 503/504): a stale snapshot could keep a deleted
  user or a revoked token alive.

The environment's admin (BRIDGE_ADMIN_USERNAME/PASSWORD) is the
break-glass account: when a process first reads the users it makes that
user exist, active, an Admin, with the environment's password (a changed
password is set back), so restarting with a new password recovers access.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

from app.errors import Conflict, NotFound
from app.prefect import PrefectClient, PrefectRequestError
from app.prefect.models import BlockDocument
from app.services.auth import PasswordHash, matches_once
from app.services.blocks import BlockTypes
from app.services.pages import fetching, read_all
from app.translate.paging import Page
from app.translate.users import (
    TOKEN_BLOCK_TYPE,
    TOKEN_SCHEMA_FIELDS,
    USER_BLOCK_TYPE,
    USER_SCHEMA_FIELDS,
    TokenRecord,
    UserRecord,
    document_to_token,
    document_to_user,
    new_user_id,
    password_fingerprint,
    snapshot_filter,
    sort_users,
    token_data,
    token_document_name,
    unknown_roles_error,
    user_data,
    user_document_name,
    username_key,
)

#: The longest a change made through another replica may take to count here.
MAX_CHECK_SECONDS = 5.0
#: Random bytes of an API token (URL-safe base64 of them is the token).
TOKEN_BYTES = 32


def user_not_found(username: str) -> NotFound:
    return NotFound(f"The User with username `{username}` was not found", title="User not found")


@dataclass(frozen=True)
class EnvironmentAdmin:
    username: str
    password: str


@dataclass(frozen=True)
class UserPage:
    users: list[UserRecord]
    total: int


@dataclass(frozen=True)
class IssuedToken:
    token: str  # given to the client once; only its hash is stored
    record: TokenRecord


class UserStore:
    def __init__(
        self,
        client: PrefectClient,
        block_types: BlockTypes,
        *,
        check_seconds: float,
        role_exists: Callable[[str], bool],
        admin: EnvironmentAdmin | None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.block_types = block_types
        self.check_seconds = min(check_seconds, MAX_CHECK_SECONDS)
        self.role_exists = role_exists
        self.admin = admin
        self.clock = clock
        self._lock = threading.RLock()
        self._users: dict[str, UserRecord] = {}  # username_key -> user
        self._by_id: dict[str, UserRecord] = {}
        self._documents: dict[str, UUID] = {}  # username_key -> block document id
        self._tokens: dict[str, TokenRecord] = {}  # token document name -> token seen by this process
        self._checked_at: float | None = None
        #: Prefect's id of the user block type, learnt from the first read: it lets one filter read users and tokens.
        self._user_type_id: UUID | None = None

    # -- what authentication reads (fresh within check_seconds) ----------------

    def user(self, username: str) -> UserRecord | None:
        self._check_if_due()
        return self._users.get(username_key(username))

    def user_by_id(self, user_id: str) -> UserRecord | None:
        self._check_if_due()
        return self._by_id.get(user_id)

    def token(self, token: str) -> TokenRecord | None:
        """The record of an API token (None: no such token), read from Prefect the first time this process sees it."""
        self._check_if_due()
        name = token_document_name(token)
        known = self._tokens.get(name)
        if known is not None:
            return known
        try:
            document = self.client.read_block_document(TOKEN_BLOCK_TYPE["slug"], name)
        except PrefectRequestError as error:
            if error.prefect_status == 404:
                return None
            raise
        record = document_to_token(document)
        with self._lock:
            self._tokens[name] = record
        return record

    def token_record(self, name: str) -> TokenRecord | None:
        """A token this process has seen, by its document name, as last read (None: gone)."""
        self._check_if_due()
        return self._tokens.get(name)

    # -- the v1 user operations -------------------------------------------------

    def page(self, order_by: str | None, page: Page) -> UserPage:
        """A page of every user, read afresh (one call per 200), in Airflow's order (app/translate/users.py)."""
        self.reload()
        ordered = sort_users(list(self._users.values()), order_by)
        return UserPage(ordered[page.offset : page.offset + page.limit], len(ordered))

    def get(self, username: str) -> UserRecord:
        self.reload()
        return self._existing(username)

    def create(self, user: UserRecord, password: str | None) -> UserRecord:
        """Create `user` (its id and dates are set here); 409 for a username or email in use, 400 for unknown roles."""
        self.reload()
        if username_key(user.username) in self._users:
            raise _username_taken(user.username)
        self._check_email_free(user.email, None)
        self.check_roles(user.roles)
        now = datetime.now(UTC)
        user = replace(
            user,
            id=new_user_id(),
            created_on=now,
            changed_on=now,
            password_hash=None if password is None else PasswordHash.derive(password).encode(),
        )
        self._create_document(user)
        return user

    def update(self, username: str, changes: dict[str, Any], password: str | None) -> UserRecord:
        """Apply Airflow field changes (a new username renames the user); a new password replaces the hash."""
        self.reload()
        current = self._existing(username)
        new_name = changes.get("username")
        if new_name and username_key(new_name) != current.key and username_key(new_name) in self._users:
            raise Conflict(f"The username `{new_name}` already exists")
        if changes.get("email") and changes["email"] != current.email:
            self._check_email_free(changes["email"], current.id)
        if "roles" in changes:
            self.check_roles(changes["roles"])
        updated = replace(current, **changes, changed_on=datetime.now(UTC))
        if password is not None:
            updated = replace(updated, password_hash=PasswordHash.derive(password).encode())
        self._save(current, updated)
        return updated

    def delete(self, username: str) -> None:
        self.reload()
        user = self._existing(username)
        try:
            self.client.delete_block_document(self._documents[user.key])
        except PrefectRequestError as error:
            if error.prefect_status != 404:
                raise
        self._forget(user)

    def check_roles(self, roles: Iterable[str]) -> None:
        """Airflow's 400 "Unknown roles: 'a', 'b'" for role names no role has."""
        missing = [name for name in roles if not self.role_exists(name)]
        if missing:
            raise unknown_roles_error(missing)

    def record_login(self, user: UserRecord, succeeded: bool) -> None:
        """FAB's login statistics: a success counts and resets the failures, a failure counts."""
        if succeeded:
            changes: dict[str, Any] = {
                "last_login": datetime.now(UTC),
                "login_count": (user.login_count or 0) + 1,
                "failed_login_count": 0,
            }
        else:
            changes = {"failed_login_count": (user.failed_login_count or 0) + 1}
        self._save(user, replace(user, **changes))

    # -- API tokens -------------------------------------------------------------

    def issue_token(self, user: UserRecord, lifetime_seconds: float) -> IssuedToken:
        kind = self.block_types.ensure(TOKEN_BLOCK_TYPE, TOKEN_SCHEMA_FIELDS)
        token = secrets.token_urlsafe(TOKEN_BYTES)
        now = datetime.now(UTC)
        record = TokenRecord(
            name=token_document_name(token),
            owner=user.id,
            username=user.username,
            created=now,
            expires=now + timedelta(seconds=lifetime_seconds),
            revoked=False,
            password_fingerprint=password_fingerprint(user.password_hash),
        )
        body = {
            "name": record.name,
            "data": token_data(record),
            "block_type_id": str(kind.block_type_id),
            "block_schema_id": str(kind.block_schema_id),
        }
        self.client.create_block_document(body)
        with self._lock:
            self._tokens[record.name] = record
        return IssuedToken(token, record)

    def list_tokens(self) -> list[tuple[UUID, TokenRecord]]:
        body = {"block_types": {"slug": {"any_": [TOKEN_BLOCK_TYPE["slug"]]}}, "sort": "NAME_ASC"}
        documents = read_all(fetching(self.client.filter_block_documents, body))
        return [(document.id, document_to_token(document)) for document in documents]

    def revoke_token(self, *, token: str | None = None, document_id: UUID | None = None) -> bool:
        """Mark a token revoked (by the token itself, or its document's id); False if there is no such token."""
        if token is not None:
            try:
                document = self.client.read_block_document(TOKEN_BLOCK_TYPE["slug"], token_document_name(token))
            except PrefectRequestError as error:
                if error.prefect_status == 404:
                    return False
                raise
            document_id = document.id
        assert document_id is not None
        try:
            self.client.update_block_document(document_id, {"revoked": True})
        except PrefectRequestError as error:
            if error.prefect_status == 404:
                return False
            raise
        with self._lock:
            self._checked_at = None  # re-read at the next lookup: this process refuses the token at once
        return True

    # -- the snapshot -------------------------------------------------------------

    def _check_if_due(self) -> None:
        if self._due():
            with self._lock:
                if self._due():  # not if another thread re-read it while this one waited
                    self.reload()

    def _due(self) -> bool:
        return self._checked_at is None or self.clock() - self._checked_at >= self.check_seconds

    def reload(self) -> None:
        """Read every user and the live tokens this process has seen from Prefect: one call (one per 200)."""
        with self._lock:
            now = datetime.now(UTC)
            token_names = [name for name, record in self._tokens.items() if record.expires > now]
            if self._user_type_id is None:
                token_names = []  # not known before the first read: forget them, each is read again when next used
            body = snapshot_filter(self._user_type_id, token_names)
            documents = read_all(fetching(self.client.filter_block_documents, body))
            first_time = self._checked_at is None
            self._install(documents)
            self._checked_at = self.clock()
            if first_time and self.admin is not None:
                self._ensure_admin(self.admin)

    def _install(self, documents: list[BlockDocument]) -> None:
        """Users and tokens from one read; a token whose document is gone is unknown again (read when next used)."""
        # Before the user type's id is known, the read asked for users only.
        is_user = {document.id: self._user_type_id in (None, document.block_type_id) for document in documents}
        user_documents = [document for document in documents if is_user[document.id]]
        token_documents = [document for document in documents if not is_user[document.id]]
        users = [document_to_user(document) for document in user_documents]
        self._users = {user.key: user for user in users}
        self._by_id = {user.id: user for user in users}
        self._documents = {user.key: document.id for user, document in zip(users, user_documents, strict=True)}
        self._tokens = {record.name: record for record in map(document_to_token, token_documents)}
        if user_documents:
            self._user_type_id = user_documents[0].block_type_id

    def _ensure_admin(self, admin: EnvironmentAdmin) -> None:
        current = self._users.get(username_key(admin.username))
        if current is None:
            now = datetime.now(UTC)
            user = UserRecord(
                id=new_user_id(),
                username=admin.username,
                first_name="Admin",
                last_name="",
                email=f"{admin.username}@localhost",
                active=True,
                roles=("Admin",),
                created_on=now,
                changed_on=now,
                password_hash=PasswordHash.derive(admin.password).encode(),
            )
            try:
                self._create_document(user)
            except Conflict:
                self.reload()  # another replica made it first; check what it made
            return
        wanted = current
        if not current.password_hash or not matches_once(admin.password, current.password_hash):
            wanted = replace(wanted, password_hash=PasswordHash.derive(admin.password).encode())
        if not current.active:
            wanted = replace(wanted, active=True)
        if "Admin" not in current.roles:
            wanted = replace(wanted, roles=(*current.roles, "Admin"))
        if wanted != current:
            self._save(current, replace(wanted, changed_on=datetime.now(UTC)))

    # -- writes ---------------------------------------------------------------------

    def _create_document(self, user: UserRecord) -> None:
        kind = self.block_types.ensure(USER_BLOCK_TYPE, USER_SCHEMA_FIELDS)
        body = {
            "name": user_document_name(user.username),
            "data": user_data(user),
            "block_type_id": str(kind.block_type_id),
            "block_schema_id": str(kind.block_schema_id),
        }
        try:
            document = self.client.create_block_document(body)
        except PrefectRequestError as error:
            if error.prefect_status == 409:
                raise _username_taken(user.username) from None
            raise
        with self._lock:
            self._user_type_id = document.block_type_id
            self._users[user.key] = user
            self._by_id[user.id] = user
            self._documents[user.key] = document.id

    def _save(self, current: UserRecord, updated: UserRecord) -> None:
        """Write `updated` over `current`: one PATCH, or a new document and the old one deleted for a new name."""
        document_id = self._documents[current.key]
        if updated.key == current.key:
            self.client.update_block_document(document_id, user_data(updated))
            with self._lock:
                self._users[updated.key] = updated
                self._by_id[updated.id] = updated
            return
        self._create_document(updated)
        self.client.delete_block_document(document_id)
        with self._lock:
            self._users.pop(current.key, None)
            self._documents.pop(current.key, None)

    def _forget(self, user: UserRecord) -> None:
        with self._lock:
            self._users.pop(user.key, None)
            self._documents.pop(user.key, None)
            self._by_id.pop(user.id, None)

    def _existing(self, username: str) -> UserRecord:
        user = self._users.get(username_key(username))
        if user is None:
            raise user_not_found(username)
        return user

    def _check_email_free(self, email: str, user_id: str | None) -> None:
        if any(user.email == email and user.id != user_id for user in self._users.values()):
            # Airflow's two wordings: post_user's and patch_user's.
            taken = "is already taken." if user_id is None else "already exists"
            raise Conflict(f"The email `{email}` {taken}")


def _username_taken(username: str) -> Conflict:
    return Conflict(f"Username `{username}` already exists. Use PATCH to update.")
