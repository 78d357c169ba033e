"""The bridge in front of a legacy Airflow and the suite's Prefect, as the migration tests configure it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from app.settings import Settings
from conftest import PASSWORD, REPO


def legacy_settings(prefect_stack, url: str, password: str, routes_file: Path, **overrides: Any) -> Settings:
    """Settings for a bridge whose legacy Airflow is at `url`; routes re-checked at every request."""
    values: dict[str, Any] = {
        "prefect_api_url": prefect_stack.api_url,
        "admin_password": PASSWORD,
        "mapping_file": REPO / "mappings" / "dags.toml",
        "legacy_airflow_url": url,
        "legacy_airflow_password": password,
        "legacy_airflow_timeout": 30,
        "routes_file": routes_file,
        "routes_check_seconds": 0,
    }
    return Settings(**{**values, **overrides})
