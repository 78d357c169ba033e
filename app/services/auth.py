"""Who is calling: HTTP Basic credentials or Bearer API tokens, checked at the cost of dictionary lookups.

The users and tokens live in Prefect (app/services/users.py keeps each
process's snapshot, re-read at most every few seconds); README "Authentication".

- Passwords are kept only as salted scrypt hashes; the plaintext is
  compared with nothing. An API token is stored as its SHA-256 only.
- A credential that verified is remembered for `cache_seconds`, keyed by
  an HMAC of the whole Authorization header under a random key of this
  process: the cache holds no secret, and a header that never verified is
  never remembered. Each verdict names what it verified against (the
  password hash, or the token), and counts only while the user still has
  that hash, is active and exists (and the token is still valid): so a
  password change, a deactivation, a deletion or a revocation voids it at
  once on this replica, and within the snapshot's bound on the others.
- Failed verifications are throttled per client address (a token bucket:
  `burst` failures at once, then `per_minute`), never per user, so a
  third party guessing a user's password cannot lock that user out. While
  an address is throttled its unverified credentials get a 429 without
  being checked; a credential that already verified still passes.
- The client address is the peer's, or with `trusted_proxy_hops` N > 0 the
  Nth address from the right of X-Forwarded-For (the one the outermost
  trusted proxy saw), as werkzeug's ProxyFix reads it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Protocol

from app.errors import TooManyRequests, Unauthenticated
from app.services.principal import Principal
from app.translate.users import TokenRecord, UserRecord, token_is_valid

#: scrypt's cost: 16 MiB and ~50 ms per derivation on a server core (OWASP's minimum is N=2^17 r=8 p=1 for
#: stored hashes; the verdict cache means a request pays it once per credential per `cache_seconds`).
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32, "maxmem": 64 * 1024 * 1024}
#: Verdicts remembered at most (the oldest goes first); throttled addresses tracked at most.
MAX_VERDICTS = 4096
MAX_ADDRESSES = 65536
HASH_SCHEME = "scrypt"
#: Per process: HMAC key of the verdict cache (and of the memo of derived hashes).
PROCESS_KEY = os.urandom(32)


@dataclass(frozen=True)
class PasswordHash:
    salt: bytes
    digest: bytes

    @classmethod
    def derive(cls, password: str) -> PasswordHash:
        salt = os.urandom(16)
        return cls(salt, _scrypt(password, salt))

    def matches(self, password: str) -> bool:
        return hmac.compare_digest(_scrypt(password, self.salt), self.digest)

    def encode(self) -> str:
        """`scrypt$<salt hex>$<digest hex>`: how a user's document keeps it."""
        return f"{HASH_SCHEME}${self.salt.hex()}${self.digest.hex()}"

    @classmethod
    def decode(cls, encoded: str) -> PasswordHash | None:
        scheme, _, rest = encoded.partition("$")
        salt, _, digest = rest.partition("$")
        try:
            return cls(bytes.fromhex(salt), bytes.fromhex(digest)) if scheme == HASH_SCHEME else None
        except ValueError:
            return None


def _scrypt(password: str, salt: bytes) -> bytes:
    return hashlib.scrypt(password.encode(), salt=salt, **SCRYPT)


class FailureThrottle:
    """A token bucket of failed logins per client address."""

    def __init__(self, burst: int, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.burst = burst
        self.rate = per_minute / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # address -> (tokens, when)
        self._lock = threading.Lock()

    def wait_seconds(self, address: str) -> float:
        """0 if `address` may try a credential now, else how long until it may."""
        with self._lock:
            tokens = self._tokens(address)
        return 0.0 if tokens >= 1 else (1 - tokens) / self.rate

    def failed(self, address: str) -> None:
        with self._lock:
            tokens = self._tokens(address)
            if len(self._buckets) >= MAX_ADDRESSES:
                self._forget_refilled()
            self._buckets[address] = (max(tokens - 1, 0.0), self.clock())

    def _tokens(self, address: str) -> float:
        tokens, when = self._buckets.get(address, (self.burst, self.clock()))
        return min(self.burst, tokens + (self.clock() - when) * self.rate)

    def _forget_refilled(self) -> None:
        for address in [address for address in self._buckets if self._tokens(address) >= self.burst]:
            del self._buckets[address]


class Directory(Protocol):
    """Where users and tokens are looked up (app/services/users.py's UserStore)."""

    def user(self, username: str) -> UserRecord | None: ...
    def user_by_id(self, user_id: str) -> UserRecord | None: ...
    def token(self, token: str) -> TokenRecord | None: ...
    def token_record(self, name: str) -> TokenRecord | None: ...


@dataclass(frozen=True)
class Verdict:
    """What a header proved: the user (by id) and what it matched, the password hash or the token."""

    user_id: str
    password_hash: str | None  # Basic: the hash the password matched
    token: TokenRecord | None  # Bearer: the token's record
    expires: float


class Authenticator:
    """Verifies Basic credentials and Bearer tokens against the directory, remembering verdicts briefly."""

    def __init__(self, directory: Directory, *, cache_seconds: float, throttle: FailureThrottle) -> None:
        self.directory = directory
        self.cache_seconds = cache_seconds
        self.throttle = throttle

    def authenticate(self, authorization: str | None, address: str) -> Principal:
        """Who the Authorization header proves; Unauthenticated (401) or TooManyRequests (429) if nobody."""
        if not authorization:
            raise Unauthenticated("Authentication is required: send HTTP Basic credentials or a Bearer token")
        key = hmac.new(PROCESS_KEY, authorization.encode("utf-8", "surrogateescape"), hashlib.sha256).digest()
        remembered = self._remembered(key)
        if remembered is not None:
            return _principal(remembered)
        self._check_throttle(address)
        scheme, _, credential = authorization.partition(" ")
        if scheme.lower() == "bearer" and credential.strip():
            user, verdict = self._verify_token(credential.strip(), address)
        else:
            credentials = _basic_credentials(authorization)
            if credentials is None:
                raise Unauthenticated("Authentication is required: send HTTP Basic credentials or a Bearer token")
            user = self.verify_password(*credentials, address=address)
            verdict = Verdict(user.id, user.password_hash, None, 0.0)
        self._remember(key, verdict)
        return _principal(user)

    def verify_password(self, username: str, password: str, *, address: str) -> UserRecord:
        """The active user whose password this is (one scrypt check); else 401, counted against `address`."""
        self._check_throttle(address)
        user = self.directory.user(username)
        stored = PasswordHash.decode(user.password_hash) if user and user.password_hash else None
        # A user that does not exist costs the same time as a wrong password (no user enumeration by timing).
        matched = (stored or _DECOY).matches(password) and stored is not None
        if not matched or user is None or not user.active:
            self.throttle.failed(address)
            raise Unauthenticated("Invalid credentials")
        return user

    def _verify_token(self, token: str, address: str) -> tuple[UserRecord, Verdict]:
        record = self.directory.token(token)
        user = self.directory.user_by_id(record.owner) if record else None
        if record is None or not token_is_valid(record, user, datetime.now(UTC)):
            self.throttle.failed(address)
            raise Unauthenticated("Invalid or expired token")
        assert user is not None
        return user, Verdict(user.id, None, record, 0.0)

    def _check_throttle(self, address: str) -> None:
        wait = self.throttle.wait_seconds(address)
        if wait > 0:
            raise TooManyRequests(
                "Too many failed logins from this address; try again later", retry_after=max(1, round(wait))
            )

    def _remembered(self, key: bytes) -> UserRecord | None:
        with _VERDICTS_LOCK:
            verdict = _VERDICTS.get(key)
        if verdict is None or time.monotonic() >= verdict.expires:
            return None
        user = self.directory.user_by_id(verdict.user_id)
        if user is None or not user.active:
            return None
        if verdict.token is not None:
            # The token's current record: revoked through another replica shows here within the bound.
            current = self.directory.token_record(verdict.token.name)
            return user if current is not None and token_is_valid(current, user, datetime.now(UTC)) else None
        return user if user.password_hash == verdict.password_hash else None

    def _remember(self, key: bytes, verdict: Verdict) -> None:
        if self.cache_seconds <= 0:
            return
        with _VERDICTS_LOCK:
            _VERDICTS[key] = replace(verdict, expires=time.monotonic() + self.cache_seconds)
            _VERDICTS.move_to_end(key)
            while len(_VERDICTS) > MAX_VERDICTS:
                _VERDICTS.popitem(last=False)


def _principal(user: UserRecord) -> Principal:
    return Principal(user.username, user.roles)


def _basic_credentials(authorization: str) -> tuple[str, str] | None:
    scheme, _, encoded = authorization.partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    username, colon, password = decoded.partition(":")
    return (username, password) if colon else None


#: Verdicts of this process: HMAC of the header -> Verdict. Shared by the apps of a process (one, under
#: gunicorn; one per test in the suite): an entry counts only where its user still has that very hash.
_VERDICTS: OrderedDict[bytes, Verdict] = OrderedDict()
_VERDICTS_LOCK = threading.Lock()
_DECOY = PasswordHash(b"\0" * 16, b"\0" * 32)
_MATCHED: dict[bytes, bool] = {}
_MATCHED_LOCK = threading.Lock()


def matches_once(password: str, encoded_hash: str) -> bool:
    """Whether `password` matches the encoded hash, checked once per process for each pair.

    The environment's admin password is checked against the stored hash by
    every app that starts (the tests build one per test); the memo is keyed
    by an HMAC, so it holds no password.
    """
    key = hmac.new(PROCESS_KEY, f"{password}\0{encoded_hash}".encode(), hashlib.sha256).digest()
    with _MATCHED_LOCK:
        if key not in _MATCHED:
            stored = PasswordHash.decode(encoded_hash)
            _MATCHED[key] = stored is not None and stored.matches(password)
        return _MATCHED[key]


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxy_hops: int) -> str:
    """The address failed logins are counted against (see the module docstring)."""
    if trusted_proxy_hops > 0 and forwarded_for:
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        if len(hops) >= trusted_proxy_hops:
            return hops[-trusted_proxy_hops]
    return peer or "unknown"
