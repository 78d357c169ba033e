"""The migration from a legacy Airflow to Prefect: comparing the two sides, and the status page."""
