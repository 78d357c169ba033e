"""Who is calling: HTTP Basic credentials, checked at the cost of a dictionary lookup (README "Authentication").

- Passwords are kept only as salted scrypt hashes, derived at start; the
  plaintext is compared with nothing.
- A credential that verified is remembered for `cache_seconds`, keyed by
  an HMAC of the whole Authorization header under a random key of this
  process: the cache holds no secret, and a header that never verified is
  never remembered. Each entry names the password hash it verified
  against, so changing a password (or removing a user) drops every verdict
  about it at once.
- Failed verifications are throttled per client address (a token bucket:
  `burst` failures at once, then `per_minute`), never per user, so a
  third party guessing a user's password cannot lock that user out. While
  an address is throttled its unverified credentials get a 429 without
  being checked; a credential that already verified still passes.
- The client address is the peer's, or with `trusted_proxy_hops` N > 0 the
  Nth address from the right of X-Forwarded-For (the one the outermost
  trusted proxy saw), as werkzeug's ProxyFix reads it.

Costs no Prefect call.
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
from dataclasses import dataclass

from app.errors import TooManyRequests, Unauthenticated

#: scrypt's cost: 16 MiB and ~50 ms per derivation on a server core (OWASP's minimum is N=2^17 r=8 p=1 for
#: stored hashes; the verdict cache means a request pays it once per credential per `cache_seconds`).
SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32, "maxmem": 64 * 1024 * 1024}
#: Verdicts remembered at most (the oldest goes first); throttled addresses tracked at most.
MAX_VERDICTS = 4096
MAX_ADDRESSES = 65536
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


class Authenticator:
    """Verifies Basic credentials against the users' password hashes, remembering verdicts briefly."""

    def __init__(self, users: dict[str, str], *, cache_seconds: float, throttle: FailureThrottle) -> None:
        self._hashes = {username: _hash_once(username, password) for username, password in users.items()}
        self.cache_seconds = cache_seconds
        self.throttle = throttle
        self._lock = threading.Lock()

    def set_password(self, username: str, password: str | None) -> None:
        """Change (None: remove) a user's password; every remembered verdict about the old one is void at once."""
        with self._lock:
            if password is None:
                self._hashes.pop(username, None)
            else:
                self._hashes[username] = PasswordHash.derive(password)
            # Each verdict names the hash it verified against, which no user has now: void already; forget them.
            with _VERDICTS_LOCK:
                _VERDICTS.clear()

    def authenticate(self, authorization: str | None, address: str) -> str:
        """The user the Authorization header proves; Unauthenticated (401) or TooManyRequests (429) if none."""
        if not authorization:
            raise Unauthenticated("Authentication is required: send HTTP Basic credentials")
        key = hmac.new(PROCESS_KEY, authorization.encode("utf-8", "surrogateescape"), hashlib.sha256).digest()
        remembered = self._remembered(key)
        if remembered is not None:
            return remembered
        wait = self.throttle.wait_seconds(address)
        if wait > 0:
            raise TooManyRequests(
                "Too many failed logins from this address; try again later", retry_after=max(1, round(wait))
            )
        credentials = _basic_credentials(authorization)
        if credentials is None:
            raise Unauthenticated("Authentication is required: send HTTP Basic credentials")
        username, password = credentials
        stored = self._hashes.get(username)
        # A user that does not exist costs the same time as a wrong password (no user enumeration by timing).
        matched = (stored or _DECOY).matches(password) and stored is not None
        if not matched:
            self.throttle.failed(address)
            raise Unauthenticated("Invalid credentials")
        self._remember(key, username, stored)
        return username

    def _remembered(self, key: bytes) -> str | None:
        with _VERDICTS_LOCK:
            entry = _VERDICTS.get(key)
        if entry is None:
            return None
        username, verified_against, expires = entry
        if time.monotonic() < expires and self._hashes.get(username) is verified_against:
            return username
        return None

    def _remember(self, key: bytes, username: str, stored: PasswordHash) -> None:
        if self.cache_seconds <= 0:
            return
        with self._lock:
            if self._hashes.get(username) is not stored:
                return  # the password changed while this one was being checked
        with _VERDICTS_LOCK:
            _VERDICTS[key] = (username, stored, time.monotonic() + self.cache_seconds)
            _VERDICTS.move_to_end(key)
            while len(_VERDICTS) > MAX_VERDICTS:
                _VERDICTS.popitem(last=False)


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


#: Verdicts of this process: HMAC of the header -> (user, the password hash it verified against, expiry).
#: Shared by the apps of a process (one, under gunicorn; one per test in the suite): an entry counts only for
#: an app whose user still has that very hash.
_VERDICTS: OrderedDict[bytes, tuple[str, PasswordHash, float]] = OrderedDict()
_VERDICTS_LOCK = threading.Lock()
_DECOY = PasswordHash(b"\0" * 16, b"\0" * 32)
_DERIVED: dict[bytes, PasswordHash] = {}
_DERIVED_LOCK = threading.Lock()


def _hash_once(username: str, password: str) -> PasswordHash:
    """The salted hash of a configured password, derived once per process.

    An app built twice in one process (the tests build one per test) reuses
    the derivation; the memo is keyed by an HMAC, so it holds no password.
    """
    key = hmac.new(PROCESS_KEY, f"{username}\0{password}".encode(), hashlib.sha256).digest()
    with _DERIVED_LOCK:
        if key not in _DERIVED:
            _DERIVED[key] = PasswordHash.derive(password)
        return _DERIVED[key]


def client_address(peer: str | None, forwarded_for: str | None, trusted_proxy_hops: int) -> str:
    """The address failed logins are counted against (see the module docstring)."""
    if trusted_proxy_hops > 0 and forwarded_for:
        hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
        if len(hops) >= trusted_proxy_hops:
            return hops[-trusted_proxy_hops]
    return peer or "unknown"
