"""The dag_id rules: the automatic codec and the explicit mapping's checks."""

import pytest

from app.translate.dag_ids import (
    DAG_ID_PATTERN,
    DeploymentName,
    MappingError,
    automatic_dag_id,
    escape,
    parse_automatic_dag_id,
    parse_mapping,
    unescape,
)

CASES = [
    (("etl", "demo"), "etl.demo"),
    (("my_flow", "nightly run"), "my__flow.nightly_20run"),
    (("a.b", "c"), "a_2eb.c"),
    (("Flow-X", "prod/eu"), "Flow-X.prod_2feu"),
    (("café", "v1"), "caf_c3_a9.v1"),
    (("_", "__"), "__.____"),
]


@pytest.mark.parametrize(("names", "dag_id"), CASES)
def test_automatic_dag_id_round_trips(names, dag_id):
    name = DeploymentName(*names)
    assert automatic_dag_id(name) == dag_id
    assert DAG_ID_PATTERN.match(dag_id)
    assert parse_automatic_dag_id(dag_id) == name


@pytest.mark.parametrize("text", ["a_2", "a_zz", "a b", "x_2E", "_c3", "a_5f"])
def test_unescape_refuses_non_canonical_text(text):
    assert unescape(text) is None


@pytest.mark.parametrize("dag_id", ["nodot", "a.b.c", ".b", "a.", "a_x.b"])
def test_ids_that_name_no_deployment(dag_id):
    assert parse_automatic_dag_id(dag_id) is None


def test_distinct_names_never_share_an_id():
    names = ["a", "a_", "a__", "a.", "a_2e", "A", "a b", "a-b", "a_b", "ab"]
    ids = {escape(name) for name in names}
    assert len(ids) == len(names)


def test_explicit_entry_replaces_the_automatic_id():
    mapping = parse_mapping([{"dag_id": "example_etl", "flow": "etl", "deployment": "demo", "owners": ["x"]}])
    target = DeploymentName("etl", "demo")
    assert mapping.dag_id_for(target) == "example_etl"
    assert mapping.deployment_for("example_etl") == target
    assert mapping.deployment_for("etl.demo") is None  # only under its explicit id
    assert mapping.deployment_for("hello.hourly") == DeploymentName("hello", "hourly")
    assert mapping.entry_for(target).owners == ("x",)


@pytest.mark.parametrize(
    ("entries", "message"),
    [
        ([{"dag_id": "bad id", "flow": "f", "deployment": "d"}], "not a valid Airflow dag_id"),
        ([{"dag_id": "x" * 251, "flow": "f", "deployment": "d"}], "not a valid Airflow dag_id"),
        (
            [{"dag_id": "a", "flow": "f", "deployment": "d"}, {"dag_id": "a", "flow": "g", "deployment": "d"}],
            "mapped twice",
        ),
        (
            [{"dag_id": "a", "flow": "f", "deployment": "d"}, {"dag_id": "b", "flow": "f", "deployment": "d"}],
            "mapped twice",
        ),
        ([{"dag_id": "other.flow", "flow": "f", "deployment": "d"}], "automatic dag_id of deployment 'other/flow'"),
        ([{"dag_id": "a", "flow": "f"}], "'deployment' must be a non-empty string"),
        ([{"dag_id": "a", "flow": "f", "deployment": "d", "colour": "red"}], "unknown key"),
        ([{"dag_id": "a", "flow": "f", "deployment": "d", "owners": "me"}], "'owners' must be a list"),
    ],
)
def test_mapping_errors_fail_with_a_clear_message(entries, message):
    with pytest.raises(MappingError, match=message):
        parse_mapping(entries)


def test_an_explicit_id_may_equal_its_own_automatic_id():
    mapping = parse_mapping([{"dag_id": "f.d", "flow": "f", "deployment": "d"}])
    assert mapping.deployment_for("f.d") == DeploymentName("f", "d")
