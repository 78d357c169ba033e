"""Pure translation between Airflow's API vocabulary and Prefect's.

Nothing in this package does I/O or imports Flask or httpx: every function
takes plain values and returns plain values, so each rule can be tested as
a table.
"""
