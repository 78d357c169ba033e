"""DAGs that exist only in the legacy Airflow: served from it through the bridge by default."""

from datetime import datetime

from airflow import DAG
from airflow.operators.empty import EmptyOperator

for number in range(1, 4):
    dag_id = f"legacy_report_{number}"
    with DAG(dag_id, start_date=datetime(2024, 1, 1), schedule=None, catchup=False, tags=["legacy"]) as dag:
        EmptyOperator(task_id="report")
    globals()[dag_id] = dag
