"""Users and tokens as block documents (app/translate/users.py) and the store's re-read bound (app/services/users.py).

The store runs here against an in-memory Prefect (httpx.MockTransport): it
counts the calls, so "at most one read per bound" is checked without timing.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from app.errors import BadRequest, Conflict
from app.prefect import PrefectClient
from app.prefect.models import BlockDocument
from app.services.auth import PasswordHash
from app.services.blocks import BlockTypes
from app.services.users import EnvironmentAdmin, UserStore
from app.translate.users import (
    BUILTIN_ROLES,
    UserRecord,
    airflow_user,
    check_lengths,
    document_to_user,
    password_fingerprint,
    sort_users,
    token_document_name,
    user_data,
    user_document_name,
)
from support.identity_prefect import InMemoryBlocks

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def record(username: str, **fields) -> UserRecord:
    defaults = {"email": f"{username}@x", "created_on": NOW, "changed_on": NOW}
    return UserRecord(id=str(uuid.uuid4()), username=username, **{**defaults, **fields})


def document(data: dict) -> BlockDocument:
    return BlockDocument(id=uuid.uuid4(), name="n", created=NOW, data=data, block_type_id=uuid.uuid4(),
                         block_schema_id=uuid.uuid4())


def test_usernames_name_documents_case_insensitively_and_reversibly():
    assert user_document_name("Admin") == user_document_name("admin") == "admin"
    assert user_document_name("ann.lee@corp") != user_document_name("ann-lee@corp")
    assert all(char.islower() or char.isdigit() or char == "-" for char in user_document_name("Ünïcode User/1"))


def test_a_user_document_holds_airflow_s_fields_and_a_hash_never_the_password():
    hashed = PasswordHash.derive("plain-secret").encode()
    user = record("ann", first_name="Ann", roles=("Op", "Viewer"), password_hash=hashed, login_count=3)
    data = user_data(user)
    assert "plain-secret" not in json.dumps(data)
    assert data["password_hash"].startswith("scrypt$") and data["roles"] == ["Op", "Viewer"]
    assert document_to_user(document(data)) == user
    shown = airflow_user(user)
    assert "password" not in shown and "password_hash" not in json.dumps(shown)
    assert shown["fail_login_count"] == shown["failed_login_count"] == user.failed_login_count
    assert shown["roles"] == [{"name": "Op"}, {"name": "Viewer"}]


def test_get_users_orders_as_fab_checks_them():
    older, newer = record("zed", first_name="B"), record("amy", first_name="A", created_on=NOW + timedelta(1))
    assert sort_users([newer, older], None) == [older, newer]  # id: creation order
    assert sort_users([older, newer], "first_name") == [newer, older]
    assert sort_users([older, newer], "user_name") == [newer, older]  # Airflow's 500; sorted by username here
    for order_by in ("-id", "username", "", "password"):
        with pytest.raises(BadRequest, match="is disallowed"):
            sort_users([older], order_by)


def test_lengths_of_fab_s_columns():
    check_lengths({"username": "a" * 512, "first_name": ""})
    with pytest.raises(BadRequest, match="Longer than maximum length 256"):
        check_lengths({"first_name": "a" * 257})
    with pytest.raises(BadRequest, match="Shorter than minimum length 1"):
        check_lengths({"email": ""})


def test_a_token_is_named_by_its_sha256_and_bound_to_its_password_s_salt():
    assert token_document_name("tok") == hashlib.sha256(b"tok").hexdigest()
    one, two = PasswordHash.derive("pw-123456").encode(), PasswordHash.derive("pw-123456").encode()
    assert password_fingerprint(one) == password_fingerprint(one) != password_fingerprint(two)
    assert one.split("$")[1] not in password_fingerprint(one)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def store_over(prefect: InMemoryBlocks, clock: Clock, admin: EnvironmentAdmin | None = None) -> UserStore:
    client = PrefectClient("http://prefect/api", transport=httpx.MockTransport(prefect.handle), retries=0)
    return UserStore(client, BlockTypes(client), check_seconds=2, role_exists=BUILTIN_ROLES.__contains__,
                     admin=admin, clock=clock)


def test_the_store_reads_prefect_at_most_once_per_bound_and_sees_other_replicas_changes():
    prefect, clock = InMemoryBlocks(), Clock()
    mine, theirs = store_over(prefect, clock), store_over(prefect, clock)
    for _ in range(100):
        assert mine.user("nobody") is None
    assert prefect.reads == 1
    theirs.create(record("bob"), "bob-password")
    assert mine.user("bob") is None  # within the bound: the snapshot stands
    clock.now += 2
    assert mine.user("BOB").username == "bob"
    assert prefect.reads == 3  # mine twice, theirs once (its create reads afresh)


def test_the_environment_admin_is_made_then_repaired_on_a_new_start():
    prefect, clock = InMemoryBlocks(), Clock()
    first = store_over(prefect, clock, EnvironmentAdmin("admin", "first-password"))
    admin = first.user("admin")
    assert admin.roles == ("Admin",) and PasswordHash.decode(admin.password_hash).matches("first-password")
    first.update("admin", {"active": False, "roles": ("Viewer",)}, None)
    restarted = store_over(prefect, clock, EnvironmentAdmin("admin", "second-password"))
    admin = restarted.user("admin")
    assert admin.active and "Admin" in admin.roles
    assert PasswordHash.decode(admin.password_hash).matches("second-password")


def test_the_store_refuses_duplicates_and_unknown_roles():
    store = store_over(InMemoryBlocks(), Clock())
    store.create(record("ann"), None)
    with pytest.raises(Conflict, match="already exists"):
        store.create(record("ANN"), None)
    with pytest.raises(Conflict, match="is already taken"):
        store.create(UserRecord(username="other", email="ann@x"), None)
    with pytest.raises(BadRequest, match="Unknown roles: 'Ghost'"):
        store.create(record("cat", roles=("Ghost", "Op")), None)


def test_one_read_per_bound_covers_the_users_and_the_tokens_seen():
    prefect, clock = InMemoryBlocks(), Clock()
    mine, theirs = store_over(prefect, clock), store_over(prefect, clock)
    user = theirs.create(record("bot"), "bot-password")
    issued = theirs.issue_token(user, 3600)
    assert mine.token(issued.token).owner == user.id  # first sight: read by its name
    assert theirs.revoke_token(token=issued.token)
    assert not mine.token_record(issued.record.name).revoked  # within the bound
    clock.now += 2
    before = prefect.reads
    assert mine.token_record(issued.record.name).revoked
    assert mine.user("bot") == user
    assert prefect.reads == before + 1  # users and tokens in one filter
