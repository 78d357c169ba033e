"""`--reverse-modules`: run the test modules in reverse file order.

The suite must not depend on the order of its files: each module sets up
what it reads and restores what it changes. `make test` runs it twice, in
file order and with this option, so a module that leans on another's
leftovers (or breaks state a later one needs) fails in one of the passes.
Tests keep their order within a module (module-scoped fixtures are set up
once either way); only whole modules move.
"""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--reverse-modules",
        action="store_true",
        default=False,
        help="run the test modules in reverse file order (tests within a module keep their order)",
    )


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if config.getoption("--reverse-modules"):
        items[:] = reversed_modules(items)
    # Checks over the whole session (marked `session_summary`) see every other test first.
    items.sort(key=lambda item: item.get_closest_marker("session_summary") is not None)


def reversed_modules(items: list[pytest.Item]) -> list[pytest.Item]:
    by_module: dict[str, list[pytest.Item]] = {}
    for item in items:
        by_module.setdefault(item.nodeid.split("::", 1)[0], []).append(item)
    return [item for module in reversed(by_module) for item in by_module[module]]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "session_summary: a check over what the whole session did; runs after every other test"
    )


def pytest_report_header(config: pytest.Config) -> str:
    reverse = config.getoption("--reverse-modules")
    return "module order: " + ("reversed (--reverse-modules)" if reverse else "file order")
