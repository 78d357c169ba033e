"""The legacy twin of the demo flow `etl/demo` (dag_id example_etl in mappings/dags.toml).

Three tasks, extract >> transform >> load; `{"fail": true}` in the run's conf
makes `transform` fail, as `fail=True` does in Prefect.
"""

from datetime import datetime

from airflow import DAG
from airflow.operators.python import PythonOperator


def extract(**context):
    print("extracting 3 rows")


def transform(**context):
    if (context["dag_run"].conf or {}).get("fail"):
        raise ValueError("transform failed on request (fail=True)")
    print("doubling 3 values")


def load(**context):
    print("loaded 3 values")


with DAG("example_etl", start_date=datetime(2024, 1, 1), schedule=None, catchup=False, tags=["legacy"]) as dag:
    (
        PythonOperator(task_id="extract", python_callable=extract)
        >> PythonOperator(task_id="transform", python_callable=transform)
        >> PythonOperator(task_id="load", python_callable=load)
    )
