"""Fixtures for the migration tests: a real legacy Airflow 2.10.5, started once per session.

Only tests that ask for `legacy_airflow` start it (install cached under
.cache/legacy-airflow/, ~10 s to start); it is stopped, with exactly the
processes it started, at the end of the session.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support.legacy_airflow import LegacyAirflow, start_legacy_airflow


@pytest.fixture(scope="session")
def legacy_airflow(tmp_path_factory) -> Iterator[LegacyAirflow]:
    airflow = start_legacy_airflow(tmp_path_factory.mktemp("legacy-airflow"))
    yield airflow
    airflow.stop()
