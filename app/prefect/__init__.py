"""Prefect's REST API as the bridge uses it; nothing in here knows Airflow."""

from app.prefect.client import PrefectClient, PrefectRequestError

__all__ = ["PrefectClient", "PrefectRequestError"]
