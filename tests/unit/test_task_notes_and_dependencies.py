"""Task-instance notes as flow-run labels, and Airflow's dependency reasons from upstream states."""

from datetime import UTC, datetime

import pytest

from app.errors import BadRequest
from app.translate.airflow import TaskDependency, TaskInstance
from app.translate.task_dependencies import failed_dependencies, upstream_task_ids
from app.translate.task_notes import note_labels, note_of, with_notes

WHEN = datetime(2026, 1, 1, tzinfo=UTC)


def instance(task_id: str, state: str | None, map_index: int = -1) -> TaskInstance:
    return TaskInstance(task_id, "etl", "r1", WHEN, map_index, state, try_number=1, max_tries=0)


def test_a_note_is_the_label_of_its_task_and_map_index():
    assert note_labels(instance("load", None), "checked") == {"airflow.note.load.-1": "checked"}
    assert note_labels(instance("square", None, 3), "x") == {"airflow.note.square.3": "x"}
    labels = {"airflow.note": "the run's note", "airflow.note.load.-1": "checked", "airflow.note.square.3": "x"}
    instances = [instance("load", "success"), instance("square", "success", 3), instance("extract", None)]
    noted = with_notes(instances, labels)
    assert [each.note for each in noted] == ["checked", "x", None]


def test_a_null_note_is_stored_as_false_and_reads_as_no_note():
    labels = note_labels(instance("load", None), None)
    assert labels == {"airflow.note.load.-1": False}
    assert note_of(labels, "load", -1) is None


def test_a_note_longer_than_airflow_allows_is_a_400():
    assert note_labels(instance("load", None), "x" * 1000)
    with pytest.raises(BadRequest, match="Longer than maximum length 1000"):
        note_labels(instance("load", None), "x" * 1001)


GRAPH = {"extract": ["transform"], "transform": ["load"], "load": []}


def test_upstream_task_ids_reverse_the_graph():
    assert upstream_task_ids(GRAPH, "load") == {"transform"}
    assert upstream_task_ids(GRAPH, "extract") == set()


def test_a_task_waiting_on_an_unfinished_upstream_gives_airflows_trigger_rule_reason():
    run = [instance("extract", "running"), instance("transform", None), instance("load", None)]
    assert failed_dependencies(run[1], "running", run, {"extract"}) == [
        TaskDependency(
            "Trigger Rule",
            "Task's trigger rule 'all_success' requires all upstream tasks to have succeeded, but found 1 "
            "non-success(es). upstream_states=_UpstreamTIStates(success=0, skipped=0, failed=0, upstream_failed=0, "
            "removed=0, done=0, success_setup=0, skipped_setup=0), upstream_task_ids={'extract'}",
        )
    ]


def test_met_dependencies_and_stated_instances_give_nothing():
    run = [instance("extract", "success"), instance("transform", None)]
    assert failed_dependencies(run[1], "running", run, {"extract"}) == []
    assert failed_dependencies(run[0], "running", run, set()) == []
    # Airflow evaluates only instances with no state or `scheduled`: upstream_failed answers nothing.
    failed_run = [instance("transform", "failed"), instance("load", "upstream_failed")]
    assert failed_dependencies(failed_run[1], "failed", failed_run, {"transform"}) == []


def test_a_run_that_is_not_running_fails_dagrun_running_and_names_sort():
    run = [instance("extract", None), instance("transform", None)]
    failed = failed_dependencies(run[1], "queued", run, {"extract"})
    assert [each.name for each in failed] == ["Dagrun Running", "Trigger Rule"]
    assert failed[0].reason == "Task instance's dagrun was not in the 'running' state but in the state 'queued'."


def test_a_mapped_upstream_counts_each_instance_and_only_finished_ones_are_done():
    run = [
        instance("square", "success", 0),
        instance("square", "failed", 1),
        instance("square", "running", 2),
        instance("flaky", "success"),
        instance("total", None),
    ]
    (rule,) = failed_dependencies(run[-1], "running", run, {"square", "flaky"})
    assert "found 2 non-success(es)" in rule.reason
    assert "_UpstreamTIStates(success=2, skipped=0, failed=1, upstream_failed=0, removed=0, done=3," in rule.reason
    assert rule.reason.endswith("upstream_task_ids={'flaky', 'square'}")
