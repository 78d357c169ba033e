"""The README's coverage table is what `make coverage` would write."""

from app.api_v1 import coverage
from app.api_v1.operations import V1_OPERATIONS


def test_readme_coverage_table_is_up_to_date():
    readme = coverage.README.read_text()
    assert coverage.with_table(readme, coverage.current_table()) == readme, (
        "README.md's coverage table is stale: run `make coverage`"
    )


def test_every_operation_has_a_row():
    table = coverage.current_table()
    for operation in V1_OPERATIONS:
        assert f"| `{operation.operation_id}` | `{operation.method} {operation.path}` |" in table


def test_operations_listed_as_served_are_served():
    table = coverage.current_table()
    for operation in V1_OPERATIONS:
        if operation.reason is None:
            assert f"| `{operation.operation_id}` | `{operation.method} {operation.path}` | served |" in table


def test_every_served_operation_declares_its_prefect_calls():
    rows = coverage.current_table().splitlines()
    undeclared = [row.split("|")[1].strip() for row in rows if "(not declared)" in row]
    assert not undeclared, f"handlers without @prefect_calls(...): {', '.join(undeclared)}"
