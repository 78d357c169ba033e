"""The authentication rules (app/services/auth.py): hashes, the verdict cache, the throttle, the client address."""

from __future__ import annotations

import base64
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from app.errors import TooManyRequests, Unauthenticated
from app.services import auth
from app.services.auth import Authenticator, FailureThrottle, PasswordHash, client_address
from app.translate.users import TokenRecord, UserRecord, password_fingerprint, token_document_name


def basic(username: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{username}:{password}".encode()).decode()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def derivations(monkeypatch) -> list[bytes]:
    """Counts scrypt derivations (the slow part) instead of timing anything."""
    calls: list[bytes] = []
    real = auth._scrypt

    def counting(password: str, salt: bytes) -> bytes:
        calls.append(salt)
        return real(password, salt)

    monkeypatch.setattr(auth, "_scrypt", counting)
    return calls


class Directory:
    """Users and tokens in memory, as the UserStore's snapshot holds them."""

    def __init__(self) -> None:
        self.users: dict[str, UserRecord] = {}
        self.tokens: dict[str, TokenRecord] = {}

    def add(self, username: str, password: str, roles: tuple[str, ...] = ("Admin",)) -> UserRecord:
        user = UserRecord(id=f"id-{username}", username=username, roles=roles,
                          password_hash=PasswordHash.derive(password).encode())
        self.users[username.lower()] = user
        return user

    def set_password(self, username: str, password: str | None) -> None:
        if password is None:
            self.users.pop(username.lower())
        else:
            self.users[username.lower()] = replace(
                self.users[username.lower()], password_hash=PasswordHash.derive(password).encode()
            )

    def change(self, username: str, **changes) -> None:
        self.users[username.lower()] = replace(self.users[username.lower()], **changes)

    def issue(self, username: str, token: str, **changes) -> TokenRecord:
        user = self.users[username.lower()]
        now = datetime.now(UTC)
        record = TokenRecord(token_document_name(token), user.id, user.username, now, now + timedelta(hours=1),
                             False, password_fingerprint(user.password_hash))
        self.tokens[record.name] = replace(record, **changes)
        return self.tokens[record.name]

    def user(self, username: str) -> UserRecord | None:
        return self.users.get(username.lower())

    def user_by_id(self, user_id: str) -> UserRecord | None:
        return next((user for user in self.users.values() if user.id == user_id), None)

    def token(self, token: str) -> TokenRecord | None:
        return self.tokens.get(token_document_name(token))

    def token_record(self, name: str) -> TokenRecord | None:
        return self.tokens.get(name)


def authenticator(
    cache_seconds: float = 60, burst: int = 3, clock: Clock | None = None, directory: Directory | None = None
) -> Authenticator:
    throttle = FailureThrottle(burst, 6, clock=clock or Clock())
    if directory is None:
        directory = Directory()
        directory.add("admin", "unit-password")
    return Authenticator(directory, cache_seconds=cache_seconds, throttle=throttle)


def test_a_password_is_kept_as_a_salted_hash_only():
    one, two = PasswordHash.derive("pw-123456"), PasswordHash.derive("pw-123456")
    assert one.salt != two.salt and one.digest != two.digest
    assert b"pw-123456" not in one.digest
    assert one.matches("pw-123456") and not one.matches("pw-1234567")
    users = authenticator()
    assert "unit-password" not in repr(vars(users)) and "unit-password" not in repr(vars(users.directory))
    assert PasswordHash.decode(one.encode()) == one


def test_a_credential_is_verified_once_then_remembered(derivations):
    users = authenticator()
    derivations.clear()
    header = basic("admin", "unit-password")
    assert users.authenticate(header, "10.0.0.1").username == "admin"
    assert len(derivations) == 1
    for _ in range(50):
        assert users.authenticate(header, "10.0.0.1").username == "admin"
    assert len(derivations) == 1


def test_the_cache_holds_no_secret():
    users = authenticator()
    header = basic("admin", "unit-password")
    users.authenticate(header, "10.0.0.1")
    assert auth._VERDICTS
    for key, entry in auth._VERDICTS.items():
        assert header.encode() not in key and b"unit-password" not in key
        assert "unit-password" not in repr(entry) and header not in repr(entry)


def test_a_wrong_password_is_never_remembered(derivations):
    users = authenticator(burst=100)
    derivations.clear()
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            users.authenticate(basic("admin", "wrong-one"), "10.0.0.1")
    assert len(derivations) == 3


def test_changing_the_password_drops_remembered_verdicts_at_once(derivations):
    directory = Directory()
    directory.add("admin", "unit-password")
    users = authenticator(directory=directory, burst=100)
    old = basic("admin", "unit-password")
    users.authenticate(old, "10.0.0.1")
    directory.set_password("admin", "new-password")
    with pytest.raises(Unauthenticated):
        users.authenticate(old, "10.0.0.1")
    assert users.authenticate(basic("admin", "new-password"), "10.0.0.1").username == "admin"
    directory.set_password("admin", None)
    with pytest.raises(Unauthenticated):
        users.authenticate(basic("admin", "new-password"), "10.0.0.1")


def test_a_deactivated_user_is_refused_at_once_and_roles_are_read_per_request():
    directory = Directory()
    directory.add("ann", "ann-password", roles=("Viewer",))
    users = authenticator(directory=directory, burst=100)
    header = basic("ann", "ann-password")
    assert users.authenticate(header, "10.0.0.1").roles == ("Viewer",)
    directory.change("ann", roles=("Op", "User"))
    assert users.authenticate(header, "10.0.0.1").roles == ("Op", "User")  # the cached verdict, today's roles
    directory.change("ann", active=False)
    with pytest.raises(Unauthenticated):
        users.authenticate(header, "10.0.0.1")


def test_usernames_match_case_insensitively_as_in_fab():
    assert authenticator().authenticate(basic("ADMIN", "unit-password"), "10.0.0.1").username == "admin"


def test_a_bearer_token_is_accepted_until_revoked_expired_or_its_password_changes():
    directory = Directory()
    directory.add("bot", "bot-password", roles=("User",))
    users = authenticator(directory=directory, burst=100)
    directory.issue("bot", "tok-1")
    bearer = {"Authorization": "Bearer tok-1"}["Authorization"]
    assert users.authenticate(bearer, "10.0.0.1") == auth.Principal("bot", ("User",))
    directory.tokens[token_document_name("tok-1")] = replace(directory.token("tok-1"), revoked=True)
    with pytest.raises(Unauthenticated):
        users.authenticate(bearer, "10.0.0.1")
    directory.issue("bot", "tok-2", expires=datetime.now(UTC) - timedelta(seconds=1))
    with pytest.raises(Unauthenticated):
        users.authenticate("Bearer tok-2", "10.0.0.1")
    directory.issue("bot", "tok-3")
    assert users.authenticate("Bearer tok-3", "10.0.0.1").username == "bot"
    directory.set_password("bot", "another-password")
    with pytest.raises(Unauthenticated):
        users.authenticate("Bearer tok-3", "10.0.0.1")
    with pytest.raises(Unauthenticated):
        users.authenticate("Bearer never-issued", "10.0.0.1")


def test_no_cache_with_zero_seconds(derivations):
    users = authenticator(cache_seconds=0)
    derivations.clear()
    for _ in range(2):
        users.authenticate(basic("admin", "unit-password"), "10.0.0.1")
    assert len(derivations) == 2


@pytest.mark.parametrize(
    "header",
    [None, "", "Basic", "Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode(), "Bearer abc", "Bearer ",
     "Basic " + base64.b64encode(b"admin:\xff").decode(), basic("nobody", "unit-password")],
)
def test_anything_but_the_right_credential_is_unauthenticated(header):
    with pytest.raises(Unauthenticated):
        authenticator(burst=100).authenticate(header, "10.0.0.1")


def test_failures_are_throttled_per_address_not_per_user():
    clock = Clock()
    users = authenticator(burst=3, clock=clock)
    wrong, right = basic("admin", "guess"), basic("admin", "unit-password")
    for _ in range(3):
        with pytest.raises(Unauthenticated):
            users.authenticate(wrong, "203.0.113.9")
    with pytest.raises(TooManyRequests) as throttled:
        users.authenticate(right, "203.0.113.9")  # not even checked while throttled
    assert throttled.value.retry_after == 10  # 6 a minute: one more guess every 10 s
    # The real user, elsewhere, is not locked out by the attacker's failures.
    assert users.authenticate(right, "198.51.100.7").username == "admin"
    clock.now += 10
    assert users.authenticate(right, "203.0.113.9").username == "admin"


def test_a_credential_already_verified_passes_a_throttled_address():
    clock = Clock()
    users = authenticator(burst=1, clock=clock)
    right = basic("admin", "unit-password")
    users.authenticate(right, "192.0.2.1")
    with pytest.raises(Unauthenticated):
        users.authenticate(basic("admin", "guess"), "192.0.2.1")
    with pytest.raises(TooManyRequests):
        users.authenticate(basic("admin", "guess2"), "192.0.2.1")
    assert users.authenticate(right, "192.0.2.1").username == "admin"


@pytest.mark.parametrize(
    ("peer", "forwarded", "hops", "address"),
    [
        ("10.0.0.5", None, 0, "10.0.0.5"),
        ("10.0.0.5", "203.0.113.9", 0, "10.0.0.5"),  # no trusted proxy: the header is anyone's to forge
        ("10.0.0.5", "203.0.113.9", 1, "203.0.113.9"),
        ("10.0.0.5", "1.2.3.4, 203.0.113.9", 1, "203.0.113.9"),  # the client's own claim is ignored
        ("10.0.0.5", "1.2.3.4, 203.0.113.9, 10.0.0.4", 2, "203.0.113.9"),
        ("10.0.0.5", "203.0.113.9", 2, "10.0.0.5"),  # fewer hops than configured: the peer
        (None, None, 0, "unknown"),
    ],
)
def test_the_client_address(peer, forwarded, hops, address):
    assert client_address(peer, forwarded, hops) == address
