"""A pytest plugin: every log record of the whole suite is checked for the secrets the tests use.

Registered in tests/conftest.py. At start it sends every logger's records,
down to DEBUG, through one handler that looks for each known secret in the
record's message and traceback; at the end of the session a secret found
anywhere fails the run, naming the logger and test (never the secret).

The known secrets are the suite's own: the admin password and its Basic
header, the Prefect API keys and the connection passwords tests use. A
test adds its own with `watch_secret(...)` before using it. Only secrets of
six characters or more are watched (a password `p` is in every line).
"""

from __future__ import annotations

import base64
import logging
from dataclasses import dataclass

import pytest

MIN_SECRET_LENGTH = 6
#: Secrets the suite's tests use (tests/conftest.py, test_upstream_failures.py, test_connections_api.py, ...).
SUITE_SECRETS = ("test-password", "pnu_topsecret", "pnu_secret", "s3cret", "secret-pw")


def basic_header_value(username: str, password: str) -> str:
    return base64.b64encode(f"{username}:{password}".encode()).decode()


@dataclass(frozen=True)
class Leak:
    test: str
    logger: str
    level: str


class SecretWatcher(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.secrets: set[str] = set()
        self.leaks: list[Leak] = []
        self.current_test = "(collection)"

    def watch(self, secret: str) -> None:
        if len(secret) >= MIN_SECRET_LENGTH:
            self.secrets.add(secret)

    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a broken format string is not this plugin's business
            text = str(record.msg)
        if record.exc_info and record.exc_info[1] is not None:
            text += "\n" + logging.Formatter().formatException(record.exc_info)
        text += record.exc_text or ""
        if any(secret in text for secret in self.secrets):
            self.leaks.append(Leak(self.current_test, record.name, record.levelname))


WATCHER = SecretWatcher()


def watch_secret(secret: str) -> str:
    """Watch for `secret` in every later log record of the session; returns it."""
    WATCHER.watch(secret)
    return secret


def pytest_configure(config: pytest.Config) -> None:
    for secret in SUITE_SECRETS:
        WATCHER.watch(secret)
    WATCHER.watch(basic_header_value("admin", "test-password"))
    root = logging.getLogger()
    root.addHandler(WATCHER)
    root.setLevel(logging.DEBUG)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None):
    WATCHER.current_test = item.nodeid
    try:
        return (yield)
    finally:
        WATCHER.current_test = "(between tests)"


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    logging.getLogger().removeHandler(WATCHER)
    if WATCHER.leaks and session.exitstatus == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter) -> None:
    if not WATCHER.leaks:
        watched = len(WATCHER.secrets)
        terminalreporter.write_line(f"secret log guard: no known secret in any log record ({watched} watched)")
        return
    terminalreporter.section("secrets in log records", red=True)
    for leak in dict.fromkeys(WATCHER.leaks):
        terminalreporter.write_line(f"{leak.test}: a {leak.level} record of logger {leak.logger!r} holds a secret")
