"""The bridge in front of a legacy Airflow and the suite's Prefect, as the migration tests configure it."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from app import create_app
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


def prefect_dag_ids(prefect_stack) -> list[str]:
    """Every DAG Prefect serves right now (other test modules create deployments of their own), read
    through a bridge with no legacy Airflow, page by page."""
    settings = Settings(
        prefect_api_url=prefect_stack.api_url, admin_password=PASSWORD, mapping_file=REPO / "mappings" / "dags.toml"
    )
    api = create_app(settings).test_client()
    auth = {"Authorization": "Basic " + base64.b64encode(f"admin:{PASSWORD}".encode()).decode()}
    dag_ids: list[str] = []
    while True:
        page = api.get(f"/api/v1/dags?limit=100&offset={len(dag_ids)}", headers=auth).get_json()
        dag_ids += [dag["dag_id"] for dag in page["dags"]]
        if not page["dags"] or len(dag_ids) >= page["total_entries"]:
            return dag_ids
