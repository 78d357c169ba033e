"""Operations that take more than one Prefect call, in Airflow's terms.

Services sit between the handlers and the Prefect client: they call
Prefect, and use the pure translators to turn answers into Airflow objects.
They know nothing of HTTP requests or wire formats.
"""
