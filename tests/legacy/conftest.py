"""Fixtures for the migration tests: a real legacy Airflow 2.10.5, started once per session.

It starts in the background while the modules just before the first one
that asks for `legacy_airflow` run (LEAD_MODULES of them, in whichever
order the session runs its modules), and that test waits only for what is
left of its start (install cached under .cache/legacy-airflow/, ~10 s to
start, longer on a loaded machine). Not earlier: an idle Airflow's
scheduler would take its share of the CPU from every test before. It is
stopped, with exactly the processes it started, at the end of the session,
whether a test took it or not.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import pytest

from support.legacy_airflow import LegacyAirflow, start_legacy_airflow

FIXTURE = "legacy_airflow"
#: How many modules before the first one needing Airflow its start begins: a start takes about as
#: long as the two modules before it in either order (e2e's last ones, or test_embedded).
LEAD_MODULES = 2
_start_with: list[tuple[str, Path]] = []  # the module whose first test starts it, and Airflow's directory
_starting: list[Future[LegacyAirflow]] = []


def pytest_collection_finish(session: pytest.Session) -> None:
    modules = list(dict.fromkeys(_module(item.nodeid) for item in session.items))
    needing = [_module(item.nodeid) for item in session.items if FIXTURE in getattr(item, "fixturenames", ())]
    if needing:
        tmp_dir = session.config._tmp_path_factory.mktemp("legacy-airflow")  # the tmp_path_factory fixture's own
        _start_with.append((modules[max(0, modules.index(needing[0]) - LEAD_MODULES)], tmp_dir))


def pytest_runtest_logstart(nodeid: str) -> None:
    if _start_with and _module(nodeid) == _start_with[0][0]:
        _, tmp_dir = _start_with.pop()
        pool = ThreadPoolExecutor(1, thread_name_prefix="legacy-airflow")
        _starting.append(pool.submit(start_legacy_airflow, tmp_dir))
        pool.shutdown(wait=False)  # the thread ends when Airflow serves (or fails to start)


def _module(nodeid: str) -> str:
    return nodeid.split("::", 1)[0]


def pytest_sessionfinish(session: pytest.Session) -> None:
    """Stop an Airflow no test took (the session ended or failed before its tests)."""
    for starting in _starting:
        if starting.exception() is None:
            starting.result().stop()
    _starting.clear()


@pytest.fixture(scope="session")
def legacy_airflow(tmp_path_factory) -> Iterator[LegacyAirflow]:
    airflow = _started_or_start(tmp_path_factory)
    yield airflow
    airflow.stop()


def _started_or_start(tmp_path_factory) -> LegacyAirflow:
    if _starting:
        return _starting.pop().result()
    # Not known at collection (a test asking for it dynamically): start it now.
    return start_legacy_airflow(tmp_path_factory.mktemp("legacy-airflow"))
