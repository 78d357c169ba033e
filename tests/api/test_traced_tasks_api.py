"""A DAG's tasks before its first run: the task graph traced from its flow's code and stored in Prefect."""

import pytest

from app import cli
from conftest import ETL, FANOUT, HELLO, REPO
from support.deployments import create_deployment
from support.prefect_stack import prefect_call

DIAMOND = "tests/support/traced_flows.py:diamond"


@pytest.fixture
def traced(prefect_stack, monkeypatch, capsys):
    """A deployment of the diamond flow that never ran, traced by `airflow-prefect-bridge trace`."""
    deployment = create_deployment(prefect_stack.api_url, "traced", entrypoint=DIAMOND, parameters={"width": 3})
    monkeypatch.setenv("PREFECT_API_URL", prefect_stack.api_url)
    monkeypatch.chdir(REPO)  # entrypoints are relative to the project, as `prefect deploy` records them
    assert cli.main(["trace", f"{deployment.flow}/d"]) == 0
    assert capsys.readouterr().out == f"{deployment.flow}/d: 5 task(s) stored: start, left, right, join-them, notify\n"
    return deployment


def test_a_dag_that_never_ran_lists_its_traced_tasks(api, traced, prefect_calls):
    prefect_calls.reset()
    body = api.get(f"/dags/{traced.dag_id}/tasks").get_json()
    assert len(prefect_calls.calls) == 3  # the deployment, its (missing) completed run, the traced graph
    tasks = {task["task_id"]: task for task in body["tasks"]}
    assert body["total_entries"] == 5 and list(tasks) == sorted(tasks)
    assert {task_id: task["downstream_task_ids"] for task_id, task in tasks.items()} == {
        "join-them": ["notify"],
        "left": ["join-them"],
        "notify": [],
        "right": ["join-them"],
        "start": ["left", "right"],
    }
    assert {task["owner"] for task in tasks.values()} == {"airflow"}

    one = api.get(f"/dags/{traced.dag_id}/tasks/left").get_json()
    assert (one["retries"], one["retry_delay"]["seconds"], one["is_mapped"]) == (2, 5, False)
    assert api.get(f"/dags/{traced.dag_id}/tasks/nope").status_code == 404
    assert api.get(f"/dags/{traced.dag_id}").get_json()["owners"] == ["airflow"]


def test_a_completed_run_supersedes_the_traced_graph(api, traced):
    traced.create_run("COMPLETED")  # a run that ran no task: what really ran wins
    assert api.get(f"/dags/{traced.dag_id}/tasks").get_json() == {"tasks": [], "total_entries": 0}


def test_a_failed_run_does_not(api, traced):
    traced.create_run("FAILED")
    assert api.get(f"/dags/{traced.dag_id}/tasks").get_json()["total_entries"] == 5


def test_a_first_run_shows_the_traced_tasks_it_never_ran(api, traced, prefect_calls):
    run = traced.create_run("FAILED")  # failed before any task ran
    prefect_calls.reset()
    body = api.get(f"/dags/{traced.dag_id}/dagRuns/prefect__{run}/taskInstances").get_json()
    assert len(prefect_calls.calls) == 4  # the run, the (missing) completed run, the traced graph, the task runs
    states = {(each["task_id"], each["state"], each["max_tries"]) for each in body["task_instances"]}
    assert states == {
        ("start", "upstream_failed", 0),
        ("left", "upstream_failed", 2),
        ("right", "upstream_failed", 0),
        ("join-them", "upstream_failed", 0),
        ("notify", "upstream_failed", 0),
    }


def test_a_dag_neither_traced_nor_run_has_no_tasks(api, prefect_stack, prefect_calls):
    deployment = create_deployment(prefect_stack.api_url, "untraced")
    prefect_calls.reset()
    assert api.get(f"/dags/{deployment.dag_id}/tasks").get_json() == {"tasks": [], "total_entries": 0}
    assert len(prefect_calls.calls) == 4  # deployment, completed run, traced graph, latest run
    assert api.get(f"/dags/{deployment.dag_id}/tasks/start").status_code == 404


def test_a_stored_graph_the_bridge_cannot_read_is_a_502(api, prefect_stack):
    deployment = create_deployment(prefect_stack.api_url, "garbled")
    artifact = {"key": f"airflow-task-graph-{deployment.id}", "type": "airflow-task-graph", "data": {"tasks": 1}}
    prefect_call("POST", f"{prefect_stack.api_url}/artifacts/", json=artifact).raise_for_status()
    response = api.get(f"/dags/{deployment.dag_id}/tasks")
    assert response.status_code == 502 and "is not a task graph" in response.get_json()["detail"]


def test_the_demo_deployments_are_traced_when_the_stack_starts(api, prefect_stack):
    """`make run` (and the test stack, built on it) traces the demo flows: their tasks show before any run."""
    expected = {ETL: ["extract", "transform", "load"], FANOUT: ["flaky", "square", "total"], HELLO: []}
    for dag_id, task_ids in expected.items():
        deployment_id = api.get(f"/dags/{dag_id}").get_json()["file_token"]
        url = f"{prefect_stack.api_url}/artifacts/airflow-task-graph-{deployment_id}/latest"
        assert [task["task_id"] for task in prefect_call("GET", url).json()["data"]["tasks"]] == task_ids


@pytest.mark.parametrize(
    ("arguments", "code", "message"),
    [
        (["trace", "no-slash"], 2, "FLOW/DEPLOYMENT"),
        (["trace", "a/b", "c/d", "--entrypoint", DIAMOND], 2, "just one"),
        (["trace", "no-such-flow/d"], 1, "no-such-flow/d: "),
    ],
)
def test_the_trace_command_reports_what_it_cannot_trace(prefect_stack, monkeypatch, capsys, arguments, code, message):
    monkeypatch.setenv("PREFECT_API_URL", prefect_stack.api_url)
    assert cli.main(arguments) == code
    assert message in capsys.readouterr().err


def test_a_flow_that_cannot_be_loaded_is_reported(prefect_stack, monkeypatch, capsys):
    deployment = create_deployment(prefect_stack.api_url, "unloadable", entrypoint="no/such/file.py:flow")
    monkeypatch.setenv("PREFECT_API_URL", prefect_stack.api_url)
    assert cli.main(["trace", f"{deployment.flow}/d"]) == 1
    assert "cannot load flow 'no/such/file.py:flow'" in capsys.readouterr().err
