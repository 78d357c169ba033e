"""The legacy Apache Airflow of a gradual migration: a client for its v1 REST API (knows nothing of Prefect)."""

from __future__ import annotations

import httpx

from app.legacy.client import (
    LegacyAirflowClient,
    LegacyAirflowError,
    LegacyAirflowTimeout,
    LegacyAirflowUnavailable,
    LegacyDag,
    LegacyDagRun,
    LegacyTaskInstance,
    Page,
)
from app.settings import Settings

__all__ = [
    "LegacyAirflowClient",
    "LegacyAirflowError",
    "LegacyAirflowTimeout",
    "LegacyAirflowUnavailable",
    "LegacyDag",
    "LegacyDagRun",
    "LegacyTaskInstance",
    "Page",
    "legacy_client_from_settings",
]


def legacy_client_from_settings(
    settings: Settings, *, transport: httpx.BaseTransport | None = None
) -> LegacyAirflowClient | None:
    """The client for BRIDGE_LEGACY_AIRFLOW_URL with its credentials and timeouts; None when none is configured."""
    if not settings.legacy_airflow_url:
        return None
    password = settings.legacy_airflow_password.get_secret_value() if settings.legacy_airflow_password else ""
    return LegacyAirflowClient(
        settings.legacy_airflow_url,
        username=settings.legacy_airflow_username,
        password=password,
        timeout=settings.legacy_airflow_timeout,
        connect_timeout=settings.legacy_airflow_connect_timeout,
        transport=transport,
    )
